package notify_test

import (
	"context"
	"errors"
	"log/slog"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/user"
)

// TestHub hands fanned-out events to live subscribers over a real database: each user hears of
// their own notifications only, an event heard twice is handed over once, items reach those
// subscribed to their topics, and a subscriber that stops reading is dropped as too slow
// without holding anyone up.
func TestHub(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.DB.ExecContext(ctx, `
		INSERT INTO users (handle, email, display_name, role) VALUES
			('writer', 'w@example.com', 'Writer', 'author'), ('one', 'one@example.com', 'One', 'reader'),
			('two', 'two@example.com', 'Two', 'reader'), ('slow', 'slow@example.com', 'Slow', 'reader');
		INSERT INTO preferences (user_id) SELECT id FROM users;
		INSERT INTO topics (slug, name) VALUES ('harbors', 'Harbors'), ('mountains', 'Mountains');
		INSERT INTO follows (follower_id, author_id) VALUES (2, 1), (3, 1), (4, 1);
		INSERT INTO contents (slug, author_id, title, kind, language, status, visibility, published_at)
		SELECT 'item-' || n, 1, 'Item ' || n, 'article', 'en', 'draft', 'public', now() FROM generate_series(1, 4) AS n;
		INSERT INTO content_topics (content_id, topic_id) VALUES (1, 1), (2, 2), (3, 1), (4, 1);
		UPDATE contents SET status = 'published';`)
	if err != nil {
		t.Fatal(err)
	}
	store := postgres.NewNotificationStore(db.DB)
	if ids, _, err := store.FanOut(ctx, 100); err != nil || len(ids) != 7 {
		t.Fatalf("fan out 3 follows and 4 publications: %v %v", ids, err)
	}
	var events []int64
	if err := db.DB.SelectContext(ctx, &events, `SELECT id FROM events WHERE kind = 'content_published' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	hub := notify.NewHub(store, postgres.NewContentStore(db.DB), postgres.NewUserStore(db.DB), 3, slog.New(slog.DiscardHandler))
	one := hub.Notifications(ctx, access.Viewer{UserID: 2, Role: user.RoleReader})
	two := hub.Notifications(ctx, access.Viewer{UserID: 3, Role: user.RoleReader})
	slow := hub.Notifications(ctx, access.Viewer{UserID: 4, Role: user.RoleReader})
	harbors := hub.Published(ctx, access.Viewer{}, []int64{1})

	hub.Dispatch(ctx, events[:1])
	hub.Dispatch(ctx, events[:1])
	for name, s := range map[string]*notify.Subscription[*notify.Notification]{"one": one, "two": two} {
		n := <-s.C
		if n.EventID != events[0] || n.Kind != notify.KindFollowedAuthorPublished || n.Content == nil || n.Content.Title != "Item 1" || n.Actor == nil || n.Actor.Handle != "writer" {
			t.Errorf("%s heard %+v", name, n)
		}
		select {
		case extra := <-s.C:
			t.Errorf("%s heard the event twice: %+v", name, extra)
		default:
		}
	}
	if c := <-harbors.C; c.Title != "Item 1" {
		t.Errorf("the harbors subscriber heard of %q", c.Title)
	}

	// The second item is under another topic; the slow subscriber reads nothing from now on.
	hub.Dispatch(ctx, events[1:])
	for i, want := range []string{"Item 3", "Item 4"} {
		select {
		case c := <-harbors.C:
			if c.Title != want {
				t.Errorf("published %d: %q, want %q", i, c.Title, want)
			}
		case <-time.After(time.Second):
			t.Fatalf("published %d did not arrive", i)
		}
	}
	for _, s := range []*notify.Subscription[*notify.Notification]{one, two} {
		for range 3 {
			<-s.C
		}
	}
	if err := slow.Err(); !errors.Is(err, notify.ErrTooSlow) {
		t.Errorf("the slow subscriber ended with %v, want ErrTooSlow", err)
	}
	for deadline := time.Now().Add(2 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		n, p := hub.Counts()
		if n == 2 && p == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("open subscriptions: %d notifications, %d published; want 2 and 1", n, p)
		}
	}
}
