package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/habits"
)

// InteractionStore reads what users did with content.
type InteractionStore struct{ db *sqlx.DB }

// NewInteractionStore returns an InteractionStore over db.
func NewInteractionStore(db *sqlx.DB) *InteractionStore { return &InteractionStore{db: db} }

// ViewerStates returns userID's state for each content item, in the order of contentIDs.
func (s *InteractionStore) ViewerStates(ctx context.Context, userID int64, contentIDs []int64) ([]*habits.ViewerState, error) {
	const stmt = `SELECT content_id, viewed_at IS NOT NULL AS viewed, liked_at IS NOT NULL AS liked,
		bookmarked_at IS NOT NULL AS bookmarked, hidden_at IS NOT NULL AS hidden
	FROM content_states WHERE user_id = $1 AND content_id = ANY($2)`
	var rows []*habits.ViewerState
	if err := s.db.SelectContext(ctx, &rows, stmt, userID, pq.Array(contentIDs)); err != nil {
		return nil, fmt.Errorf("viewer states: %w", err)
	}
	out := inKeyOrder(contentIDs, rows, func(v *habits.ViewerState) int64 { return v.ContentID })
	for i, st := range out {
		if st == nil {
			out[i] = &habits.ViewerState{ContentID: contentIDs[i]}
		}
	}
	return out, nil
}
