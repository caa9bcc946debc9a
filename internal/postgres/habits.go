package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
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
// it incrementally; nothing is recomputed from the history.
func (s *HabitStore) Record(ctx context.Context, v access.Viewer, contentID int64, k habits.Kind, dwell time.Duration) error {
	return withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		q := &query{}
		q.and("c.id = " + q.arg(contentID))
		visibleTo(q, v)
		var item struct {
			AuthorID int64         `db:"author_id"`
			Topics   pq.Int64Array `db:"topics"`
			Now      time.Time     `db:"now"`
		}
		err := tx.GetContext(ctx, &item, `SELECT c.author_id, now() AS now,
			ARRAY(SELECT ct.topic_id FROM content_topics ct WHERE ct.content_id = c.id) AS topics
			FROM contents c WHERE `+q.whereClause()+` FOR SHARE OF c`, q.args...)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.FieldErrors{{Field: "contentId", Code: apperr.FieldNotFound, Message: "no content has this ID"}}
		}
		if err != nil {
			return err
		}
		var dwellArg any
		if k == habits.View {
			dwellArg = dwell.Milliseconds()
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO interactions (user_id, content_id, kind, dwell_ms, created_at) VALUES ($1, $2, $3, $4, $5)`,
			v.UserID, contentID, k, dwellArg, item.Now); err != nil {
			return err
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
		if ch.Signal == 0 || item.AuthorID == v.UserID {
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

// countedInteractions is the interaction log with whether each interaction counted: a view
// within habits.ViewWindow of the same person's previous view of the item does not.
var countedInteractions = fmt.Sprintf(`(SELECT x.*, (x.kind <> 'view' OR x.previous_view IS NULL
		OR x.created_at - x.previous_view >= interval '%d seconds') AS counted
	FROM (SELECT i.*, lag(i.created_at) OVER (PARTITION BY i.user_id, i.content_id, i.kind = 'view' ORDER BY i.created_at, i.id) AS previous_view
		FROM interactions i) x)`, int(habits.ViewWindow.Seconds()))

// RebuildHabits derives states, counters and affinities from the whole interaction log. It is
// for bulk loads (the demo seed), which write the log directly; live interactions go through
// Record. ex is a transaction or a database.
func RebuildHabits(ctx context.Context, ex sqlx.ExecerContext) error {
	stmts := []string{
		`TRUNCATE content_states, topic_affinities, author_affinities`,
		`SET LOCAL work_mem = '256MB'`,
		// A toggle is on when its latest "on" is later than its latest "off".
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
			max(created_at) FILTER (WHERE kind = 'like') AS liked,
			max(created_at) FILTER (WHERE kind = 'unlike') AS unliked,
			max(created_at) FILTER (WHERE kind = 'bookmark') AS bookmarked,
			max(created_at) FILTER (WHERE kind = 'unbookmark') AS unbookmarked,
			max(created_at) FILTER (WHERE kind = 'hide') AS hidden,
			max(created_at) FILTER (WHERE kind = 'unhide') AS unhidden,
			max(created_at) AS updated_at
			FROM ` + countedInteractions + ` i GROUP BY user_id, content_id) s`,
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
	// Each interaction's signal, decayed to the moment of the rebuild: the sum equals what
	// Record would have accumulated one interaction at a time.
	signal := `CASE i.kind WHEN 'view' THEN 0.1 + 0.3 * least(coalesce(i.dwell_ms, 0) / 300000.0, 1)
		WHEN 'like' THEN 1.0 WHEN 'unlike' THEN -1.0 WHEN 'bookmark' THEN 0.8 WHEN 'unbookmark' THEN -0.8
		WHEN 'hide' THEN -1.5 WHEN 'unhide' THEN 1.5 WHEN 'share' THEN 1.2 ELSE 0 END
		* exp(-greatest(extract(epoch FROM now() - i.created_at), 0) / ` + fmt.Sprint(habits.DecayTime.Seconds()) + `)`
	for _, stmt := range []string{
		`INSERT INTO topic_affinities (user_id, topic_id, score, updated_at)
		SELECT i.user_id, ct.topic_id, sum(` + signal + `), now()
		FROM ` + countedInteractions + ` i JOIN content_topics ct ON ct.content_id = i.content_id
		JOIN contents c ON c.id = i.content_id WHERE c.author_id <> i.user_id AND i.counted
		GROUP BY i.user_id, ct.topic_id`,
		`INSERT INTO author_affinities (user_id, author_id, score, updated_at)
		SELECT i.user_id, c.author_id, sum(` + signal + `), now()
		FROM ` + countedInteractions + ` i JOIN contents c ON c.id = i.content_id WHERE c.author_id <> i.user_id AND i.counted
		GROUP BY i.user_id, c.author_id`,
	} {
		if _, err := ex.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("rebuild habits: %w", err)
		}
	}
	return nil
}
