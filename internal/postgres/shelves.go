package postgres

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
)

// ShelfPage lists userID's shelf, most recent first, as v may see the items. Only forward
// paging is offered.
func (s *HabitStore) ShelfPage(ctx context.Context, v access.Viewer, userID int64, shelf habits.Shelf, p relay.Page) ([]habits.ShelfItem, bool, error) {
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
	out := make([]habits.ShelfItem, len(rows))
	for i := range rows {
		out[i] = habits.ShelfItem{Content: &rows[i].Content, At: rows[i].At}
	}
	return out, more, nil
}

// ShelfCount returns how many items on userID's shelf v may see.
func (s *HabitStore) ShelfCount(ctx context.Context, v access.Viewer, userID int64, shelf habits.Shelf) (int, error) {
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
