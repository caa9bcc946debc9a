package loaders_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/sqlstats"
)

// benchAuthors is the number of keys in one batch: about the authors of a page of 50 items.
const benchAuthors = 50

// benchStores returns the stores over a fresh database holding benchAuthors authors with 20
// published public items each, and the authors' IDs. The database is dropped when tb ends.
func benchStores(tb testing.TB) (loaders.Stores, []int64) {
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
	dataset := fmt.Sprintf(`
		INSERT INTO users (handle, email, display_name, role, is_demo)
		SELECT 'author_' || n, 'author' || n || '@example.com', 'Author ' || n, 'author', true
		FROM generate_series(1, %d) AS n;
		INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at)
		SELECT 'item-' || u.id || '-' || i, u.id, 'Item ' || i || ' by ' || u.handle, 'A summary.', 'A body.',
		       'article', 'en', 'published', 'public', timestamptz '2026-01-01' + (u.id * 100 + i) * interval '1 minute'
		FROM users u CROSS JOIN generate_series(1, 20) AS i;
		ANALYZE users;
		ANALYZE contents;`, benchAuthors)
	if _, err := db.DB.ExecContext(ctx, dataset); err != nil {
		tb.Fatalf("insert the dataset: %v", err)
	}
	var ids []int64
	if err := db.DB.SelectContext(ctx, &ids, "SELECT id FROM users ORDER BY id"); err != nil {
		tb.Fatal(err)
	}
	return loaders.Stores{Users: postgres.NewUserStore(db.DB), Topics: postgres.NewTopicStore(db.DB), Contents: postgres.NewContentStore(db.DB), Interactions: postgres.NewInteractionStore(db.DB), Accounts: postgres.NewAccountStore(db.DB)}, ids
}

// benchConfigs are the loader settings the benchmarks run with: a batch that runs as soon as
// it holds every key (the read alone, deterministic), and the default 1ms window (what a
// request waits for each level of its query).
func benchConfigs() []struct {
	name string
	cfg  loaders.Config
} {
	return []struct {
		name string
		cfg  loaders.Config
	}{
		{"full-batch", loaders.Config{Wait: time.Second, MaxBatch: benchAuthors}},
		{"default-window", loaders.Config{Wait: time.Millisecond, MaxBatch: 1000}},
	}
}

// loadUsers loads every author through a new request's UserByID loader and returns the
// number of statements it ran.
func loadUsers(tb testing.TB, s loaders.Stores, cfg loaders.Config, ids []int64) int64 {
	ctx, counter := sqlstats.WithCounter(context.Background())
	l := loaders.New(context.Background(), s, cfg, access.Viewer{})
	users, errs := l.UserByID.LoadMany(ctx, ids)()
	for i, u := range users {
		if errs != nil && errs[i] != nil {
			tb.Fatal(errs[i])
		}
		if u == nil || u.ID != ids[i] {
			tb.Fatalf("user %d: got %+v", ids[i], u)
		}
	}
	return counter.Count()
}

// loadNewest3 loads every author's three newest items through a new request's
// ContentsByAuthor loader, key by key as the resolvers do, and returns the number of
// statements it ran.
func loadNewest3(tb testing.TB, s loaders.Stores, cfg loaders.Config, ids []int64) int64 {
	ctx, counter := sqlstats.WithCounter(context.Background())
	l := loaders.New(context.Background(), s, cfg, access.Viewer{})
	thunks := make([]func() (content.List, error), len(ids))
	for i, id := range ids {
		thunks[i] = l.ContentsByAuthor.Load(ctx, loaders.NewChildPage(id, content.NewestFirst(), relay.Page{Limit: 3}, content.AllFields))
	}
	for i, thunk := range thunks {
		list, err := thunk()
		if err != nil {
			tb.Fatal(err)
		}
		if len(list.Items) != 3 || !list.More || list.Items[0].AuthorID != ids[i] {
			tb.Fatalf("author %d: got %d items (more: %v)", ids[i], len(list.Items), list.More)
		}
	}
	return counter.Count()
}

// BenchmarkLoaderBatch measures one batch of 50 keys through a request's loaders: the
// authors by ID (UserByID) and each author's three newest items (ContentsByAuthor, one
// LATERAL statement for all of them).
func BenchmarkLoaderBatch(b *testing.B) {
	s, ids := benchStores(b)
	for _, load := range []struct {
		name string
		fn   func(testing.TB, loaders.Stores, loaders.Config, []int64) int64
	}{{"UserByID", loadUsers}, {"ContentsByAuthor-first-3", loadNewest3}} {
		for _, c := range benchConfigs() {
			b.Run(load.name+"/"+c.name, func(b *testing.B) {
				b.ReportAllocs()
				var stmts, n int64
				for b.Loop() {
					stmts += load.fn(b, s, c.cfg, ids)
					n++
				}
				b.ReportMetric(float64(stmts)/float64(n), "stmts/op")
			})
		}
	}
}

// TestLoaderBatchIsOneStatement keeps the benchmark honest under `go test`: a full batch of
// keys, however many, is read with exactly one statement.
func TestLoaderBatchIsOneStatement(t *testing.T) {
	s, ids := benchStores(t)
	cfg := benchConfigs()[0].cfg
	if n := loadUsers(t, s, cfg, ids); n != 1 {
		t.Errorf("UserByID: %d keys took %d statements, want 1", len(ids), n)
	}
	if n := loadNewest3(t, s, cfg, ids); n != 1 {
		t.Errorf("ContentsByAuthor: %d keys took %d statements, want 1", len(ids), n)
	}
}
