package postgres_test

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/user"
)

// habitsSnapshot is everything interactions derive, with affinities decayed to one instant.
type habitsSnapshot struct {
	states     map[string]string
	counters   map[int64][3]int64
	affinities map[string]float64
}

func snapshotHabits(t *testing.T, ctx context.Context, db *sqlx.DB, at time.Time) habitsSnapshot {
	t.Helper()
	s := habitsSnapshot{states: map[string]string{}, counters: map[int64][3]int64{}, affinities: map[string]float64{}}
	var states []struct {
		UserID, ContentID, Views, DwellMs int64
		Flags                             string
	}
	if err := db.SelectContext(ctx, &states, `SELECT user_id AS userid, content_id AS contentid, views, dwell_ms AS dwellms,
		concat_ws(' ', 'viewed:' || viewed_at, 'liked:' || liked_at, 'bookmarked:' || bookmarked_at, 'hidden:' || hidden_at) AS flags
		FROM content_states`); err != nil {
		t.Fatal(err)
	}
	for _, r := range states {
		s.states[fmt.Sprintf("user %d item %d", r.UserID, r.ContentID)] = fmt.Sprintf("views %d dwell %d %s", r.Views, r.DwellMs, r.Flags)
	}
	var counters []struct{ ID, Views, Likes, Bookmarks int64 }
	if err := db.SelectContext(ctx, &counters, `SELECT id, view_count AS views, like_count AS likes, bookmark_count AS bookmarks FROM contents`); err != nil {
		t.Fatal(err)
	}
	for _, r := range counters {
		s.counters[r.ID] = [3]int64{r.Views, r.Likes, r.Bookmarks}
	}
	var affinities []struct {
		Key   string
		Score float64
	}
	if err := db.SelectContext(ctx, &affinities, `
		SELECT format('user %s topic %s', user_id, topic_id) AS key, score * exp(-extract(epoch FROM $1 - updated_at) / $2) AS score FROM topic_affinities
		UNION ALL
		SELECT format('user %s author %s', user_id, author_id), score * exp(-extract(epoch FROM $1 - updated_at) / $2) FROM author_affinities`,
		at, habits.DecayTime.Seconds()); err != nil {
		t.Fatal(err)
	}
	for _, r := range affinities {
		s.affinities[r.Key] = r.Score
	}
	return s
}

type interaction struct {
	user, item int64
	kind       habits.Kind
	dwell      time.Duration
	at         time.Duration // after the start of the log
}

// TestRebuildEqualsRecord holds the seed's bulk rebuild of habits to what recording the same
// interactions one at a time produces: states, counters and affinities. Viewer 1's
// interactions go through the store's Record, as a live request does; viewer 2's are written
// straight into the log with hours between some of them (as the seed writes its history) and
// folded with habits.Apply, the rule Record follows.
func TestRebuildEqualsRecord(t *testing.T) {
	ctx := context.Background()
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	_, err = db.DB.ExecContext(ctx, `
		INSERT INTO users (handle, email, display_name, role) VALUES
			('one', 'one@example.com', 'One', 'reader'), ('two', 'two@example.com', 'Two', 'reader'),
			('writer', 'w@example.com', 'Writer', 'author'), ('other', 'o@example.com', 'Other', 'author');
		INSERT INTO topics (slug, name) VALUES ('go', 'Go'), ('sql', 'SQL'), ('art', 'Art');
		INSERT INTO contents (slug, author_id, title, kind, language, status, visibility, published_at)
		SELECT 'item-' || n, CASE WHEN n <= 3 THEN 3 ELSE 4 END, 'Item ' || n, 'article', 'en', 'published', 'public', now() - interval '1 day'
		FROM generate_series(1, 5) AS n;
		INSERT INTO content_topics (content_id, topic_id, position) VALUES (1, 2, 0), (1, 1, 1), (2, 1, 0), (3, 3, 0), (4, 2, 0), (4, 3, 1);`)
	if err != nil {
		t.Fatal(err)
	}
	var topics []string
	if err := db.DB.SelectContext(ctx, &topics, `SELECT topic_ids::text FROM contents ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"{2,1}", "{1}", "{3}", "{2,3}", "{}"}; fmt.Sprint(topics) != fmt.Sprint(want) {
		t.Fatalf("contents.topic_ids = %v, want %v in position order", topics, want)
	}

	live := []interaction{
		{1, 1, habits.Like, 0, 0}, {1, 1, habits.Like, 0, 0}, {1, 1, habits.Unlike, 0, 0}, {1, 1, habits.Unlike, 0, 0},
		{1, 2, habits.Unlike, 0, 0}, {1, 2, habits.Like, 0, 0}, {1, 2, habits.View, 2 * time.Minute, 0},
		{1, 2, habits.View, 10 * time.Minute, 0}, {1, 3, habits.Bookmark, 0, 0}, {1, 3, habits.Unbookmark, 0, 0},
		{1, 3, habits.Bookmark, 0, 0}, {1, 4, habits.Hide, 0, 0}, {1, 4, habits.Unhide, 0, 0}, {1, 4, habits.Share, 0, 0},
		{1, 5, habits.Unhide, 0, 0}, {1, 5, habits.View, 0, 0},
	}
	store := postgres.NewHabitStore(db.DB)
	for _, x := range live {
		if err := store.Record(ctx, access.Viewer{UserID: x.user, Role: user.RoleReader}, x.item, x.kind, x.dwell); err != nil {
			t.Fatalf("record %+v: %v", x, err)
		}
	}
	var now time.Time
	if err := db.DB.GetContext(ctx, &now, `SELECT now()`); err != nil {
		t.Fatal(err)
	}
	recorded := snapshotHabits(t, ctx, db.DB, now)

	// Viewer 2's history, three days long, folded in Go as Record would have applied it.
	start := now.Add(-72 * time.Hour).Truncate(time.Second)
	history := []interaction{
		{2, 1, habits.View, time.Minute, 0}, {2, 1, habits.View, 3 * time.Minute, 10 * time.Minute},
		{2, 1, habits.View, 8 * time.Minute, 50 * time.Minute}, {2, 1, habits.Like, 0, time.Hour},
		{2, 1, habits.Like, 0, 2 * time.Hour}, {2, 1, habits.Unlike, 0, 30 * time.Hour}, {2, 1, habits.Like, 0, 40 * time.Hour},
		{2, 2, habits.Unbookmark, 0, 0}, {2, 2, habits.Bookmark, 0, time.Hour}, {2, 2, habits.Bookmark, 0, 2 * time.Hour},
		{2, 3, habits.Hide, 0, 5 * time.Hour}, {2, 3, habits.Hide, 0, 6 * time.Hour}, {2, 3, habits.Share, 0, 7 * time.Hour},
		{2, 4, habits.Share, 0, 8 * time.Hour}, {2, 4, habits.Share, 0, 8 * time.Hour}, {2, 4, habits.View, 0, 9 * time.Hour},
		{2, 4, habits.View, time.Hour, 9*time.Hour + 29*time.Minute},
	}
	// Recorded in time order, as Record sees them.
	slices.SortStableFunc(history, func(a, b interaction) int { return cmp.Compare(a.at, b.at) })
	itemTopics := map[int64][]int64{1: {2, 1}, 2: {1}, 3: {3}, 4: {2, 3}}
	itemAuthor := map[int64]int64{1: 3, 2: 3, 3: 3, 4: 4, 5: 4}
	type acc struct {
		score float64
		at    time.Time
	}
	folded := map[int64]habits.State{}
	affinity := map[string]*acc{}
	counters := recorded.counters
	for _, x := range history {
		at := start.Add(x.at)
		var dwell any
		if x.kind == habits.View {
			dwell = x.dwell.Milliseconds()
		}
		if _, err := db.DB.ExecContext(ctx, `INSERT INTO interactions (user_id, content_id, kind, dwell_ms, created_at) VALUES ($1, $2, $3, $4, $5)`,
			x.user, x.item, x.kind, dwell, at); err != nil {
			t.Fatal(err)
		}
		ch := habits.Apply(folded[x.item], x.kind, x.dwell, at)
		folded[x.item] = ch.State
		c := counters[x.item]
		counters[x.item] = [3]int64{c[0] + int64(ch.Views), c[1] + int64(ch.Likes), c[2] + int64(ch.Bookmarks)}
		if ch.Signal == 0 {
			continue
		}
		keys := []string{fmt.Sprintf("user 2 author %d", itemAuthor[x.item])}
		for _, tp := range itemTopics[x.item] {
			keys = append(keys, fmt.Sprintf("user 2 topic %d", tp))
		}
		for _, k := range keys {
			a := affinity[k]
			if a == nil {
				a = &acc{at: at}
				affinity[k] = a
			}
			a.score, a.at = habits.Decay(a.score, at.Sub(a.at))+ch.Signal, at
		}
	}
	want := recorded
	want.counters = counters
	for item, st := range folded {
		flag := func(name string, at *time.Time) string {
			if at == nil {
				return ""
			}
			return " " + name + ":" + at.In(now.Location()).Format("2006-01-02 15:04:05-07")
		}
		flags := flag("viewed", st.ViewedAt) + flag("liked", st.LikedAt) + flag("bookmarked", st.BookmarkedAt) + flag("hidden", st.HiddenAt)
		want.states[fmt.Sprintf("user 2 item %d", item)] = fmt.Sprintf("views %d dwell %d %s", st.Views, st.DwellMs, strings.TrimSpace(flags))
	}
	for k, a := range affinity {
		want.affinities[k] = habits.Decay(a.score, now.Sub(a.at))
	}

	tx, err := db.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.RebuildHabits(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	rebuilt := snapshotHabits(t, ctx, db.DB, now)

	for k, w := range want.states {
		if got := rebuilt.states[k]; got != w {
			t.Errorf("%s: rebuilt state %q, recorded %q", k, got, w)
		}
	}
	if len(rebuilt.states) != len(want.states) {
		t.Errorf("rebuilt %d states, recorded %d", len(rebuilt.states), len(want.states))
	}
	for id, w := range want.counters {
		if got := rebuilt.counters[id]; got != w {
			t.Errorf("item %d: rebuilt counters (views, likes, bookmarks) %v, recorded %v", id, got, w)
		}
	}
	for k, w := range want.affinities {
		if got, ok := rebuilt.affinities[k]; !ok || math.Abs(got-w) > 1e-6*math.Max(1, math.Abs(w)) {
			t.Errorf("%s: rebuilt affinity %.9f (present %v), recorded %.9f", k, got, ok, w)
		}
	}
	for k := range rebuilt.affinities {
		if _, ok := want.affinities[k]; !ok {
			t.Errorf("%s: rebuilt an affinity nothing recorded", k)
		}
	}
}
