package relay

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/tailorhq/tailor/internal/apperr"
)

func b64(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func ptr[T any](v T) *T { return &v }

// checkInvalid asserts err is an *apperr.Error with code BAD_USER_INPUT, the field and message.
func checkInvalid(t *testing.T, err error, field, msg string) {
	t.Helper()
	if err == nil {
		t.Fatalf("got no error, want %q on %s", msg, field)
	}
	var e *apperr.Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v is a %T, want *apperr.Error", err, err)
	}
	if e.Code != apperr.BadUserInput {
		t.Errorf("code = %q, want %q", e.Code, apperr.BadUserInput)
	}
	if e.Field != field {
		t.Errorf("field = %q, want %q", e.Field, field)
	}
	if e.Message != msg {
		t.Errorf("message = %q, want %q", e.Message, msg)
	}
}

func TestIDRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		typ  string
		id   int64
	}{
		{"user", TypeUser, 1},
		{"content", TypeContent, 42},
		{"topic", TypeTopic, 9_000_000},
		{"api key", TypeAPIKey, 7},
		{"largest id", TypeContent, 1<<63 - 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gid := ID(tt.typ, tt.id)
			if want := b64(fmt.Sprintf("%s:%d", tt.typ, tt.id)); gid != want {
				t.Errorf("ID(%q, %d) = %q, want %q", tt.typ, tt.id, gid, want)
			}
			typ, id, err := ParseID("id", gid)
			if err != nil || typ != tt.typ || id != tt.id {
				t.Errorf("ParseID(%q) = %q, %d, %v; want %q, %d, nil", gid, typ, id, err, tt.typ, tt.id)
			}
			id, err = ParseIDOf("id", gid, tt.typ)
			if err != nil || id != tt.id {
				t.Errorf("ParseIDOf(%q, %q) = %d, %v; want %d, nil", gid, tt.typ, id, err, tt.id)
			}
		})
	}
	t.Run("ids of different types differ", func(t *testing.T) {
		if ID(TypeUser, 1) == ID(TypeContent, 1) {
			t.Error("a user and a content item with one database ID share a global ID")
		}
	})
}

func TestParseIDRefusals(t *testing.T) {
	tests := []struct {
		name  string
		field string
		gid   string
	}{
		{"empty", "id", ""},
		{"bad base64", "id", "not base64!"},
		{"padded base64", "id", base64.URLEncoding.EncodeToString([]byte("User:12"))},
		{"std base64 alphabet", "id", base64.StdEncoding.EncodeToString([]byte("Topic:1>>>"))},
		{"missing colon", "input.id", b64("User1")},
		{"non-numeric id", "id", b64("User:abc")},
		{"empty id", "id", b64("User:")},
		{"fractional id", "id", b64("User:1.5")},
		{"id overflows int64", "id", b64("User:9223372036854775808")},
		{"zero id", "id", b64("User:0")},
		{"negative id", "authorId", b64("Content:-3")},
		{"unknown type", "id", b64("Comment:1")},
		{"type in lower case", "id", b64("user:1")},
		{"empty type", "id", b64(":1")},
		{"extra colon", "id", b64("User:1:2")},
		{"trailing space", "id", b64("User:1 ")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			typ, id, err := ParseID(tt.field, tt.gid)
			checkInvalid(t, err, tt.field, fmt.Sprintf("%s: %q is not a valid ID", tt.field, tt.gid))
			if typ != "" || id != 0 {
				t.Errorf("ParseID returned %q, %d alongside an error", typ, id)
			}
			id, err = ParseIDOf(tt.field, tt.gid, TypeUser)
			checkInvalid(t, err, tt.field, fmt.Sprintf("%s: %q is not a valid ID", tt.field, tt.gid))
			if id != 0 {
				t.Errorf("ParseIDOf returned %d alongside an error", id)
			}
		})
	}
}

func TestParseIDOfWrongType(t *testing.T) {
	tests := []struct {
		name  string
		field string
		gid   string
		want  string
		msg   string
	}{
		{"user for content", "id", ID(TypeUser, 3), TypeContent, fmt.Sprintf("id: %q is a User ID, expected a Content ID", ID(TypeUser, 3))},
		{"content for topic", "topicIds", ID(TypeContent, 3), TypeTopic, fmt.Sprintf("topicIds: %q is a Content ID, expected a Topic ID", ID(TypeContent, 3))},
		{"topic for api key", "id", ID(TypeTopic, 8), TypeAPIKey, fmt.Sprintf("id: %q is a Topic ID, expected a ApiKey ID", ID(TypeTopic, 8))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := ParseIDOf(tt.field, tt.gid, tt.want)
			checkInvalid(t, err, tt.field, tt.msg)
			if id != 0 {
				t.Errorf("ParseIDOf returned %d alongside an error", id)
			}
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		c    Cursor
	}{
		{"with key", Cursor{Order: "published_at-desc", Key: "2024-05-01T10:00:00Z", ID: 12}},
		{"without key", Cursor{Order: "id", ID: 1}},
		{"key with quotes and unicode", Cursor{Order: "title-asc", Key: `"Ünïcode" & <tags>`, ID: 99}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.c.Encode()
			if _, err := base64.RawURLEncoding.DecodeString(s); err != nil {
				t.Errorf("Encode() = %q is not unpadded URL base64: %v", s, err)
			}
			got, err := DecodeCursor("after", s, tt.c.Order)
			if err != nil {
				t.Fatalf("DecodeCursor(%q): %v", s, err)
			}
			if got != tt.c {
				t.Errorf("DecodeCursor(Encode(%+v)) = %+v", tt.c, got)
			}
		})
	}
}

func TestDecodeCursorRefusals(t *testing.T) {
	const order = "title-asc"
	tests := []struct {
		name     string
		field    string
		s        string
		otherMsg bool
	}{
		{"empty", "after", "", false},
		{"bad base64", "after", "%%%", false},
		{"not json", "before", b64("title-asc:3"), false},
		{"json of the wrong shape", "after", b64(`{"o":1,"i":"x"}`), false},
		{"json null", "after", b64("null"), false},
		{"zero id", "after", Cursor{Order: order, Key: "a", ID: 0}.Encode(), false},
		{"negative id", "after", Cursor{Order: order, ID: -4}.Encode(), false},
		{"no ordering", "after", b64(`{"k":"a","i":3}`), false},
		{"a global ID is not a cursor", "after", ID(TypeContent, 3), false},
		{"other ordering", "after", Cursor{Order: "title-desc", Key: "a", ID: 3}.Encode(), true},
		{"other list", "before", Cursor{Order: "published_at-asc", ID: 3}.Encode(), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeCursor(tt.field, tt.s, order)
			msg := fmt.Sprintf("%s: %q is not a valid cursor; pass a cursor returned by this connection", tt.field, tt.s)
			if tt.otherMsg {
				msg = tt.field + ": the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy"
			}
			checkInvalid(t, err, tt.field, msg)
			if c != (Cursor{}) {
				t.Errorf("DecodeCursor returned %+v alongside an error", c)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	const order = "published_at-desc"
	limits := Limits{Default: 20, Max: 100}
	cur := Cursor{Order: order, Key: "2024-01-01", ID: 5}
	enc := cur.Encode()
	other := Cursor{Order: "title-asc", ID: 5}.Encode()

	tests := []struct {
		name     string
		args     PageArgs
		want     Page
		errField string
		errMsg   string
	}{
		{name: "defaults", args: PageArgs{}, want: Page{Limit: 20}},
		{name: "first", args: PageArgs{First: ptr(5)}, want: Page{Limit: 5}},
		{name: "first one", args: PageArgs{First: ptr(1)}, want: Page{Limit: 1}},
		{name: "first max", args: PageArgs{First: ptr(100)}, want: Page{Limit: 100}},
		{name: "first zero", args: PageArgs{First: ptr(0)}, errField: "first", errMsg: "first must be between 1 and 100, got 0"},
		{name: "first negative", args: PageArgs{First: ptr(-1)}, errField: "first", errMsg: "first must be between 1 and 100, got -1"},
		{name: "first max+1", args: PageArgs{First: ptr(101)}, errField: "first", errMsg: "first must be between 1 and 100, got 101"},
		{name: "last", args: PageArgs{Last: ptr(7)}, want: Page{Limit: 7, Backward: true}},
		{name: "last max", args: PageArgs{Last: ptr(100)}, want: Page{Limit: 100, Backward: true}},
		{name: "last zero", args: PageArgs{Last: ptr(0)}, errField: "last", errMsg: "last must be between 1 and 100, got 0"},
		{name: "last negative", args: PageArgs{Last: ptr(-10)}, errField: "last", errMsg: "last must be between 1 and 100, got -10"},
		{name: "last max+1", args: PageArgs{Last: ptr(101)}, errField: "last", errMsg: "last must be between 1 and 100, got 101"},
		{name: "first and last", args: PageArgs{First: ptr(1), Last: ptr(1)}, errField: "first", errMsg: "pass either first or last, not both"},
		{name: "after and before", args: PageArgs{After: &enc, Before: &enc}, errField: "after", errMsg: "pass either after or before, not both"},
		{name: "last and after", args: PageArgs{Last: ptr(3), After: &enc}, errField: "after", errMsg: "after pages forward: use it with first, or use before with last"},
		{name: "first and before", args: PageArgs{First: ptr(3), Before: &enc}, errField: "before", errMsg: "before pages backward: use it with last, or use after with first"},
		{name: "after alone", args: PageArgs{After: &enc}, want: Page{Limit: 20, Cursor: &cur}},
		{name: "first and after", args: PageArgs{First: ptr(10), After: &enc}, want: Page{Limit: 10, Cursor: &cur}},
		{name: "before alone pages backward", args: PageArgs{Before: &enc}, want: Page{Limit: 20, Backward: true, Cursor: &cur}},
		{name: "last and before", args: PageArgs{Last: ptr(2), Before: &enc}, want: Page{Limit: 2, Backward: true, Cursor: &cur}},
		{name: "malformed after", args: PageArgs{First: ptr(2), After: ptr("nope!")}, errField: "after", errMsg: `after: "nope!" is not a valid cursor; pass a cursor returned by this connection`},
		{name: "malformed before", args: PageArgs{Last: ptr(2), Before: ptr("nope!")}, errField: "before", errMsg: `before: "nope!" is not a valid cursor; pass a cursor returned by this connection`},
		{name: "after of another ordering", args: PageArgs{After: &other}, errField: "after", errMsg: "after: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy"},
		{name: "before of another ordering", args: PageArgs{Before: &other}, errField: "before", errMsg: "before: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy"},
		{name: "bad size is reported before a bad cursor", args: PageArgs{First: ptr(0), After: ptr("nope!")}, errField: "first", errMsg: "first must be between 1 and 100, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.args.Resolve(order, limits)
			if tt.errField != "" {
				checkInvalid(t, err, tt.errField, tt.errMsg)
				if !reflect.DeepEqual(got, Page{}) {
					t.Errorf("Resolve returned %+v alongside an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Resolve = %+v (cursor %+v), want %+v (cursor %+v)", got, got.Cursor, tt.want, tt.want.Cursor)
			}
		})
	}
}

func TestNewPageInfo(t *testing.T) {
	cur := &Cursor{Order: "o", ID: 1}
	three := []string{"c1", "c2", "c3"}
	tests := []struct {
		name    string
		page    Page
		more    bool
		cursors []string
		want    PageInfo
	}{
		{"forward from the start, more", Page{Limit: 3}, true, three, PageInfo{HasNextPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"forward from the start, last page", Page{Limit: 3}, false, three, PageInfo{StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"forward after a cursor, more", Page{Limit: 3, Cursor: cur}, true, three, PageInfo{HasNextPage: true, HasPreviousPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"forward after a cursor, last page", Page{Limit: 3, Cursor: cur}, false, three, PageInfo{HasPreviousPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"backward from the end, more", Page{Limit: 3, Backward: true}, true, three, PageInfo{HasPreviousPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"backward from the end, first page", Page{Limit: 3, Backward: true}, false, three, PageInfo{StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"backward before a cursor, more", Page{Limit: 3, Backward: true, Cursor: cur}, true, three, PageInfo{HasNextPage: true, HasPreviousPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"backward before a cursor, first page", Page{Limit: 3, Backward: true, Cursor: cur}, false, three, PageInfo{HasNextPage: true, StartCursor: ptr("c1"), EndCursor: ptr("c3")}},
		{"one item", Page{Limit: 3}, false, []string{"only"}, PageInfo{StartCursor: ptr("only"), EndCursor: ptr("only")}},
		{"empty list", Page{Limit: 3}, false, nil, PageInfo{}},
		{"empty page after a cursor", Page{Limit: 3, Cursor: cur}, false, []string{}, PageInfo{HasPreviousPage: true}},
		{"empty page before a cursor", Page{Limit: 3, Backward: true, Cursor: cur}, false, nil, PageInfo{HasNextPage: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := NewPageInfo(tt.page, tt.more, tt.cursors)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NewPageInfo = %s, want %s", fmtInfo(got), fmtInfo(tt.want))
			}
		})
	}
}

func fmtInfo(p PageInfo) string {
	s := func(p *string) string {
		if p == nil {
			return "nil"
		}
		return *p
	}
	return fmt.Sprintf("{next:%v prev:%v start:%s end:%s}", p.HasNextPage, p.HasPreviousPage, s(p.StartCursor), s(p.EndCursor))
}
