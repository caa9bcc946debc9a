package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/ratelimit"
)

// RateStore keeps the rate limits' shared spending.
type RateStore struct {
	db *sqlx.DB
}

// NewRateStore returns a RateStore over db.
func NewRateStore(db *sqlx.DB) *RateStore { return &RateStore{db: db} }

// Add adds each caller's spending to its count in the window starting at window, and an API
// key's to its use, in one statement, and returns every caller's count after it. A count of an
// earlier window starts again.
func (s *RateStore) Add(ctx context.Context, window time.Time, spending []ratelimit.Spending) (map[string]int64, error) {
	callers, spent := make([]string, len(spending)), make([]int64, len(spending))
	requests, ops := make([]int64, len(spending)), make([]string, len(spending))
	for i, x := range spending {
		callers[i], spent[i], requests[i], ops[i] = x.Caller, x.Points, x.Requests, x.LastOperation
	}
	var rows []struct {
		Caller string `db:"caller"`
		Spent  int64  `db:"spent"`
	}
	err := s.db.SelectContext(ctx, &rows, `WITH u AS (
		SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::text[]) AS u(c, s, r, op)),
	used AS (
		UPDATE api_keys k SET usage_requests = k.usage_requests + u.r, usage_points = k.usage_points + u.s,
			usage_last_operation = coalesce(nullif(u.op, ''), k.usage_last_operation)
		FROM u WHERE u.c LIKE 'key:%' AND k.id = substr(u.c, 5)::bigint AND u.r > 0)
	INSERT INTO rate_spend AS r (caller, window_start, spent)
		SELECT c, $1, s FROM u
		ON CONFLICT (caller) DO UPDATE SET
			spent = CASE WHEN r.window_start = EXCLUDED.window_start THEN r.spent + EXCLUDED.spent
				WHEN r.window_start > EXCLUDED.window_start THEN r.spent ELSE EXCLUDED.spent END,
			window_start = greatest(r.window_start, EXCLUDED.window_start)
		RETURNING caller, spent`, window, pq.Array(callers), pq.Array(spent), pq.Array(requests), pq.Array(ops))
	if err != nil {
		return nil, fmt.Errorf("share rate-limit spending: %w", err)
	}
	out := make(map[string]int64, len(rows))
	for _, r := range rows {
		out[r.Caller] = r.Spent
	}
	return out, nil
}
