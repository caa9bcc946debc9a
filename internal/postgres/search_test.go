package postgres_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// TestSearchWithAndWithoutTheOrderedIndex runs the same searches with the ordered RUM index and
// with the GIN fallback: both rank the newest search.Scanned matches, so both find the same
// results in the same order, for a word too common to rank every match and for a rare one.
func TestSearchWithAndWithoutTheOrderedIndex(t *testing.T) {
	ctx := context.Background()
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	var ordered bool
	if err := db.DB.GetContext(ctx, &ordered, `SELECT EXISTS (SELECT 1 FROM pg_indexes WHERE indexname = 'contents_search_rum_idx')`); err != nil {
		t.Fatal(err)
	}
	if !ordered {
		t.Fatal("the test database has no ordered search index: install the RUM extension (Debian: postgresql-15-rum)")
	}
	// 3,000 items: every one says "harbor"; one in a hundred also says "lighthouse".
	_, err = db.DB.ExecContext(ctx, `INSERT INTO users (handle, email, display_name, role) VALUES ('writer', 'w@example.com', 'Writer', 'author');
		INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at)
		SELECT 'item-' || n, 1, 'Harbor notes ' || n, CASE WHEN n % 100 = 0 THEN 'A lighthouse story.' ELSE 'A harbor story.' END,
			'Body.', 'article', 'en', 'published', CASE WHEN n % 7 = 0 THEN 'members' ELSE 'public' END,
			timestamptz '2026-01-01' + n * interval '1 minute'
		FROM generate_series(1, 3000) AS n;
		INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility)
		SELECT 'draft-' || n, 1, 'Harbor draft ' || n, 'A lighthouse draft.', 'Body.', 'article', 'en', 'draft', 'public'
		FROM generate_series(1, 20) AS n;
		ANALYZE contents;`)
	if err != nil {
		t.Fatal(err)
	}
	// "harbor" is common enough for the ordered index's servers to look for it in the window of
	// the newest items; the others are not, or, with "harbor lighthouse", too few items of the
	// window match, and the index is asked.
	var common bool
	if err := db.DB.GetContext(ctx, &common, `SELECT coalesce(max(m.freq), 0) >= 0.25 FROM pg_stats s,
		unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(word, freq)
		WHERE s.tablename = 'contents' AND s.attname = 'search' AND m.word = 'harbor'`); err != nil || !common {
		t.Fatalf("harbor is not among the common words of the statistics (%v)", err)
	}
	viewers := map[string]access.Viewer{"anonymous": {}, "the author of the drafts": {UserID: 1, Role: user.RoleAuthor}}
	run := func(store *postgres.ContentStore, viewer, text string) []string {
		res, err := store.Search(ctx, search.Query{Viewer: viewers[viewer], Text: text, Page: relay.Page{Limit: 50},
			Fields: content.FieldSlug, At: time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)})
		if err != nil {
			t.Fatal(err)
		}
		out := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			out[i] = fmt.Sprintf("%s %.6f", h.Content.Slug, h.Rank)
		}
		return out
	}
	queries := []string{"harbor", "lighthouse", "harbor -lighthouse", "notes", "harbor lighthouse"}
	withIndex := map[string][]string{}
	store := postgres.NewContentStore(db.DB)
	for v := range viewers {
		for _, q := range queries {
			withIndex[v+": "+q] = run(store, v, q)
		}
	}
	if got := withIndex["the author of the drafts: harbor lighthouse"]; len(got) != 50 || got[0][:6] != "draft-" {
		t.Errorf("the author's drafts, which match best, are not first in their own search: %v", got)
	}
	if _, err := db.DB.ExecContext(ctx, `DROP INDEX contents_search_rum_idx`); err != nil {
		t.Fatal(err)
	}
	fallback := postgres.NewContentStore(db.DB)
	for v := range viewers {
		for _, q := range queries {
			got, want := run(fallback, v, q), withIndex[v+": "+q]
			if len(want) == 0 || fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s, %q: without the ordered index %v, with it %v", v, q, got, want)
			}
		}
	}
}
