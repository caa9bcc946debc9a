// Package search finds content by its words: what a search asks for, its pages and cursors,
// and the checks a client's query passes.
package search

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// Bounds of a search: a common word matches most of the catalogue, so only its newest matches
// are ranked by text, and only the best of those are boosted and paged through.
const (
	// Scanned is how many matching items, newest first, are ranked by text.
	Scanned = 1000
	// MaxResults is how many results one search returns over all its pages.
	MaxResults = 1000
	// MaxQuery is the longest query, in characters.
	MaxQuery = 200
)

// The boost a viewer's profile gives a result: rank × (1 + TopicBoost × topic signal +
// AuthorBoost × author signal), both signals in [0, 1], so a boost is at most 40%.
const (
	TopicBoost  = 0.25
	AuthorBoost = 0.15
)

// ErrCursor refuses an after cursor that no search for the same words returned.
var ErrCursor error = apperr.Invalid("after", "after: the cursor does not belong to this search; pass a cursor returned by a search for the same words")

// Order names the results of a search for text inside their cursors, so a cursor from
// another search (or another list) is refused. Searches that differ only in case and spacing
// share a name.
func Order(text string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(strings.Fields(text), " "))))
	return "search/" + hex.EncodeToString(sum[:6])
}

// Query is what a store searches for.
type Query struct {
	Viewer access.Viewer
	// Text is the client's words, trimmed, in web search syntax.
	Text string
	// Page is the page to read; After, when set, is where it starts.
	Page  relay.Page
	After *Position
	// Fields is what to read of each item.
	Fields content.Fields
	// At is the instant the viewer's habits are decayed to: now for a first page, the
	// cursor's instant for later ones, so ranks do not drift between pages.
	At time.Time
}

// Hit is one result: the item, its rank and its cursor.
type Hit struct {
	Content *content.Content
	Rank    float64
	Cursor  string
}

// Page is one page of results, best first.
type Page struct {
	Hits []Hit
	// More reports whether results go on past this page.
	More bool
	Page relay.Page
}

// Position is where a search cursor points: after the item with this rank and ID, in
// results ranked at instant At.
type Position struct {
	Rank float64
	At   time.Time
	ID   int64
}

// Cursor returns the cursor of a hit at this position in a search for text.
func (p Position) Cursor(text string) string {
	key := strconv.FormatFloat(p.Rank, 'g', -1, 64) + "@" + strconv.FormatInt(p.At.Unix(), 10)
	return relay.Cursor{Order: Order(text), Key: key, ID: p.ID}.Encode()
}

// parsePosition reads a cursor of a search for text.
func parsePosition(text, cursor string) (Position, error) {
	c, err := relay.DecodeCursor("after", cursor, Order(text))
	if err != nil {
		return Position{}, ErrCursor
	}
	r, t, ok := strings.Cut(c.Key, "@")
	if !ok {
		return Position{}, ErrCursor
	}
	rank, err := strconv.ParseFloat(r, 64)
	if err != nil || math.IsNaN(rank) || math.IsInf(rank, 0) || rank < 0 {
		return Position{}, ErrCursor
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || sec <= 0 {
		return Position{}, ErrCursor
	}
	return Position{Rank: rank, At: time.Unix(sec, 0), ID: c.ID}, nil
}

// Store searches the catalogue.
type Store interface {
	Search(ctx context.Context, q Query) (Page, error)
}

// Service checks a client's search and runs it.
type Service struct {
	store Store
	pages relay.Limits
	now   func() time.Time
}

// NewService returns a Service over store, with pages bounded by pages.
func NewService(store Store, pages relay.Limits, now func() time.Time) *Service {
	return &Service{store: store, pages: pages, now: now}
}

// Search returns one page of the items v may see that match text, best first.
func (s *Service) Search(ctx context.Context, v access.Viewer, text string, first *int, after *string, f content.Fields) (Page, error) {
	text = strings.TrimSpace(text)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return Page{}, apperr.Invalid("query", "query: give at least one word to search for")
	case n > MaxQuery:
		return Page{}, apperr.Invalid("query", "query: at most %d characters, got %d", MaxQuery, n)
	}
	page, err := relay.PageArgs{First: first}.Resolve(Order(text), s.pages)
	if err != nil {
		return Page{}, err
	}
	q := Query{Viewer: v.ForContent(), Text: text, Page: page, Fields: f, At: s.now().Truncate(time.Second)}
	if after != nil {
		p, err := parsePosition(text, *after)
		if err != nil {
			return Page{}, err
		}
		q.After, q.At = &p, p.At
		page.Cursor = &relay.Cursor{Order: Order(text), ID: p.ID}
	}
	res, err := s.store.Search(ctx, q)
	res.Page = page
	return res, err
}
