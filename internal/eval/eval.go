// Package eval measures how well the feed predicts what people go on to like, against the
// lists a team would otherwise ship, with a time-based hold-out on a seeded database.
package eval

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// Options set up one evaluation.
type Options struct {
	// Holdout is the share of the interaction log, newest last, hidden from the ranking.
	Holdout float64
	// Sample is how many active users are evaluated; Seed draws them and the random baseline.
	Sample int
	Seed   int64
	// MinHistory is how many interactions before the cut-off make a user active.
	MinHistory int
}

// DefaultOptions hides the newest 20% of the log and evaluates 200 users.
func DefaultOptions() Options {
	return Options{Holdout: 0.2, Sample: 200, Seed: 1, MinHistory: 5}
}

// The list sizes the measures read.
const (
	recallAt   = 20
	ndcgAt     = 10
	coverageAt = 10
)

// Ranker returns, best first, up to 20 items for userID as of instant at.
type Ranker func(ctx context.Context, userID int64, at time.Time) ([]int64, error)

// Scores are one method's measures, averaged over the sampled users (catalogue coverage is
// over all of them together).
type Scores struct {
	Method            string
	RecallAt20        float64
	NDCGAt10          float64
	TopicCoverageAt10 float64
	CatalogueCoverage float64
}

// Report is the outcome of one evaluation.
type Report struct {
	Options   Options
	Cutoff    time.Time
	Users     int // users evaluated
	Relevant  int // held-out likes and bookmarks of items listed at the cut-off, over all of them
	Catalogue int // items listed at the cut-off
	Scores    []Scores
}

// Prepare hides what happened after the cut-off: the newest share of the interaction log, the
// follows made since, and the items published since (kept as drafts, so no list shows them);
// states, counters and affinities are then rebuilt by rebuild from what remains. It returns
// the cut-off and, per sampled user, the items they went on to like or bookmark. The database
// is changed for good: run it on a database of its own.
func Prepare(ctx context.Context, db *sqlx.DB, o Options, rebuild func(context.Context, sqlx.ExecerContext) error) (time.Time, map[int64]map[int64]bool, error) {
	var cutoff time.Time
	if err := db.GetContext(ctx, &cutoff, `SELECT percentile_disc($1::float8) WITHIN GROUP (ORDER BY created_at) FROM interactions`, 1-o.Holdout); err != nil {
		return cutoff, nil, fmt.Errorf("eval cut-off: %w", err)
	}
	var rows []struct {
		UserID    int64 `db:"user_id"`
		ContentID int64 `db:"content_id"`
	}
	// The truth: later likes and bookmarks of items that were listed at the cut-off and that
	// the user had not liked or bookmarked before, by users with a history.
	if err := db.SelectContext(ctx, &rows, `WITH active AS (
			SELECT user_id FROM interactions WHERE created_at <= $1 GROUP BY user_id HAVING count(*) >= $2)
		SELECT DISTINCT i.user_id, i.content_id FROM interactions i
		JOIN active a ON a.user_id = i.user_id
		JOIN contents c ON c.id = i.content_id
		WHERE i.created_at > $1 AND i.kind IN ('like', 'bookmark')
			AND c.status = 'published' AND c.visibility <> 'private' AND c.deleted_at IS NULL AND c.published_at <= $1
			AND c.author_id <> i.user_id
			AND NOT EXISTS (SELECT 1 FROM interactions e WHERE e.user_id = i.user_id AND e.content_id = i.content_id
				AND e.created_at <= $1 AND e.kind IN ('like', 'bookmark'))`,
		cutoff, o.MinHistory); err != nil {
		return cutoff, nil, fmt.Errorf("eval truth: %w", err)
	}
	truth := map[int64]map[int64]bool{}
	for _, r := range rows {
		if truth[r.UserID] == nil {
			truth[r.UserID] = map[int64]bool{}
		}
		truth[r.UserID][r.ContentID] = true
	}
	users := make([]int64, 0, len(truth))
	for u := range truth {
		users = append(users, u)
	}
	slices.Sort(users)
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 0))
	rng.Shuffle(len(users), func(i, j int) { users[i], users[j] = users[j], users[i] })
	for _, u := range users[min(o.Sample, len(users)):] {
		delete(truth, u)
	}

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return cutoff, nil, fmt.Errorf("eval hold-out: %w", err)
	}
	defer tx.Rollback()
	for _, stmt := range []string{
		`DELETE FROM interactions WHERE created_at > $1`,
		`DELETE FROM follows WHERE created_at > $1`,
		`UPDATE contents SET status = 'draft', published_at = NULL WHERE published_at > $1`,
	} {
		if _, err := tx.ExecContext(ctx, stmt, cutoff); err != nil {
			return cutoff, nil, fmt.Errorf("eval hold-out: %w", err)
		}
	}
	for _, stmt := range []string{
		`DELETE FROM feed_snapshots`,
		`UPDATE contents SET view_count = 0, like_count = 0, bookmark_count = 0`,
	} {
		if _, err := tx.ExecContext(ctx, stmt); err != nil {
			return cutoff, nil, fmt.Errorf("eval hold-out: %w", err)
		}
	}
	if err := rebuild(ctx, tx); err != nil {
		return cutoff, nil, err
	}
	if err := tx.Commit(); err != nil {
		return cutoff, nil, fmt.Errorf("eval hold-out: %w", err)
	}
	return cutoff, truth, nil
}

// listed is an item listed at the cut-off, with what the baselines and measures read.
type listed struct {
	ID         int64         `db:"id"`
	SortedAt   time.Time     `db:"sorted_at"`
	Popularity float64       `db:"popularity"`
	Topics     pq.Int64Array `db:"topic_ids"`
}

// Run ranks each sampled user's feed with feed and the baselines (most popular, newest,
// random) as of the cut-off, and measures each against the truth. Prepare must have run.
func Run(ctx context.Context, db *sqlx.DB, o Options, cutoff time.Time, truth map[int64]map[int64]bool, feed Ranker) (Report, error) {
	var items []listed
	if err := db.SelectContext(ctx, &items, `SELECT id, sorted_at, popularity, topic_ids FROM contents
		WHERE status = 'published' AND visibility <> 'private' AND deleted_at IS NULL ORDER BY id`); err != nil {
		return Report{}, fmt.Errorf("eval catalogue: %w", err)
	}
	topics := make(map[int64][]int64, len(items))
	for _, it := range items {
		topics[it.ID] = it.Topics
	}
	top := func(less func(a, b listed) int) []int64 {
		s := slices.Clone(items)
		slices.SortFunc(s, less)
		out := make([]int64, 0, recallAt)
		for _, it := range s[:min(recallAt, len(s))] {
			out = append(out, it.ID)
		}
		return out
	}
	popular := top(func(a, b listed) int {
		return cmp.Or(cmp.Compare(b.Popularity, a.Popularity), cmp.Compare(b.ID, a.ID))
	})
	newest := top(func(a, b listed) int { return cmp.Or(b.SortedAt.Compare(a.SortedAt), cmp.Compare(b.ID, a.ID)) })
	rng := rand.New(rand.NewPCG(uint64(o.Seed), 1))

	users := make([]int64, 0, len(truth))
	relevant := 0
	for u, t := range truth {
		users = append(users, u)
		relevant += len(t)
	}
	slices.Sort(users)
	methods := []string{"feed", "most popular", "newest", "random"}
	acc := make([]measure, len(methods))
	for _, u := range users {
		fed, err := feed(ctx, u, cutoff)
		if err != nil {
			return Report{}, fmt.Errorf("eval feed of user %d: %w", u, err)
		}
		random := make([]int64, 0, recallAt)
		for _, i := range rng.Perm(len(items))[:min(recallAt, len(items))] {
			random = append(random, items[i].ID)
		}
		for m, list := range [][]int64{fed, popular, newest, random} {
			acc[m].add(list, truth[u], topics)
		}
	}
	r := Report{Options: o, Cutoff: cutoff, Users: len(users), Relevant: relevant, Catalogue: len(items)}
	for m, name := range methods {
		r.Scores = append(r.Scores, acc[m].scores(name, len(items)))
	}
	return r, nil
}

// measure accumulates one method's measures over users.
type measure struct {
	users                  int
	recall, ndcg, coverage float64
	shown                  map[int64]bool
}

func (m *measure) add(list []int64, truth map[int64]bool, topics map[int64][]int64) {
	if m.shown == nil {
		m.shown = map[int64]bool{}
	}
	m.users++
	hits, dcg, ideal := 0, 0.0, 0.0
	for i, id := range list[:min(recallAt, len(list))] {
		m.shown[id] = true
		if !truth[id] {
			continue
		}
		hits++
		if i < ndcgAt {
			dcg += 1 / math.Log2(float64(i)+2)
		}
	}
	for i := range min(ndcgAt, len(truth)) {
		ideal += 1 / math.Log2(float64(i)+2)
	}
	m.recall += float64(hits) / float64(len(truth))
	if ideal > 0 {
		m.ndcg += dcg / ideal
	}
	seen := map[int64]bool{}
	for _, id := range list[:min(coverageAt, len(list))] {
		for _, t := range topics[id] {
			seen[t] = true
		}
	}
	m.coverage += float64(len(seen))
}

func (m *measure) scores(method string, catalogue int) Scores {
	n := float64(max(m.users, 1))
	return Scores{Method: method, RecallAt20: m.recall / n, NDCGAt10: m.ndcg / n, TopicCoverageAt10: m.coverage / n,
		CatalogueCoverage: float64(len(m.shown)) / float64(max(catalogue, 1))}
}
