package postgres_test

import (
	"context"
	"testing"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/user"
)

// Keeping a snapshot clears expired ones, a few at a time, and its reasons read back as kept.
func TestKeepClearsExpiredSnapshots(t *testing.T) {
	ctx := context.Background()
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if _, err := db.DB.ExecContext(ctx, `
		INSERT INTO users (handle, email, display_name, role) VALUES ('one', 'one@example.com', 'One', 'reader'), ('writer', 'w@example.com', 'Writer', 'author');
		INSERT INTO contents (slug, author_id, title, kind, language, status, visibility, published_at)
			VALUES ('item', 2, 'Item', 'article', 'en', 'published', 'public', now());
		INSERT INTO feed_snapshots (user_id, expires_at, items, scores, reasons, reason_ends)
			SELECT 1, now() - interval '1 hour', '{1}', '{1}', '', '{0}' FROM generate_series(1, 10);`); err != nil {
		t.Fatal(err)
	}
	store := postgres.NewFeedStore(db.DB)
	v := access.Viewer{UserID: 1, Role: user.RoleReader}
	ranked := []feed.Ranked{{ContentID: 1, Score: 0.5, Reasons: []feed.Reason{{Kind: feed.Fresh, Weight: 0.3}, {Kind: feed.Popular, Weight: 0.2}}}}
	expired := func() (n int) {
		if err := db.DB.GetContext(ctx, &n, `SELECT count(*) FROM feed_snapshots WHERE expires_at < now()`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	var id int64
	for keeps, want := range []int{6, 2, 0} {
		var shown []*content.Content
		id, shown, err = store.Keep(ctx, v, "", 0, ranked, []int64{1})
		if err != nil {
			t.Fatal(err)
		}
		if len(shown) != 1 {
			t.Fatalf("Keep returned %d contents, want the one shown", len(shown))
		}
		if got := expired(); got != want {
			t.Fatalf("after %d keeps: %d expired snapshots, want %d", keeps+1, got, want)
		}
	}
	items, ok, err := store.FeedPage(ctx, v, id, 0, 5)
	if err != nil || !ok {
		t.Fatalf("FeedPage: ok %v, err %v", ok, err)
	}
	if len(items) != 1 || len(items[0].Reasons) != 2 || items[0].Reasons[0].Kind != feed.Fresh || items[0].Reasons[1].Weight != 0.2 {
		t.Fatalf("page read back %+v, want the kept item with its two reasons", items)
	}
}
