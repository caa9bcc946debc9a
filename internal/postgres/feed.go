package postgres

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
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
	// hot holds the statements of every ranking, prepared: planning them costs about as much
	// as running them.
	hot     *prepared
	reasons reasonCodec
}

// NewFeedStore returns a FeedStore over db.
func NewFeedStore(db *sqlx.DB) *FeedStore {
	return &FeedStore{db: db, hot: newPrepared(db), reasons: newReasonCodec()}
}

// Candidate pools: each walks an index and stops early, so no query sorts all content.
const (
	perLikedTopic   = 40
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

// profileStatement reads, in one statement, a viewer's profile (first row, ID 0, as arrays)
// and the newest listed items of the authors the viewer follows (one row each, with their
// features). Each part of the profile is one range of an index on the viewer's ID; habit
// scores come with their age, for habits.Decay, unless the viewer turned habits off.
var profileStatement = fmt.Sprintf(`WITH
followed AS MATERIALIZED (SELECT author_id FROM follows WHERE follower_id = $1 ORDER BY created_at DESC LIMIT %[1]d)
SELECT x.id, x.author_id, x.sorted_at, x.kind, x.language, x.popularity, x.topic_ids,
	NULL::bigint[], NULL::float8[], NULL::bigint[], NULL::float8[], NULL::float8[], NULL::bigint[], NULL::float8[], NULL::float8[],
	NULL::bigint[], NULL::bigint[], NULL::bigint[], NULL::text[], NULL::text[], NULL::bigint[], NULL::int[], NULL::bigint
FROM followed CROSS JOIN LATERAL (
	SELECT %[2]s FROM contents c WHERE c.author_id = followed.author_id AND %[3]s
	ORDER BY c.sorted_at DESC LIMIT %[4]d) x
UNION ALL
SELECT 0, NULL, NULL, NULL, NULL, NULL, NULL,
	tp.topics, tp.weights, ta.topics, ta.scores, ta.ages, aa.authors, aa.scores, aa.ages,
	(SELECT array_agg(topic_id) FROM muted_topics WHERE user_id = $1),
	(SELECT array_agg(author_id) FROM muted_authors WHERE user_id = $1),
	(SELECT array_agg(author_id) FROM followed),
	p.languages, p.kinds, st.ids, st.flags, u.feed_version
FROM (SELECT array_agg(topic_id) AS topics, array_agg(weight) AS weights FROM topic_preferences WHERE user_id = $1) tp,
	(SELECT array_agg(topic_id) AS topics, array_agg(score) AS scores, array_agg(extract(epoch FROM now() - updated_at)) AS ages
		FROM topic_affinities WHERE user_id = $1 AND %[9]s) ta,
	(SELECT array_agg(author_id) AS authors, array_agg(score) AS scores, array_agg(extract(epoch FROM now() - updated_at)) AS ages
		FROM author_affinities WHERE user_id = $1 AND %[9]s) aa,
	(SELECT array_agg(content_id) AS ids,
		array_agg((CASE WHEN viewed_at IS NULL OR NOT %[9]s THEN 0 ELSE %[5]d END) + (CASE WHEN liked_at IS NULL THEN 0 ELSE %[6]d END)
			+ (CASE WHEN bookmarked_at IS NULL THEN 0 ELSE %[7]d END) + (CASE WHEN hidden_at IS NULL THEN 0 ELSE %[8]d END)) AS flags
		FROM content_states WHERE user_id = $1) st
	LEFT JOIN preferences p ON p.user_id = $1
	LEFT JOIN users u ON u.id = $1`,
	followedAuthors, features, listedSQL("c"), perFollowed, stateSeen, stateLiked, stateBookmarked, stateHidden, recordsHabits)

// recordsHabits is whether viewer $1 lets Tailor keep their habits: when not, the profile holds
// no affinity and no item counts as seen, so the ranking has no habit term.
var recordsHabits = recordsHabitsOf("$1")

// recordsHabitsOf is an SQL condition: the user whose ID is the parameter user lets Tailor
// keep and use their habits (preferences.record_habits, true without a preferences row).
func recordsHabitsOf(user string) string {
	return `coalesce((SELECT record_habits FROM preferences WHERE user_id = ` + user + `), true)`
}

// The bits of a state's flags in profileStatement.
const (
	stateSeen = 1 << iota
	stateLiked
	stateBookmarked
	stateHidden
)

// Profile reads v's profile and the newest listed items of the authors v follows.
func (s *FeedStore) Profile(ctx context.Context, v access.Viewer) (feed.Profile, []feed.Listing, error) {
	rows, err := s.hot.query(ctx, profileStatement, v.UserID)
	if err != nil {
		return feed.Profile{}, nil, fmt.Errorf("feed profile: %w", err)
	}
	defer rows.Close()
	var (
		p        feed.Profile
		followed []feed.Listing
	)
	for rows.Next() {
		var (
			id                                 int64
			author                             sql.NullInt64
			sortedAt                           sql.NullTime
			kind, language                     sql.NullString
			popularity                         sql.NullFloat64
			itemTopics, topics, taTopics       pq.Int64Array
			weights, taScores, taAges          pq.Float64Array
			authors, mutedTopics, mutedAuthors pq.Int64Array
			aaScores, aaAges                   pq.Float64Array
			follows, stateIDs                  pq.Int64Array
			languages, kinds                   pq.StringArray
			flags                              pq.Int32Array
			version                            sql.NullInt64
		)
		if err := rows.Scan(&id, &author, &sortedAt, &kind, &language, &popularity, &itemTopics,
			&topics, &weights, &taTopics, &taScores, &taAges, &authors, &aaScores, &aaAges,
			&mutedTopics, &mutedAuthors, &follows, &languages, &kinds, &stateIDs, &flags, &version); err != nil {
			return feed.Profile{}, nil, fmt.Errorf("feed profile: %w", err)
		}
		if id != 0 {
			followed = append(followed, feed.Listing{Popularity: popularity.Float64, TopicIDs: itemTopics,
				Content: &content.Content{ID: id, AuthorID: author.Int64, SortedAt: sortedAt.Time,
					Kind: content.Kind(kind.String), Language: language.String}})
			continue
		}
		p = feed.Profile{
			TopicWeights:     keyed(topics, weights),
			TopicAffinities:  decayed(taTopics, taScores, taAges),
			AuthorAffinities: decayed(authors, aaScores, aaAges),
			MutedTopics:      set(mutedTopics),
			MutedAuthors:     set(mutedAuthors),
			Followed:         set(follows),
			States:           make(map[int64]feed.State, len(stateIDs)),
			Languages:        languages,
			Version:          version.Int64,
		}
		for _, k := range kinds {
			p.Kinds = append(p.Kinds, content.Kind(k))
		}
		for i, id := range stateIDs {
			f := flags[i]
			p.States[id] = feed.State{Seen: f&stateSeen != 0, Liked: f&stateLiked != 0,
				Bookmarked: f&stateBookmarked != 0, Hidden: f&stateHidden != 0}
		}
	}
	if err := rows.Err(); err != nil {
		return feed.Profile{}, nil, fmt.Errorf("feed profile: %w", err)
	}
	return p, followed, nil
}

func keyed(keys []int64, values []float64) map[int64]float64 {
	m := make(map[int64]float64, len(keys))
	for i, k := range keys {
		m[k] = values[i]
	}
	return m
}

// decayed maps each key to its score decayed over its age in seconds.
func decayed(keys []int64, scores, ages []float64) map[int64]float64 {
	m := make(map[int64]float64, len(keys))
	for i, k := range keys {
		m[k] = habits.Decay(scores[i], time.Duration(ages[i]*float64(time.Second)))
	}
	return m
}

func set(keys []int64) map[int64]bool {
	m := make(map[int64]bool, len(keys))
	for _, k := range keys {
		m[k] = true
	}
	return m
}

// pageSlack is how many hidden or withdrawn items a page read can step over.
const pageSlack = 50

// expiredPerKeep is how many expired snapshots each Keep deletes on its way, skipping those
// another Keep is deleting (so no Keep waits for another): a Keep writes one snapshot and
// clears up to this many, so expired ones never pile up.
const expiredPerKeep = 4

// snapshotTTL is how long a feed's cursors keep working.
const snapshotTTL = 15 * time.Minute

// Keep stores a ranked feed for v and returns its ID and the contents of the items of show
// that v may still see. Anonymous feeds are shared by everyone within bucket: the first
// writer's snapshot wins. Expired snapshots are cleared on the way.
func (s *FeedStore) Keep(ctx context.Context, v access.Viewer, bucket string, version int64, ranked []feed.Ranked, show []int64) (int64, []*content.Content, error) {
	items := make([]int64, len(ranked))
	scores := make([]float64, len(ranked))
	for i, r := range ranked {
		items[i], scores[i] = r.ContentID, r.Score
	}
	reasons, ends, err := s.reasons.encode(ranked)
	if err != nil {
		return 0, nil, fmt.Errorf("save feed: %w", err)
	}
	var userID, bucketArg any
	if v.Anonymous() {
		bucketArg = bucket
	} else {
		userID = v.UserID
	}
	q := &query{args: []any{userID, bucketArg, interval(snapshotTTL), pq.Array(items), pq.Array(scores), reasons, pq.Array(ends), version}}
	q.and("c.id = ANY(" + q.arg(pq.Array(show)) + ")")
	visibleTo(q, v)
	var id int64
	scan := newContentScanner(content.AllFields, []any{&id})
	rows, err := s.hot.query(ctx, `WITH expired AS (DELETE FROM feed_snapshots WHERE id IN (SELECT id FROM feed_snapshots
			WHERE expires_at < now() - interval '1 minute' ORDER BY expires_at LIMIT `+strconv.Itoa(expiredPerKeep)+` FOR UPDATE SKIP LOCKED)),
		ins AS (INSERT INTO feed_snapshots (user_id, bucket, expires_at, items, scores, reasons, reason_ends, version)
			VALUES ($1, $2, now() + $3::interval, $4, $5, $6, $7, $8) ON CONFLICT (bucket) DO NOTHING RETURNING id),
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
		user := q.arg(v.UserID)
		snap = fmt.Sprintf(`s.id = (SELECT id FROM feed_snapshots WHERE user_id = %[1]s
			AND created_at > now() - %[2]s::interval AND version = (SELECT feed_version FROM users WHERE id = %[1]s)
			ORDER BY created_at DESC LIMIT 1)`, user, q.arg(interval(within)))
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
	stmt := fmt.Sprintf(`SELECT s.id AS snapshot_id, now() AS now, f.pos, f.score,
		substring(s.reasons FROM coalesce(s.reason_ends[f.pos - 1], 0) + 1 FOR s.reason_ends[f.pos] - coalesce(s.reason_ends[f.pos - 1], 0)) AS reasons, %s,
		cs.viewed_at IS NOT NULL AS seen, cs.liked_at IS NOT NULL AS liked, cs.bookmarked_at IS NOT NULL AS bookmarked
	FROM feed_snapshots s
	CROSS JOIN LATERAL (SELECT u.content_id, u.score, %s::int - 1 + u.ord AS pos
		FROM unnest(s.items[%s:%s], s.scores[%s:%s]) WITH ORDINALITY AS u(content_id, score, ord)) f
	JOIN contents c ON c.id = f.content_id
	LEFT JOIN content_states cs ON cs.user_id = %s AND cs.content_id = c.id
	WHERE %s AND %s AND s.expires_at > now() AND cs.hidden_at IS NULL AND %s
	ORDER BY f.pos LIMIT %d`, columns(false), lo, lo, hi, lo, hi, viewerID, snap, owner, q.whereClause(), limit+1)
	var rows []struct {
		SnapshotID int64     `db:"snapshot_id"`
		Now        time.Time `db:"now"`
		Pos        int       `db:"pos"`
		Score      float64   `db:"score"`
		Reasons    []byte    `db:"reasons"`
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
		reasons, err := s.reasons.decode(r.Reasons)
		if err != nil {
			return nil, 0, fmt.Errorf("feed page: snapshot %d: %w", r.SnapshotID, err)
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
