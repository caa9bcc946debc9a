package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// InteractionStore reads what users did with content.
type InteractionStore struct{ db *sqlx.DB }

// NewInteractionStore returns an InteractionStore over db.
func NewInteractionStore(db *sqlx.DB) *InteractionStore { return &InteractionStore{db: db} }

// ViewerState is what one user has done with one content item. Each toggle is decided by the
// user's latest interaction of that pair (like/unlike, bookmark/unbookmark, hide/unhide).
type ViewerState struct {
	ContentID  int64 `db:"content_id"`
	Viewed     bool  `db:"viewed"`
	Liked      bool  `db:"liked"`
	Bookmarked bool  `db:"bookmarked"`
	Hidden     bool  `db:"hidden"`
}

// ViewerStates returns userID's state for each content item, in the order of contentIDs.
func (s *InteractionStore) ViewerStates(ctx context.Context, userID int64, contentIDs []int64) ([]*ViewerState, error) {
	const stmt = `SELECT content_id,
		bool_or(kind = 'view') AS viewed,
		coalesce((array_agg(kind ORDER BY created_at DESC, id DESC) FILTER (WHERE kind IN ('like', 'unlike')))[1] = 'like', false) AS liked,
		coalesce((array_agg(kind ORDER BY created_at DESC, id DESC) FILTER (WHERE kind IN ('bookmark', 'unbookmark')))[1] = 'bookmark', false) AS bookmarked,
		coalesce((array_agg(kind ORDER BY created_at DESC, id DESC) FILTER (WHERE kind IN ('hide', 'unhide')))[1] = 'hide', false) AS hidden
	FROM interactions WHERE user_id = $1 AND content_id = ANY($2) GROUP BY content_id`
	var rows []*ViewerState
	if err := s.db.SelectContext(ctx, &rows, stmt, userID, pq.Array(contentIDs)); err != nil {
		return nil, fmt.Errorf("viewer states: %w", err)
	}
	out := inKeyOrder(contentIDs, rows, func(v *ViewerState) int64 { return v.ContentID })
	for i, st := range out {
		if st == nil {
			out[i] = &ViewerState{ContentID: contentIDs[i]}
		}
	}
	return out, nil
}
