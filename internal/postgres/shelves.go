package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// Shelf is a user's personal list of items: what they bookmarked or what they viewed.
type Shelf string

// The shelves.
const (
	ShelfBookmarks Shelf = "bookmarked_at"
	ShelfHistory   Shelf = "viewed_at"
)

// ShelfOrderName names a shelf's ordering inside its cursors.
func ShelfOrderName(s Shelf) string { return "shelf/" + string(s) }

// ShelfItem is an item on a shelf with the time it was put there.
type ShelfItem struct {
	Content *content.Content
	At      time.Time
}

// Cursor returns the item's cursor on shelf s.
func (it ShelfItem) Cursor(s Shelf) string {
	return relay.Cursor{Order: ShelfOrderName(s), Key: strconv.FormatInt(it.At.UnixMicro(), 10), ID: it.Content.ID}.Encode()
}

// ShelfPage lists userID's shelf, most recent first, as v may see the items. Only forward
// paging is offered.
func (s *ContentStore) ShelfPage(ctx context.Context, v access.Viewer, userID int64, shelf Shelf, p relay.Page) ([]ShelfItem, bool, error) {
	q := &query{}
	col := "cs." + string(shelf)
	q.and("cs.user_id = " + q.arg(userID))
	q.and(col + " IS NOT NULL")
	if p.Cursor != nil {
		micros, err := strconv.ParseInt(p.Cursor.Key, 10, 64)
		if err != nil {
			return nil, false, relayCursorError()
		}
		q.and(fmt.Sprintf("(%s, cs.content_id) < (%s, %s)", col, q.arg(time.UnixMicro(micros)), q.arg(p.Cursor.ID)))
	}
	visibleTo(q, v)
	stmt := fmt.Sprintf(`SELECT %s AS shelved_at, %s FROM content_states cs JOIN contents c ON c.id = cs.content_id
		WHERE %s ORDER BY %s DESC, cs.content_id DESC LIMIT %d`, col, columns(false), q.whereClause(), col, p.Limit+1)
	var rows []struct {
		At time.Time `db:"shelved_at"`
		content.Content
	}
	if err := s.db.SelectContext(ctx, &rows, stmt, q.args...); err != nil {
		return nil, false, fmt.Errorf("shelf: %w", err)
	}
	more := len(rows) > p.Limit
	if more {
		rows = rows[:p.Limit]
	}
	out := make([]ShelfItem, len(rows))
	for i := range rows {
		out[i] = ShelfItem{Content: &rows[i].Content, At: rows[i].At}
	}
	return out, more, nil
}

// ShelfCount returns how many items on userID's shelf v may see.
func (s *ContentStore) ShelfCount(ctx context.Context, v access.Viewer, userID int64, shelf Shelf) (int, error) {
	q := &query{}
	q.and("cs.user_id = " + q.arg(userID))
	q.and("cs." + string(shelf) + " IS NOT NULL")
	visibleTo(q, v)
	var n int
	if err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM content_states cs JOIN contents c ON c.id = cs.content_id WHERE `+q.whereClause(), q.args...); err != nil {
		return 0, fmt.Errorf("shelf count: %w", err)
	}
	return n, nil
}
