// Package relay implements the Relay conventions Tailor's API follows: opaque global IDs,
// opaque cursors and validated page arguments.
package relay

import (
	"encoding/base64"
	"encoding/json"
	"strconv"
	"strings"

	"github.com/tailorhq/tailor/internal/apperr"
)

// The node types that have global IDs.
const (
	TypeUser    = "User"
	TypeContent = "Content"
	TypeTopic   = "Topic"
	TypeAPIKey  = "ApiKey"
	// TypeNotification, TypeWebhook and TypeWebhookDelivery name their owner's objects.
	TypeNotification    = "Notification"
	TypeWebhook         = "Webhook"
	TypeWebhookDelivery = "WebhookDelivery"
)

// ID returns the opaque global ID of the typ object with the given database ID.
func ID(typ string, id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(typ + ":" + strconv.FormatInt(id, 10)))
}

// ParseID decodes a global ID into its type and database ID.
func ParseID(field, gid string) (typ string, id int64, err error) {
	raw, decErr := base64.RawURLEncoding.DecodeString(gid)
	if decErr != nil {
		return "", 0, apperr.Invalid(field, "%s: %q is not a valid ID", field, gid)
	}
	typ, num, ok := strings.Cut(string(raw), ":")
	if !ok {
		return "", 0, apperr.Invalid(field, "%s: %q is not a valid ID", field, gid)
	}
	id, convErr := strconv.ParseInt(num, 10, 64)
	if convErr != nil || id <= 0 || strconv.FormatInt(id, 10) != num {
		return "", 0, apperr.Invalid(field, "%s: %q is not a valid ID", field, gid)
	}
	switch typ {
	case TypeUser, TypeContent, TypeTopic, TypeAPIKey, TypeNotification, TypeWebhook, TypeWebhookDelivery:
		return typ, id, nil
	}
	return "", 0, apperr.Invalid(field, "%s: %q is not a valid ID", field, gid)
}

// ParseIDOf decodes a global ID that must name an object of type want.
func ParseIDOf(field, gid, want string) (int64, error) {
	typ, id, err := ParseID(field, gid)
	if err != nil {
		return 0, err
	}
	if typ != want {
		return 0, apperr.Invalid(field, "%s: %q is a %s ID, expected a %s ID", field, gid, typ, want)
	}
	return id, nil
}

// Cursor is a position in an ordered list: the ordering it belongs to, the sort key of the
// item at that position and the item's ID as a tiebreaker.
type Cursor struct {
	Order string `json:"o"`
	Key   string `json:"k,omitempty"`
	ID    int64  `json:"i"`
}

// Encode returns the opaque form of c.
func (c Cursor) Encode() string {
	b, _ := json.Marshal(c) // a struct of strings and ints always marshals
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor parses an opaque cursor given in field, which must belong to the ordering order.
func DecodeCursor(field, s, order string) (Cursor, error) {
	var c Cursor
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(raw, &c) != nil || c.ID <= 0 || c.Order == "" {
		return Cursor{}, apperr.Invalid(field, "%s: %q is not a valid cursor; pass a cursor returned by this connection", field, s)
	}
	if c.Order != order {
		return Cursor{}, apperr.Invalid(field, "%s: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy", field)
	}
	return c, nil
}

// PageArgs are the Relay pagination arguments as a client gave them.
type PageArgs struct {
	First  *int
	After  *string
	Last   *int
	Before *string
}

// Page is a validated request for one page of a list.
type Page struct {
	// Limit is how many items the page holds at most.
	Limit int
	// Backward is true for last/before: the page ends at Cursor instead of starting there.
	Backward bool
	// Cursor is where the page starts (or ends, when Backward); nil for the list's edge.
	Cursor *Cursor
}

// Limits bound page sizes.
type Limits struct {
	Default int
	Max     int
}

// Resolve validates args against limits and the list's ordering name.
func (a PageArgs) Resolve(order string, l Limits) (Page, error) {
	if a.First != nil && a.Last != nil {
		return Page{}, apperr.Invalid("first", "pass either first or last, not both")
	}
	if a.After != nil && a.Before != nil {
		return Page{}, apperr.Invalid("after", "pass either after or before, not both")
	}
	if a.Last != nil && a.After != nil {
		return Page{}, apperr.Invalid("after", "after pages forward: use it with first, or use before with last")
	}
	if a.First != nil && a.Before != nil {
		return Page{}, apperr.Invalid("before", "before pages backward: use it with last, or use after with first")
	}
	p := Page{Limit: l.Default, Backward: a.Last != nil || a.Before != nil}
	field, size := "first", a.First
	if p.Backward {
		field, size = "last", a.Last
	}
	if size != nil {
		if *size < 1 || *size > l.Max {
			return Page{}, apperr.Invalid(field, "%s must be between 1 and %d, got %d", field, l.Max, *size)
		}
		p.Limit = *size
	}
	cursorField, cursor := "after", a.After
	if p.Backward {
		cursorField, cursor = "before", a.Before
	}
	if cursor != nil {
		c, err := DecodeCursor(cursorField, *cursor, order)
		if err != nil {
			return Page{}, err
		}
		p.Cursor = &c
	}
	return p, nil
}

// PageInfo is the Relay page information of a connection.
type PageInfo struct {
	HasNextPage     bool
	HasPreviousPage bool
	StartCursor     *string
	EndCursor       *string
}

// NewPageInfo describes a fetched page. more reports whether the list goes on past the page in
// its direction of travel; cursors are the page's cursors in list order.
func NewPageInfo(p Page, more bool, cursors []string) PageInfo {
	info := PageInfo{HasNextPage: more, HasPreviousPage: p.Cursor != nil}
	if p.Backward {
		info = PageInfo{HasNextPage: p.Cursor != nil, HasPreviousPage: more}
	}
	if n := len(cursors); n > 0 {
		info.StartCursor, info.EndCursor = &cursors[0], &cursors[n-1]
	}
	return info
}
