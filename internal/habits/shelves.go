package habits

import (
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// Shelf is a person's own list of items: what they bookmarked or what they viewed.
type Shelf string

// The shelves.
const (
	Bookmarks Shelf = "bookmarked_at"
	History   Shelf = "viewed_at"
)

// CursorName names a shelf's ordering inside its cursors.
func (s Shelf) CursorName() string { return "shelf/" + string(s) }

// ShelfItem is an item on a shelf with the time it was put there.
type ShelfItem struct {
	Content *content.Content
	At      time.Time
}

// Cursor returns the item's cursor on shelf s.
func (it ShelfItem) Cursor(s Shelf) string {
	return relay.Cursor{Order: s.CursorName(), Key: strconv.FormatInt(it.At.UnixMicro(), 10), ID: it.Content.ID}.Encode()
}

// ShelfPage is one page of a shelf, most recent first.
type ShelfPage struct {
	Shelf Shelf
	Items []ShelfItem
	More  bool
	Page  relay.Page
}

// Cursor returns the cursor of the page's i-th item.
func (p ShelfPage) Cursor(i int) string { return p.Items[i].Cursor(p.Shelf) }
