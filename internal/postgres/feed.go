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

// features are the columns of an item that ranking reads.
const features = "c.id, c.author_id, c.sorted_at, c.kind, c.language, c.popularity, c.topic_ids"

// listings reads the catalogue: every topic's newest listed items, and the freshest and the
// most popular listed items (list 0). Each list walks an index and stops at its size.
var listings = fmt.Sprintf(`WITH pool AS (
	SELECT t.id AS list, x.content_id AS id FROM topics t CROSS JOIN LATERAL (
		SELECT ct.content_id FROM content_topics ct WHERE ct.topic_id = t.id AND ct.listed
		ORDER BY ct.sorted_at DESC LIMIT %[2]d) x
	UNION ALL
	(SELECT 0, c.id FROM contents c WHERE %[1]s ORDER BY c.status, c.sorted_at DESC LIMIT %[3]d)
	UNION ALL
	(SELECT 0, c.id FROM contents c WHERE %[1]s ORDER BY c.popularity DESC, c.id DESC LIMIT %[4]d))
SELECT pool.list, %[5]s FROM pool JOIN contents c ON c.id = pool.id`,
	listedSQL("c"), perLikedTopic, freshPool, popularPool, features)

// Listings reads the catalogue of feed candidates every viewer shares.
func (s *FeedStore) Listings(ctx context.Context) ([]feed.Listing, error) {
	rows, err := s.db.QueryContext(ctx, listings)
	if err != nil {
		return nil, fmt.Errorf("feed catalogue: %w", err)
	}
	defer rows.Close()
	var out []feed.Listing
	for rows.Next() {
		var (
			l      = feed.Listing{Content: new(content.Content)}
			topics pq.Int64Array
		)
		if err := rows.Scan(&l.List, &l.Content.ID, &l.Content.AuthorID, &l.Content.SortedAt, &l.Content.Kind,
			&l.Content.Language, &l.Popularity, &topics); err != nil {
			return nil, fmt.Errorf("feed catalogue: %w", err)
		}
		l.TopicIDs = topics
		out = append(out, l)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("feed catalogue: %w", err)
	}
	return out, nil
}

// personalCandidates reads, in one statement, the viewer's profile (first row, ID 0, as
// JSON) and the viewer's candidates: the catalogue's listings ($5 IDs, $6 lists, $7 authors)
// of the global lists and of the viewer's best-liked topics, and the newest items of the
// authors the viewer follows, read with their features. Each candidate carries whether its
// author is followed, the viewer's decayed habit for the author and the viewer's state for
// it; the viewer's own items, muted authors' and hidden ones are left out. The profile is
// read once, by range; each candidate costs one probe of the viewer's states.
var personalCandidates = fmt.Sprintf(`WITH
tp AS MATERIALIZED (SELECT topic_id, weight FROM topic_preferences WHERE user_id = $1),
ta AS MATERIALIZED (SELECT topic_id, score * exp(-extract(epoch FROM now() - updated_at) / $2) AS score
	FROM topic_affinities WHERE user_id = $1),
liked AS MATERIALIZED (
	SELECT coalesce(tp.topic_id, ta.topic_id) AS topic_id,
		coalesce(tp.weight, 0) + $3 * tanh(coalesce(ta.score, 0) / $4) AS interest
	FROM tp FULL JOIN ta ON ta.topic_id = tp.topic_id
	ORDER BY interest DESC LIMIT %[1]d),
followed AS MATERIALIZED (SELECT author_id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC LIMIT %[2]d),
by_followed AS MATERIALIZED (
	SELECT x.* FROM followed CROSS JOIN LATERAL (
		SELECT %[3]s FROM contents c WHERE c.author_id = followed.author_id AND %[4]s
		ORDER BY c.sorted_at DESC LIMIT %[5]d) x),
listed AS (
	SELECT DISTINCT l.id, l.author_id FROM unnest($5::bigint[], $6::bigint[], $7::bigint[]) AS l(id, list, author_id)
	WHERE (l.list = 0 OR l.list IN (SELECT topic_id FROM liked WHERE interest > 0))
		AND NOT EXISTS (SELECT 1 FROM by_followed b WHERE b.id = l.id)),
cand AS (
	SELECT l.id, l.author_id, NULL::timestamptz AS sorted_at, NULL::text AS kind, NULL::text AS language,
		NULL::double precision AS popularity, NULL::bigint[] AS topic_ids
	FROM listed l
	UNION ALL
	SELECT * FROM by_followed)
SELECT c.id, c.author_id, c.sorted_at, c.kind, c.language, c.popularity, c.topic_ids,
	f.author_id IS NOT NULL AS followed,
	coalesce((SELECT a.score * exp(-extract(epoch FROM now() - a.updated_at) / $2) FROM author_affinities a
		WHERE a.user_id = $1 AND a.author_id = c.author_id), 0) AS author_affinity,
	s.viewed_at IS NOT NULL, s.liked_at IS NOT NULL, s.bookmarked_at IS NOT NULL, NULL::json AS profile
FROM cand c
LEFT JOIN followed f ON f.author_id = c.author_id
LEFT JOIN content_states s ON s.user_id = $1 AND s.content_id = c.id
WHERE c.author_id <> $1 AND s.hidden_at IS NULL
	AND NOT EXISTS (SELECT 1 FROM muted_authors m WHERE m.user_id = $1 AND m.author_id = c.author_id)
UNION ALL
SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, json_build_object(
	'weights', (SELECT coalesce(json_object_agg(topic_id, weight), '{}') FROM tp),
	'affinities', (SELECT coalesce(json_object_agg(topic_id, score), '{}') FROM ta),
	'muted', (SELECT coalesce(json_agg(topic_id), '[]') FROM muted_topics WHERE user_id = $1),
	'languages', coalesce((SELECT p.languages FROM preferences p WHERE p.user_id = $1), '{}'),
	'kinds', coalesce((SELECT p.kinds FROM preferences p WHERE p.user_id = $1), '{}'))`,
	likedTopics, followedAuthors, features, listedSQL("c"), perFollowed)

// profile is the JSON form of a feed.Profile in personalCandidates.
type profile struct {
	Weights    map[int64]float64 `json:"weights"`
	Affinities map[int64]float64 `json:"affinities"`
	Muted      []int64           `json:"muted"`
	Languages  []string          `json:"languages"`
	Kinds      []content.Kind    `json:"kinds"`
}

// Candidates reads v's profile and candidates from cat (see feed.Store).
func (s *FeedStore) Candidates(ctx context.Context, v access.Viewer, cat *feed.Catalogue) (feed.Profile, []feed.Candidate, error) {
	n := len(cat.Listings)
	ids, lists, authors := make([]int64, n), make([]int64, n), make([]int64, n)
	for i, l := range cat.Listings {
		ids[i], lists[i], authors[i] = l.Content.ID, l.List, l.Content.AuthorID
	}
	st, err := s.personalStatement(ctx)
	if err != nil {
		return feed.Profile{}, nil, fmt.Errorf("feed candidates: %w", err)
	}
	rows, err := st.QueryContext(ctx, v.UserID, habits.DecayTime.Seconds(), habits.HabitShare, habits.AffinityScale,
		pq.Array(ids), pq.Array(lists), pq.Array(authors))
	if err != nil {
		return feed.Profile{}, nil, fmt.Errorf("feed candidates: %w", err)
	}
	defer rows.Close()
	var (
		p     feed.Profile
		cands []feed.Candidate
	)
	for rows.Next() {
		var (
			c                   feed.Candidate
			id                  int64
			author              sql.NullInt64
			sortedAt            sql.NullTime
			kind, language      sql.NullString
			popularity          sql.NullFloat64
			topics              pq.Int64Array
			followed            sql.NullBool
			affinity            sql.NullFloat64
			seen, liked, marked sql.NullBool
			raw                 []byte
		)
		if err := rows.Scan(&id, &author, &sortedAt, &kind, &language, &popularity, &topics, &followed, &affinity,
			&seen, &liked, &marked, &raw); err != nil {
			return feed.Profile{}, nil, fmt.Errorf("feed candidates: %w", err)
		}
		if id == 0 {
			if p, err = decodeProfile(raw); err != nil {
				return feed.Profile{}, nil, fmt.Errorf("feed candidates: %w", err)
			}
			continue
		}
		if sortedAt.Valid {
			c.Content = &content.Content{ID: id, AuthorID: author.Int64, SortedAt: sortedAt.Time,
				Kind: content.Kind(kind.String), Language: language.String}
			c.Popularity, c.TopicIDs = popularity.Float64, topics
		} else if l, ok := cat.Lookup(id); ok {
			c.Content, c.Popularity, c.TopicIDs = l.Content, l.Popularity, l.TopicIDs
		} else {
			continue
		}
		c.Followed, c.AuthorAffinity = followed.Bool, affinity.Float64
		c.Seen, c.Liked, c.Bookmarked = seen.Bool, liked.Bool, marked.Bool
		cands = append(cands, c)
	}
	if err := rows.Err(); err != nil {
		return feed.Profile{}, nil, fmt.Errorf("feed candidates: %w", err)
	}
	return p, cands, nil
}

func decodeProfile(raw []byte) (feed.Profile, error) {
	var pr profile
	if err := json.Unmarshal(raw, &pr); err != nil {
		return feed.Profile{}, fmt.Errorf("profile: %w", err)
	}
	muted := make(map[int64]bool, len(pr.Muted))
	for _, t := range pr.Muted {
		muted[t] = true
	}
	return feed.Profile{TopicWeights: pr.Weights, TopicAffinities: pr.Affinities, MutedTopics: muted,
		Languages: pr.Languages, Kinds: pr.Kinds}, nil
}

// pageSlack is how many hidden or withdrawn items a page read can step over.
const pageSlack = 50

// snapshotTTL is how long a feed's cursors keep working.
const snapshotTTL = 15 * time.Minute

// Keep stores a ranked feed for v and returns its ID and the contents of the items of show
// that v may still see. Anonymous feeds are shared by everyone within bucket: the first
// writer's snapshot wins. Expired snapshots are cleared on the way.
func (s *FeedStore) Keep(ctx context.Context, v access.Viewer, bucket string, ranked []feed.Ranked, show []int64) (int64, []*content.Content, error) {
	items := make([]int64, len(ranked))
	scores := make([]float64, len(ranked))
	reasons := make([][]feed.Reason, len(ranked))
	for i, r := range ranked {
		items[i], scores[i], reasons[i] = r.ContentID, r.Score, r.Reasons
	}
	raw, err := json.Marshal(reasons)
	if err != nil {
		return 0, nil, fmt.Errorf("save feed: %w", err)
	}
	var userID, bucketArg any
	if v.Anonymous() {
		bucketArg = bucket
	} else {
		userID = v.UserID
	}
	q := &query{args: []any{userID, bucketArg, interval(snapshotTTL), pq.Array(items), pq.Array(scores), raw}}
	q.and("c.id = ANY(" + q.arg(pq.Array(show)) + ")")
	visibleTo(q, v)
	var id int64
	scan := newContentScanner(content.AllFields, []any{&id})
	rows, err := s.db.QueryContext(ctx, `WITH expired AS (DELETE FROM feed_snapshots WHERE expires_at < now() - interval '1 minute'),
		ins AS (INSERT INTO feed_snapshots (user_id, bucket, expires_at, items, scores, reasons)
			VALUES ($1, $2, now() + $3::interval, $4, $5, $6) ON CONFLICT (bucket) DO NOTHING RETURNING id),
		snap AS (SELECT id FROM ins UNION ALL SELECT id FROM feed_snapshots WHERE bucket = $2 LIMIT 1)
		SELECT snap.id, `+contentSelect(content.AllFields)+` FROM snap CROSS JOIN contents c WHERE `+q.whereClause(), q.args...)
	if err != nil {
		return 0, nil, fmt.Errorf("save feed: %w", err)
	}
	defer rows.Close()
	var shown []*content.Content
	for rows.Next() {
		c, err := scan.scan(rows)
		if err != nil {
			return 0, nil, fmt.Errorf("save feed: %w", err)
		}
		shown = append(shown, c)
	}
	if err := rows.Err(); err != nil {
		return 0, nil, fmt.Errorf("save feed: %w", err)
	}
	return id, shown, nil
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
