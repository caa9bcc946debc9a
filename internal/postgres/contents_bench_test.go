package postgres_test

import (
	"context"
	"slices"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/seed"
)

// benchSeed sizes the benchmark's dataset: big enough for the planner to choose the plans it
// chooses at scale (index walks that stop at the page size), small enough to seed in seconds.
// The test that keeps the benchmark honest uses a tenth of it.
func benchSeed(contents int) seed.Options {
	return seed.Options{
		Users: contents / 20, Topics: 20, Contents: contents, Interactions: 1_000, Seed: 1,
		// The demo accounts' password hash is never checked here.
		HashPassword: func(string) (string, error) { return "not-a-hash", nil },
	}
}

// benchContents returns a fresh database holding the seeded dataset with the given number of
// contents, and the dataset's topic IDs. The database is dropped when tb ends.
func benchContents(tb testing.TB, contents int) (*sqlx.DB, []int64) {
	tb.Helper()
	ctx := context.Background()
	db, err := pgtest.New(ctx)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("drop the test database: %v", err)
		}
	})
	if _, err := seed.Run(ctx, db.DB, benchSeed(contents), nil); err != nil {
		tb.Fatalf("seed: %v", err)
	}
	var topics []int64
	if err := db.DB.SelectContext(ctx, &topics, "SELECT id FROM topics ORDER BY id"); err != nil {
		tb.Fatal(err)
	}
	return db.DB, topics
}

// listCase is one content list the gateway asks for.
type listCase struct {
	name string
	q    content.ListQuery
}

// benchLists are the lists of the HTTP benchmark's workloads, as the resolvers ask for them
// (no body, anonymous viewer). The feed's SQL joins this table when the feed exists.
func benchLists(topicID int64) []listCase {
	return []listCase{
		{"newest-first-20", content.ListQuery{Order: content.NewestFirst(), Page: relay.Page{Limit: 20}, Fields: content.AllFields}},
		{"newest-first-50-one-topic", content.ListQuery{
			Filter: content.Filter{TopicIDs: []int64{topicID}}, Order: content.NewestFirst(), Page: relay.Page{Limit: 50}, Fields: content.AllFields,
		}},
	}
}

// BenchmarkContentList measures ContentStore.List: W1's newest 20 and W2's newest 50 of one
// topic, with the statement exactly as the gateway sends it.
func BenchmarkContentList(b *testing.B) {
	db, topics := benchContents(b, 20_000)
	store := postgres.NewContentStore(db)
	ctx := context.Background()
	for _, c := range benchLists(topics[len(topics)/2]) {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				l, err := store.List(ctx, c.q)
				if err != nil {
					b.Fatal(err)
				}
				if len(l.Items) != c.q.Page.Limit {
					b.Fatalf("got %d items, want %d", len(l.Items), c.q.Page.Limit)
				}
			}
		})
	}
}

// TestBenchmarkListsAnswer keeps the benchmark's lists meaningful under `go test` without
// -bench: full pages of visible items, newest first, filed under the filter's topic.
func TestBenchmarkListsAnswer(t *testing.T) {
	db, topics := benchContents(t, 2_000)
	store := postgres.NewContentStore(db)
	ctx := context.Background()
	topic := topics[len(topics)/2]
	for _, c := range benchLists(topic) {
		l, err := store.List(ctx, c.q)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if len(l.Items) != c.q.Page.Limit || !l.More {
			t.Fatalf("%s: got %d items (more: %v), want a full page of %d and more", c.name, len(l.Items), l.More, c.q.Page.Limit)
		}
		for i, it := range l.Items {
			if it.Status != content.StatusPublished || it.Visibility == content.VisibilityPrivate {
				t.Errorf("%s: item %d is %s/%s, not visible to an anonymous viewer", c.name, it.ID, it.Status, it.Visibility)
			}
			if i > 0 && it.SortedAt.After(l.Items[i-1].SortedAt) {
				t.Errorf("%s: item %d is newer than the one before it", c.name, it.ID)
			}
		}
		if len(c.q.Filter.TopicIDs) == 0 {
			continue
		}
		ids := make([]int64, len(l.Items))
		for i, it := range l.Items {
			ids[i] = it.ID
		}
		filed, err := postgres.NewTopicStore(db).ByContentIDs(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		for i, ts := range filed {
			if !slices.ContainsFunc(ts, func(x *content.Topic) bool { return x.ID == topic }) {
				t.Errorf("%s: item %d is not filed under topic %d", c.name, ids[i], topic)
			}
		}
	}
}
