package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/habits"
)

// FeedStore finds feed candidates with what the viewer's profile says about each, and keeps
// ranked feeds as snapshots so paging is stable.
type FeedStore struct {
	db *sqlx.DB
	// candidates is the personal candidates statement, prepared once: planning it costs about
	// as much as running it.
	mu         sync.Mutex
	candidates *sqlx.Stmt
}

// NewFeedStore returns a FeedStore over db.
func NewFeedStore(db *sqlx.DB) *FeedStore { return &FeedStore{db: db} }

func (s *FeedStore) personalStatement(ctx context.Context) (*sqlx.Stmt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.candidates == nil {
		st, err := s.db.PreparexContext(ctx, personalCandidates)
		if err != nil {
			return nil, err
		}
		s.candidates = st
	}
	return s.candidates, nil
}

// Candidate pools: each walks an index and stops early, so no query sorts all content.
const (
	perLikedTopic   = 40
	likedTopics     = 8
	perFollowed     = 10
	followedAuthors = 30
	freshPool       = 80
	popularPool     = 80
)

const listed = "c.status = 'published' AND c.visibility <> 'private' AND c.deleted_at IS NULL"

// personalCandidates gathers, in one statement, the items of the viewer's liked topics and
// followed authors and the freshest and most popular items, minus muted and hidden ones, each
// with the viewer's stated weights and decayed habits for its topics and author.
var personalCandidates = fmt.Sprintf(`WITH
tp AS MATERIALIZED (SELECT topic_id, weight FROM topic_preferences WHERE user_id = $1),
ta AS MATERIALIZED (SELECT topic_id, score * exp(-extract(epoch FROM now() - updated_at) / $2) AS score
	FROM topic_affinities WHERE user_id = $1),
liked AS (
	SELECT coalesce(tp.topic_id, ta.topic_id) AS topic_id FROM tp FULL JOIN ta ON ta.topic_id = tp.topic_id
	WHERE coalesce(tp.weight, 0) + 0.5 * tanh(coalesce(ta.score, 0) / 3) > 0
	ORDER BY coalesce(tp.weight, 0) + 0.5 * tanh(coalesce(ta.score, 0) / 3) DESC LIMIT %d),
followed AS MATERIALIZED (SELECT author_id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC LIMIT %d),
pool AS (
	SELECT x.content_id AS id FROM liked CROSS JOIN LATERAL (
		SELECT ct.content_id FROM content_topics ct WHERE ct.topic_id = liked.topic_id AND ct.listed
		ORDER BY ct.sorted_at DESC LIMIT %d) x
	UNION
	SELECT x.id FROM followed CROSS JOIN LATERAL (
		SELECT c.id FROM contents c WHERE c.author_id = followed.author_id AND %s
		ORDER BY c.sorted_at DESC LIMIT %d) x
	UNION
	(SELECT c.id FROM contents c WHERE c.status = 'published' AND %s ORDER BY c.status, c.sorted_at DESC LIMIT %d)
	UNION
	(SELECT c.id FROM contents c WHERE %s ORDER BY c.popularity DESC, c.id DESC LIMIT %d)),
topics AS (
	SELECT ct.content_id,
		array_agg(ct.topic_id ORDER BY ct.position, ct.topic_id) AS topic_ids,
		array_agg(coalesce(tp.weight, 0) ORDER BY ct.position, ct.topic_id) AS topic_weights,
		array_agg(coalesce(ta.score, 0) ORDER BY ct.position, ct.topic_id) AS topic_affinities,
		bool_or(m.topic_id IS NOT NULL) AS muted
	FROM pool JOIN content_topics ct ON ct.content_id = pool.id
	LEFT JOIN tp ON tp.topic_id = ct.topic_id
	LEFT JOIN ta ON ta.topic_id = ct.topic_id
	LEFT JOIN muted_topics m ON m.user_id = $1 AND m.topic_id = ct.topic_id
	GROUP BY ct.content_id),
pr AS (SELECT coalesce((SELECT p.languages FROM preferences p WHERE p.user_id = $1), '{}') AS languages,
	coalesce((SELECT p.kinds FROM preferences p WHERE p.user_id = $1), '{}') AS kinds)
SELECT %s, c.popularity, coalesce(t.topic_ids, '{}') AS topic_ids,
	coalesce(t.topic_weights, '{}') AS topic_weights, coalesce(t.topic_affinities, '{}') AS topic_affinities,
	f.author_id IS NOT NULL AS followed,
	coalesce(aa.score * exp(-extract(epoch FROM now() - aa.updated_at) / $2), 0) AS author_affinity,
	CASE WHEN cardinality(pr.languages) = 0 THEN NULL ELSE c.language = ANY(pr.languages) END AS language_match,
	CASE WHEN cardinality(pr.kinds) = 0 THEN NULL ELSE c.kind = ANY(pr.kinds) END AS kind_match,
	s.viewed_at IS NOT NULL AS seen,
	s.liked_at IS NOT NULL AS liked,
	s.bookmarked_at IS NOT NULL AS bookmarked
FROM pool JOIN contents c ON c.id = pool.id
LEFT JOIN topics t ON t.content_id = c.id
CROSS JOIN pr
LEFT JOIN followed f ON f.author_id = c.author_id
LEFT JOIN author_affinities aa ON aa.user_id = $1 AND aa.author_id = c.author_id
LEFT JOIN content_states s ON s.user_id = $1 AND s.content_id = c.id
WHERE s.hidden_at IS NULL AND c.author_id <> $1 AND NOT coalesce(t.muted, false)
	AND NOT EXISTS (SELECT 1 FROM muted_authors m WHERE m.user_id = $1 AND m.author_id = c.author_id)`,
	likedTopics, followedAuthors, perLikedTopic, listed, perFollowed, listed, freshPool, listed, popularPool, columns(false))

// anonymousCandidates gathers the freshest and the most popular listed items.
var anonymousCandidates = fmt.Sprintf(`WITH pool AS (
	(SELECT c.id FROM contents c WHERE c.status = 'published' AND %s ORDER BY c.status, c.sorted_at DESC LIMIT %d)
	UNION
	(SELECT c.id FROM contents c WHERE %s ORDER BY c.popularity DESC, c.id DESC LIMIT %d))
SELECT %s, c.popularity,
	ARRAY(SELECT ct.topic_id FROM content_topics ct WHERE ct.content_id = c.id ORDER BY ct.position, ct.topic_id) AS topic_ids
FROM pool JOIN contents c ON c.id = pool.id`, listed, freshPool, listed, popularPool, columns(false))

type candidateRow struct {
	content.Content
	Popularity      float64         `db:"popularity"`
	TopicIDs        pq.Int64Array   `db:"topic_ids"`
	TopicWeights    pq.Float64Array `db:"topic_weights"`
	TopicAffinities pq.Float64Array `db:"topic_affinities"`
	Followed        bool            `db:"followed"`
	AuthorAffinity  float64         `db:"author_affinity"`
	LanguageMatch   sql.NullBool    `db:"language_match"`
	KindMatch       sql.NullBool    `db:"kind_match"`
	Seen            bool            `db:"seen"`
	Liked           bool            `db:"liked"`
	Bookmarked      bool            `db:"bookmarked"`
}

// Candidates returns the items that may enter v's feed, with v's state for each.
func (s *FeedStore) Candidates(ctx context.Context, v access.Viewer) ([]feed.Candidate, error) {
	var rows []candidateRow
	var err error
	if v.Anonymous() {
		err = s.db.SelectContext(ctx, &rows, anonymousCandidates)
	} else {
		var st *sqlx.Stmt
		if st, err = s.personalStatement(ctx); err == nil {
			err = st.SelectContext(ctx, &rows, v.UserID, habits.DecayTime.Seconds())
		}
	}
	if err != nil {
		return nil, fmt.Errorf("feed candidates: %w", err)
	}
	cands := make([]feed.Candidate, len(rows))
	for i := range rows {
		r := &rows[i]
		n := len(r.TopicIDs)
		c := feed.Candidate{
			Content: &r.Content, Popularity: r.Popularity, TopicIDs: r.TopicIDs,
			TopicWeights: padded(r.TopicWeights, n), TopicAffinities: padded(r.TopicAffinities, n),
			Followed: r.Followed, AuthorAffinity: r.AuthorAffinity, Seen: r.Seen, Liked: r.Liked, Bookmarked: r.Bookmarked,
		}
		if r.LanguageMatch.Valid {
			c.LanguageMatch = &r.LanguageMatch.Bool
		}
		if r.KindMatch.Valid {
			c.KindMatch = &r.KindMatch.Bool
		}
		cands[i] = c
	}
	return cands, nil
}

func padded(xs []float64, n int) []float64 {
	if len(xs) == n {
		return xs
	}
	return make([]float64, n)
}

// pageSlack is how many hidden or withdrawn items a page read can step over.
const pageSlack = 50

// snapshotTTL is how long a feed's cursors keep working.
const snapshotTTL = 15 * time.Minute

// SaveSnapshot stores a ranked feed for v and returns its ID. Anonymous feeds are shared by
// everyone within bucket: the first writer's snapshot wins.
func (s *FeedStore) SaveSnapshot(ctx context.Context, v access.Viewer, bucket string, ranked []feed.Ranked) (int64, error) {
	items := make([]int64, len(ranked))
	scores := make([]float64, len(ranked))
	reasons := make([][]feed.Reason, len(ranked))
	for i, r := range ranked {
		items[i], scores[i], reasons[i] = r.ContentID, r.Score, r.Reasons
	}
	raw, err := json.Marshal(reasons)
	if err != nil {
		return 0, fmt.Errorf("save feed: %w", err)
	}
	var userID, bucketArg any
	if v.Anonymous() {
		bucketArg = bucket
	} else {
		userID = v.UserID
	}
	var id int64
	err = s.db.GetContext(ctx, &id, `WITH expired AS (DELETE FROM feed_snapshots WHERE expires_at < now() - interval '1 minute'),
		ins AS (INSERT INTO feed_snapshots (user_id, bucket, expires_at, items, scores, reasons)
			VALUES ($1, $2, now() + $3::interval, $4, $5, $6) ON CONFLICT (bucket) DO NOTHING RETURNING id)
		SELECT id FROM ins UNION ALL SELECT id FROM feed_snapshots WHERE bucket = $2 LIMIT 1`,
		userID, bucketArg, interval(snapshotTTL), pq.Array(items), pq.Array(scores), raw)
	if err != nil {
		return 0, fmt.Errorf("save feed: %w", err)
	}
	return id, nil
}

// FeedPage reads up to limit+1 items after position from snapshot id, checking that the
// snapshot belongs to v (or is anonymous) and has not expired, and re-checking that each item
// is still visible and not hidden. ok is false when there is no such snapshot.
func (s *FeedStore) FeedPage(ctx context.Context, v access.Viewer, id int64, after, limit int) (items []feed.Item, ok bool, err error) {
	q := &query{}
	snap := "s.id = " + q.arg(id)
	items, _, err = s.page(ctx, q, snap, v, after, limit)
	if err != nil || len(items) > 0 {
		return items, err == nil, err
	}
	var exists bool
	if err := s.db.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM feed_snapshots s WHERE s.id = $1 AND s.expires_at > now()
		AND coalesce(s.user_id, 0) = $2)`, id, v.UserID); err != nil {
		return nil, false, fmt.Errorf("feed page: %w", err)
	}
	return items, exists, nil
}

// RecentFirstPage reads the first page of v's newest snapshot younger than within (for
// anonymous viewers: the snapshot of bucket), so a feed asked for again and again is ranked
// once. found is false when there is none, or when none of its items is still visible.
func (s *FeedStore) RecentFirstPage(ctx context.Context, v access.Viewer, bucket string, within time.Duration, limit int) (id int64, items []feed.Item, found bool, err error) {
	q := &query{}
	var snap string
	if v.Anonymous() {
		snap = "s.id = (SELECT id FROM feed_snapshots WHERE bucket = " + q.arg(bucket) + ")"
	} else {
		snap = fmt.Sprintf(`s.id = (SELECT id FROM feed_snapshots WHERE user_id = %s
			AND created_at > now() - %s::interval ORDER BY created_at DESC LIMIT 1)`,
			q.arg(v.UserID), q.arg(interval(within)))
	}
	items, id, err = s.page(ctx, q, snap, v, 0, limit)
	return id, items, err == nil && len(items) > 0, err
}

// page reads one page of the snapshot chosen by the condition snap.
func (s *FeedStore) page(ctx context.Context, q *query, snap string, v access.Viewer, after, limit int) ([]feed.Item, int64, error) {
	owner := "s.user_id IS NULL"
	if !v.Anonymous() {
		owner = "s.user_id = " + q.arg(v.UserID)
	}
	visibleTo(q, v)
	viewerID := q.arg(v.UserID)
	// Only a window of the snapshot is unnested: the page and some room for items hidden or
	// withdrawn since it was ranked.
	lo, hi := q.arg(after+1), q.arg(after+limit+1+pageSlack)
	stmt := fmt.Sprintf(`SELECT s.id AS snapshot_id, now() AS now, f.pos, f.score, s.reasons -> (f.pos::int - 1) AS reasons, %s,
		cs.viewed_at IS NOT NULL AS seen, cs.liked_at IS NOT NULL AS liked, cs.bookmarked_at IS NOT NULL AS bookmarked
	FROM feed_snapshots s
	CROSS JOIN LATERAL (SELECT u.content_id, u.score, %s::int - 1 + u.ord AS pos
		FROM unnest(s.items[%s:%s], s.scores[%s:%s]) WITH ORDINALITY AS u(content_id, score, ord)) f
	JOIN contents c ON c.id = f.content_id
	LEFT JOIN content_states cs ON cs.user_id = %s AND cs.content_id = c.id
	WHERE %s AND %s AND s.expires_at > now() AND cs.hidden_at IS NULL AND %s
	ORDER BY f.pos LIMIT %d`, columns(false), lo, lo, hi, lo, hi, viewerID, snap, owner, q.whereClause(), limit+1)
	var rows []struct {
		SnapshotID int64           `db:"snapshot_id"`
		Now        time.Time       `db:"now"`
		Pos        int             `db:"pos"`
		Score      float64         `db:"score"`
		Reasons    json.RawMessage `db:"reasons"`
		content.Content
		Seen       bool `db:"seen"`
		Liked      bool `db:"liked"`
		Bookmarked bool `db:"bookmarked"`
	}
	if err := s.db.SelectContext(ctx, &rows, stmt, q.args...); err != nil {
		return nil, 0, fmt.Errorf("feed page: %w", err)
	}
	items := make([]feed.Item, len(rows))
	var id int64
	for i := range rows {
		r := &rows[i]
		var reasons []feed.Reason
		if err := json.Unmarshal(r.Reasons, &reasons); err != nil {
			return nil, 0, fmt.Errorf("feed page: reasons: %w", err)
		}
		for j := range reasons {
			reasons[j].Explain(&r.Content, r.Now)
		}
		id = r.SnapshotID
		items[i] = feed.Item{Content: &r.Content, Position: r.Pos, Score: r.Score, Reasons: reasons,
			Viewed: r.Seen, Liked: r.Liked, Bookmarked: r.Bookmarked}
	}
	return items, id, nil
}
