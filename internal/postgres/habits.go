package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/habits"
)

// HabitStore records interactions and keeps what follows from them: each user's state per
// item, the items' counters and the users' decaying affinities.
type HabitStore struct{ db *sqlx.DB }

// NewHabitStore returns a HabitStore over db.
func NewHabitStore(db *sqlx.DB) *HabitStore { return &HabitStore{db: db} }

// Record stores one interaction by v with an item v may see, in one transaction, and applies
// it incrementally; nothing is recomputed from the history. When v's preferences say not to
// record habits, only the item's state for a like, bookmark or hide (and their undoing) and
// its counters change: no log row, no view or dwell history, no affinity.
func (s *HabitStore) Record(ctx context.Context, v access.Viewer, contentID int64, k habits.Kind, dwell time.Duration) error {
	return withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		q := &query{}
		q.and("c.id = " + q.arg(contentID))
		visibleTo(q, v)
		viewer := q.arg(v.UserID)
		var item struct {
			AuthorID     int64         `db:"author_id"`
			Topics       pq.Int64Array `db:"topics"`
			Now          time.Time     `db:"now"`
			RecordHabits bool          `db:"record_habits"`
		}
		err := tx.GetContext(ctx, &item, `SELECT c.author_id, now() AS now, c.topic_ids AS topics,
			`+recordsHabitsOf(viewer)+` AS record_habits
			FROM contents c WHERE `+q.whereClause()+` FOR SHARE OF c`, q.args...)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.FieldErrors{{Field: "contentId", Code: apperr.FieldNotFound, Message: "no content has this ID"}}
		}
		if err != nil {
			return err
		}
		if !item.RecordHabits && !habits.KeptWithoutHabits(k) {
			return nil
		}
		if item.RecordHabits {
			var dwellArg any
			if k == habits.View {
				dwellArg = dwell.Milliseconds()
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO interactions (user_id, content_id, kind, dwell_ms, created_at) VALUES ($1, $2, $3, $4, $5)`,
				v.UserID, contentID, k, dwellArg, item.Now); err != nil {
				return err
			}
		}
		var st habits.State
		err = tx.GetContext(ctx, &st, `INSERT INTO content_states AS s (user_id, content_id) VALUES ($1, $2)
			ON CONFLICT (user_id, content_id) DO UPDATE SET updated_at = s.updated_at
			RETURNING views, dwell_ms, viewed_at, liked_at, bookmarked_at, hidden_at`, v.UserID, contentID)
		if err != nil {
			return err
		}
		ch := habits.Apply(st, k, dwell, item.Now)
		if _, err := tx.ExecContext(ctx, `UPDATE content_states SET views = $3, dwell_ms = $4, viewed_at = $5,
			liked_at = $6, bookmarked_at = $7, hidden_at = $8, updated_at = $9 WHERE user_id = $1 AND content_id = $2`,
			v.UserID, contentID, ch.State.Views, ch.State.DwellMs, ch.State.ViewedAt, ch.State.LikedAt,
			ch.State.BookmarkedAt, ch.State.HiddenAt, item.Now); err != nil {
			return err
		}
		if ch.Views != 0 || ch.Likes != 0 || ch.Bookmarks != 0 {
			if _, err := tx.ExecContext(ctx, `UPDATE contents SET view_count = view_count + $2,
				like_count = like_count + $3, bookmark_count = bookmark_count + $4 WHERE id = $1`,
				contentID, ch.Views, ch.Likes, ch.Bookmarks); err != nil {
				return err
			}
		}
		if ch.Signal == 0 || item.AuthorID == v.UserID || !item.RecordHabits {
			return nil
		}
		decay := habits.DecayTime.Seconds()
		if _, err := tx.ExecContext(ctx, `INSERT INTO topic_affinities AS a (user_id, topic_id, score, updated_at)
			SELECT $1, t, $3, $4 FROM unnest($2::bigint[]) AS t
			ON CONFLICT (user_id, topic_id) DO UPDATE SET
				score = a.score * exp(-greatest(extract(epoch FROM EXCLUDED.updated_at - a.updated_at), 0) / $5) + EXCLUDED.score,
				updated_at = EXCLUDED.updated_at`, v.UserID, item.Topics, ch.Signal, item.Now, decay); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO author_affinities AS a (user_id, author_id, score, updated_at)
			VALUES ($1, $2, $3, $4)
			ON CONFLICT (user_id, author_id) DO UPDATE SET
				score = a.score * exp(-greatest(extract(epoch FROM EXCLUDED.updated_at - a.updated_at), 0) / $5) + EXCLUDED.score,
				updated_at = EXCLUDED.updated_at`, v.UserID, item.AuthorID, ch.Signal, item.Now, decay)
		return err
	})
}

// countedInteractions is the interaction log with whether each interaction counted, as
// habits.Apply decides: a view within habits.ViewWindow of the same person's previous view of
// the item does not, nor does a toggle that leaves its state as it was (a like after a like,
// an unlike with no like before it).
func countedInteractions() string {
	var pair, on strings.Builder
	toggles := habits.Toggles()
	for _, k := range habits.Kinds() {
		off, ok := toggles[k]
		if !ok {
			continue
		}
		fmt.Fprintf(&pair, " WHEN '%[1]s' THEN '%[1]s' WHEN '%[2]s' THEN '%[1]s'", k, off)
		fmt.Fprintf(&on, ", '%s'", k)
	}
	return fmt.Sprintf(`(SELECT x.*, CASE
		WHEN x.pair IS NULL THEN x.kind <> '%[1]s' OR x.previous_at IS NULL OR x.created_at - x.previous_at >= interval '%[2]d seconds'
		ELSE x.previous_kind IS DISTINCT FROM x.kind AND (x.previous_kind IS NOT NULL OR x.kind IN (%[3]s)) END AS counted
	FROM (SELECT i.*, p.pair,
		lag(i.created_at) OVER w AS previous_at, lag(i.kind) OVER w AS previous_kind
		FROM interactions i CROSS JOIN LATERAL (SELECT CASE i.kind%[4]s END AS pair) p
		WINDOW w AS (PARTITION BY i.user_id, i.content_id, coalesce(p.pair, i.kind) ORDER BY i.created_at, i.id)) x)`,
		habits.View, int(habits.ViewWindow.Seconds()), on.String()[2:], pair.String())
}

// signalSQL is habits.Signal of interaction i decayed to the moment of the statement, with
// its constants taken from the parameters signalArgs returns (numbered from $1).
const signalSQL = `CASE WHEN i.kind = $1::text THEN $2::float8 + $3::float8 * least(coalesce(i.dwell_ms, 0) / $4::float8, 1)
		ELSE coalesce(($5::float8[])[array_position($6::text[], i.kind)], 0) END
		* exp(-greatest(extract(epoch FROM now() - i.created_at), 0) / $7::float8)`

func signalArgs() []any {
	var kinds []string
	var weights []float64
	for _, k := range habits.Kinds() {
		if k != habits.View {
			kinds, weights = append(kinds, string(k)), append(weights, habits.Signal(k, 0))
		}
	}
	return []any{habits.View, habits.ViewSignal, habits.DwellSignal, float64(habits.FullDwell.Milliseconds()),
		pq.Array(weights), pq.Array(kinds), habits.DecayTime.Seconds()}
}

// RebuildHabits derives states, counters and affinities from the whole interaction log. It is
// for bulk loads (the demo seed), which write the log directly; live interactions go through
// Record, and both arrive at the same states, counters and (decayed to the same instant)
// affinities. ex is a transaction or a database.
func RebuildHabits(ctx context.Context, ex sqlx.ExecerContext) error {
	counted := countedInteractions()
	stmts := []string{
		`TRUNCATE content_states, topic_affinities, author_affinities`,
		`SET LOCAL work_mem = '256MB'`,
		// Counted toggles alternate on and off: one is on when its latest "on" is later than
		// its latest "off".
		`INSERT INTO content_states (user_id, content_id, views, dwell_ms, viewed_at, liked_at, bookmarked_at, hidden_at, updated_at)
		SELECT user_id, content_id, views, dwell_ms, viewed_at,
			CASE WHEN liked > coalesce(unliked, '-infinity') THEN liked END,
			CASE WHEN bookmarked > coalesce(unbookmarked, '-infinity') THEN bookmarked END,
			CASE WHEN hidden > coalesce(unhidden, '-infinity') THEN hidden END,
			updated_at
		FROM (SELECT user_id, content_id,
			count(*) FILTER (WHERE kind = 'view' AND counted) AS views,
			coalesce(sum(dwell_ms) FILTER (WHERE kind = 'view'), 0) AS dwell_ms,
			max(created_at) FILTER (WHERE kind = 'view') AS viewed_at,
			max(created_at) FILTER (WHERE kind = 'like' AND counted) AS liked,
			max(created_at) FILTER (WHERE kind = 'unlike' AND counted) AS unliked,
			max(created_at) FILTER (WHERE kind = 'bookmark' AND counted) AS bookmarked,
			max(created_at) FILTER (WHERE kind = 'unbookmark' AND counted) AS unbookmarked,
			max(created_at) FILTER (WHERE kind = 'hide' AND counted) AS hidden,
			max(created_at) FILTER (WHERE kind = 'unhide' AND counted) AS unhidden,
			max(created_at) AS updated_at
			FROM ` + counted + ` i GROUP BY user_id, content_id) s`,
		`UPDATE contents c SET view_count = s.views, like_count = s.likes, bookmark_count = s.bookmarks
		FROM (SELECT content_id, sum(views) AS views, count(liked_at) AS likes, count(bookmarked_at) AS bookmarks
			FROM content_states GROUP BY content_id) s
		WHERE c.id = s.content_id`,
	}
	for _, stmt := range stmts {
		if _, err := ex.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("rebuild habits: %w", err)
		}
	}
	// Each counted interaction's signal, decayed to the moment of the rebuild: the sum equals
	// what Record accumulates one interaction at a time.
	for _, stmt := range []string{
		`INSERT INTO topic_affinities (user_id, topic_id, score, updated_at)
		SELECT i.user_id, t.topic_id, sum(` + signalSQL + `), now()
		FROM ` + counted + ` i JOIN contents c ON c.id = i.content_id CROSS JOIN unnest(c.topic_ids) AS t(topic_id)
		WHERE c.author_id <> i.user_id AND i.counted
		GROUP BY i.user_id, t.topic_id`,
		`INSERT INTO author_affinities (user_id, author_id, score, updated_at)
		SELECT i.user_id, c.author_id, sum(` + signalSQL + `), now()
		FROM ` + counted + ` i JOIN contents c ON c.id = i.content_id WHERE c.author_id <> i.user_id AND i.counted
		GROUP BY i.user_id, c.author_id`,
	} {
		if _, err := ex.ExecContext(ctx, stmt, signalArgs()...); err != nil {
			return fmt.Errorf("rebuild habits: %w", err)
		}
	}
	return nil
}
