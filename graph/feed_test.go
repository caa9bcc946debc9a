package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/relay"
)

const feedQuery = `query($first: Int, $after: String) {
  feed(first: $first, after: $after) {
    edges { cursor score node { id slug author { handle } topics { slug } viewerState { viewed } }
      reasons { kind weight explanation topic { slug } author { handle } } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  }
}`

type feedEdge struct {
	Cursor string
	Score  float64
	Node   struct {
		ID, Slug string
		Author   struct{ Handle string }
		Topics   []struct{ Slug string }
	}
	Reasons []struct {
		Kind        string
		Weight      float64
		Explanation string
		Topic       *struct{ Slug string }
		Author      *struct{ Handle string }
	}
}

func (e feedEdge) hasTopic(slug string) bool {
	for _, t := range e.Node.Topics {
		if t.Slug == slug {
			return true
		}
	}
	return false
}

func (e feedEdge) reason(kind string) (float64, bool) {
	for _, r := range e.Reasons {
		if r.Kind == kind {
			return r.Weight, true
		}
	}
	return 0, false
}

type feedPage struct {
	Feed struct {
		Edges    []feedEdge
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			EndCursor                    string
		}
	}
}

// newViewer signs up a fresh account so each test tailors a feed of its own.
func newViewer(t *testing.T, name string) string {
	t.Helper()
	handle := uniq(name)
	d := signUp(t, handle+"@example.com", handle, "a fine long password")
	if d.SignUp.AccessToken == nil {
		t.Fatalf("sign up %s: %+v", handle, d.SignUp.UserErrors)
	}
	return *d.SignUp.AccessToken
}

func updatePrefs(t *testing.T, token string, input map[string]any) {
	t.Helper()
	var d struct {
		UpdatePreferences struct {
			UserErrors []struct{ Field, Code string }
		}
	}
	postAs(t, token, `mutation($in: UpdatePreferencesInput!) { updatePreferences(input: $in) { userErrors { field code } } }`,
		map[string]any{"in": input}).ok(t, &d)
	if len(d.UpdatePreferences.UserErrors) > 0 {
		t.Fatalf("updatePreferences: %+v", d.UpdatePreferences.UserErrors)
	}
}

func record(t *testing.T, token, contentID, kind string) {
	t.Helper()
	var d struct {
		RecordInteraction struct{ UserErrors []struct{ Code string } }
	}
	postAs(t, token, `mutation($id: ID!, $k: InteractionKind!) { recordInteraction(input: {contentId: $id, kind: $k}) { userErrors { code } } }`,
		map[string]any{"id": contentID, "k": kind}).ok(t, &d)
	if len(d.RecordInteraction.UserErrors) > 0 {
		t.Fatalf("recordInteraction: %+v", d.RecordInteraction.UserErrors)
	}
}

// wholeFeed reads every page of the viewer's feed.
func wholeFeed(t *testing.T, token string) []feedEdge {
	t.Helper()
	var all []feedEdge
	vars := map[string]any{"first": 50}
	for i := 0; i < 20; i++ {
		var p feedPage
		postAs(t, token, feedQuery, vars).ok(t, &p)
		all = append(all, p.Feed.Edges...)
		if !p.Feed.PageInfo.HasNextPage {
			return all
		}
		vars["after"] = p.Feed.PageInfo.EndCursor
	}
	t.Fatal("the feed does not end")
	return nil
}

func topicID(n int64) string { return relay.ID(relay.TypeTopic, n) }

const (
	topicGo      = 1
	topicCooking = 2
	topicTravel  = 3
	topicMusic   = 4
)

func TestLikedTopicRanksFirst(t *testing.T) {
	token := newViewer(t, "likes_travel")
	updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicTravel), "weight": 1.0}}})
	feed := wholeFeed(t, token)
	// 20 fixture posts are filed under travel; they must fill the top of the feed.
	for i, e := range feed[:20] {
		if !e.hasTopic("travel") {
			t.Fatalf("item %d (%s) is not about travel; the liked topic should rank first", i, e.Node.Slug)
		}
		if w, ok := e.reason("LIKED_TOPIC"); !ok || w <= 0 {
			t.Errorf("item %d has no LIKED_TOPIC reason: %+v", i, e.Reasons)
		}
	}
	if feed[20].hasTopic("travel") {
		t.Errorf("item 20 (%s) is about travel; expected exactly 20 travel items on top", feed[20].Node.Slug)
	}
}

func TestDislikedTopicSinks(t *testing.T) {
	token := newViewer(t, "hates_cooking")
	updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicCooking), "weight": -1.0}}})
	feed := wholeFeed(t, token)
	seenCooking := false
	for i, e := range feed {
		if e.hasTopic("cooking") {
			seenCooking = true
			if w, ok := e.reason("DISLIKED_TOPIC"); !ok || w >= 0 {
				t.Errorf("cooking item %s lacks a negative DISLIKED_TOPIC reason: %+v", e.Node.Slug, e.Reasons)
			}
			continue
		}
		if seenCooking {
			t.Fatalf("item %d (%s) ranks below a disliked cooking item", i, e.Node.Slug)
		}
	}
	if !seenCooking {
		t.Fatal("no cooking item in the feed at all; the check proves nothing")
	}
}

func TestMutedTopicsAuthorsAndHiddenItemsNeverAppear(t *testing.T) {
	token := newViewer(t, "mutes_things")
	updatePrefs(t, token, map[string]any{
		"mutedTopicIds":  []string{topicID(topicMusic)},
		"mutedAuthorIds": []string{relay.ID(relay.TypeUser, bob)},
	})
	before := wholeFeed(t, token)
	hidden := before[0]
	record(t, token, hidden.Node.ID, "HIDE")
	after := wholeFeed(t, token)
	for _, e := range after {
		switch {
		case e.hasTopic("music"):
			t.Errorf("%s is filed under the muted topic music", e.Node.Slug)
		case e.Node.Author.Handle == "bob":
			t.Errorf("%s is by the muted author bob", e.Node.Slug)
		case e.Node.ID == hidden.Node.ID:
			t.Errorf("%s was hidden but is in the feed", e.Node.Slug)
		}
	}
	if len(after) != len(before)-1 {
		t.Errorf("hiding one item took the feed from %d to %d items", len(before), len(after))
	}
	record(t, token, hidden.Node.ID, "UNHIDE")
	if again := wholeFeed(t, token); len(again) != len(before) {
		t.Errorf("after UNHIDE the feed has %d items, want %d", len(again), len(before))
	}
}

func TestFollowingBoostsAnAuthor(t *testing.T) {
	token := newViewer(t, "follows_dora")
	var d struct {
		FollowUser struct {
			User       struct{ Handle string }
			UserErrors []struct{ Code string }
		}
	}
	postAs(t, token, `mutation($id: ID!) { followUser(input: {userId: $id}) { user { handle } userErrors { code } } }`,
		map[string]any{"id": relay.ID(relay.TypeUser, dora)}).ok(t, &d)
	if d.FollowUser.User.Handle != "dora" {
		t.Fatalf("followUser = %+v", d.FollowUser)
	}
	feed := wholeFeed(t, token)
	for i, e := range feed[:5] { // dora wrote five public posts
		if e.Node.Author.Handle != "dora" {
			t.Fatalf("item %d is by %s; the followed author should rank first", i, e.Node.Author.Handle)
		}
		if _, ok := e.reason("FOLLOWED_AUTHOR"); !ok {
			t.Errorf("item %d lacks a FOLLOWED_AUTHOR reason", i)
		}
	}
	postAs(t, token, `mutation($id: ID!) { unfollowUser(input: {userId: $id}) { userErrors { code } } }`,
		map[string]any{"id": relay.ID(relay.TypeUser, dora)}).ok(t, &map[string]any{})
	if first := wholeFeed(t, token)[0]; first.Node.Author.Handle == "dora" {
		if _, ok := first.reason("FOLLOWED_AUTHOR"); ok {
			t.Error("the feed still boosts dora after unfollowing")
		}
	}
}

func TestReasonsAddUpToTheScoreThatPlacedTheItem(t *testing.T) {
	token := newViewer(t, "checks_reasons")
	updatePrefs(t, token, map[string]any{
		"topics":    []map[string]any{{"topicId": topicID(topicGo), "weight": 0.8}, {"topicId": topicID(topicTravel), "weight": -0.4}},
		"languages": []string{"en"}, "kinds": []string{"VIDEO"},
	})
	record(t, token, relay.ID(relay.TypeContent, 7), "VIEW")
	feed := wholeFeed(t, token)
	kinds := map[string]bool{}
	for i, e := range feed {
		sum := 0.0
		for _, r := range e.Reasons {
			sum += r.Weight
			kinds[r.Kind] = true
			if r.Explanation == "" {
				t.Errorf("reason %s of %s has no explanation", r.Kind, e.Node.Slug)
			}
		}
		if math.Abs(sum-e.Score) > 1e-3 {
			t.Errorf("%s: reasons add up to %.4f, score is %.4f", e.Node.Slug, sum, e.Score)
		}
		if i > 0 && e.Score > feed[i-1].Score+1e-9 {
			t.Errorf("%s (%.4f) ranks below a lower score (%.4f)", e.Node.Slug, e.Score, feed[i-1].Score)
		}
	}
	for _, k := range []string{"LIKED_TOPIC", "DISLIKED_TOPIC", "PREFERRED_LANGUAGE", "OTHER_LANGUAGE", "PREFERRED_KIND", "ALREADY_SEEN"} {
		if !kinds[k] {
			t.Errorf("no item was explained by %s", k)
		}
	}
}

func TestFeedPagesAreStableWhileContentAndInteractionsArrive(t *testing.T) {
	token := newViewer(t, "pages_through")
	updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicTravel), "weight": 1.0}}})
	other := newViewer(t, "busy_neighbour")
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM contents WHERE slug LIKE 'arrives-%'`) })
	var seen []string
	vars := map[string]any{"first": 7}
	for page := 0; ; page++ {
		var p feedPage
		postAs(t, token, feedQuery, vars).ok(t, &p)
		for _, e := range p.Feed.Edges {
			seen = append(seen, e.Node.Slug)
		}
		if !p.Feed.PageInfo.HasNextPage {
			break
		}
		vars["after"] = p.Feed.PageInfo.EndCursor
		// Between pages: a new travel item is published and others engage with the feed's items.
		id := insertPublished(t, fmt.Sprintf("arrives-%d", page), topicTravel)
		record(t, other, id, "LIKE")
		if len(p.Feed.Edges) > 0 {
			record(t, token, p.Feed.Edges[0].Node.ID, "LIKE")
			record(t, other, p.Feed.Edges[len(p.Feed.Edges)-1].Node.ID, "BOOKMARK")
		}
	}
	count := map[string]int{}
	for _, s := range seen {
		count[s]++
		if strings.HasPrefix(s, "arrives-") {
			t.Errorf("%s was published after the first page but appeared while paging", s)
		}
	}
	for s, n := range count {
		if n > 1 {
			t.Errorf("%s appeared %d times", s, n)
		}
	}
	if want := len(wholeFeedBefore(t, token)); len(seen) != want-countArrived(t) {
		t.Errorf("paging listed %d items; a fresh feed (without the %d new items) lists %d", len(seen), countArrived(t), want-countArrived(t))
	}
}

// wholeFeedBefore reads a fresh feed; it includes the items published meanwhile.
func wholeFeedBefore(t *testing.T, token string) []feedEdge { return wholeFeed(t, token) }

func countArrived(t *testing.T) int {
	var n int
	if err := testEnv.db.DB.Get(&n, `SELECT count(*) FROM contents WHERE slug LIKE 'arrives-%'`); err != nil {
		t.Fatal(err)
	}
	return n
}

// insertPublished writes a public published item by erin under one topic and returns its ID.
func insertPublished(t *testing.T, slug string, topic int64) string {
	t.Helper()
	var id int64
	if err := testEnv.db.DB.QueryRow(`INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at)
		VALUES ($1, $2, 'Arrives', 'New.', 'New body.', 'article', 'en', 'published', 'public', now()) RETURNING id`, slug, erin).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if _, err := testEnv.db.DB.Exec(`INSERT INTO content_topics (content_id, topic_id) VALUES ($1, $2)`, id, topic); err != nil {
		t.Fatal(err)
	}
	return relay.ID(relay.TypeContent, id)
}

func TestFeedVisibility(t *testing.T) {
	var anon feedPage
	post(t, `{ feed(first: 100) { edges { node { slug body } reasons { kind } } } }`, nil).ok(t, &anon)
	hidden := map[string]bool{"alice-draft": true, "alice-private": true, "bob-scheduled": true, "bob-deleted": true}
	for _, e := range anon.Feed.Edges {
		if hidden[e.Node.Slug] {
			t.Errorf("%s is in the anonymous feed", e.Node.Slug)
		}
		for _, r := range e.Reasons {
			if r.Kind != "FRESH" && r.Kind != "POPULAR" {
				t.Errorf("an anonymous feed item is explained by %s", r.Kind)
			}
		}
	}
	if len(anon.Feed.Edges) < 50 {
		t.Errorf("the anonymous feed lists %d items", len(anon.Feed.Edges))
	}
}

func TestFeedStatementsDoNotGrowWithPageSize(t *testing.T) {
	token := newViewer(t, "counts_feed")
	updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicGo), "weight": 0.5}}})
	const q = `query($n: Int!) { feed(first: $n) { edges { node { title author { handle } topics { slug } viewerState { liked } } reasons { kind } } } }`
	counts := map[int]int{}
	for _, n := range []int{2, 50} {
		r := postAs(t, token, q, map[string]any{"n": n})
		var d feedPage
		r.ok(t, &d)
		if len(d.Feed.Edges) != n {
			t.Fatalf("feed(first: %d) returned %d items", n, len(d.Feed.Edges))
		}
		counts[n] = r.statements
	}
	if counts[2] != counts[50] || counts[50] > 6 {
		t.Errorf("feed ran %d statements for 2 items and %d for 50; want the same, at most 6", counts[2], counts[50])
	}
}

func TestFeedBadInput(t *testing.T) {
	token := newViewer(t, "bad_feed_input")
	var p feedPage
	postAs(t, token, feedQuery, map[string]any{"first": 2}).ok(t, &p)
	tests := []struct {
		name, token string
		vars        map[string]any
		message     string
	}{
		{"zero first", token, map[string]any{"first": 0}, "first must be between 1 and 100, got 0"},
		{"malformed cursor", token, map[string]any{"after": "nope"}, `after: "nope" is not a valid cursor`},
		{"contents cursor", token, map[string]any{"after": relay.Cursor{Order: "contents/published_at-desc", Key: "x", ID: 1}.Encode()}, "the cursor belongs to another list"},
		{"another viewer's feed", newViewer(t, "not_the_owner"), map[string]any{"after": p.Feed.PageInfo.EndCursor}, "this feed has expired or belongs to another viewer"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := postAs(t, tc.token, feedQuery, tc.vars)
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(r.Errors[0].Message, tc.message) {
				t.Errorf("errors = %+v, want BAD_USER_INPUT containing %q", r.Errors, tc.message)
			}
		})
	}
}

// snapshotOf returns the stored ranking a page's cursors point into.
func snapshotOf(t *testing.T, p feedPage) string {
	t.Helper()
	if len(p.Feed.Edges) == 0 {
		t.Fatal("an empty feed page")
	}
	c, err := relay.DecodeCursor("after", p.Feed.Edges[0].Cursor, "feed")
	if err != nil {
		t.Fatal(err)
	}
	return c.Key
}

// engage records an interaction of kind with the fourth item of the page before.
func engage(kind string) func(t *testing.T, token string, before feedPage) {
	return func(t *testing.T, token string, before feedPage) {
		record(t, token, before.Feed.Edges[3].Node.ID, kind)
	}
}

// authorAffinityShown checks that after an engagement with the fourth item of before, an item
// by its author is explained by the new affinity.
func authorAffinityShown(t *testing.T, before, after feedPage) {
	author := before.Feed.Edges[3].Node.Author.Handle
	for _, e := range after.Feed.Edges {
		if _, ok := e.reason("AUTHOR_AFFINITY"); ok && e.Node.Author.Handle == author {
			return
		}
	}
	t.Errorf("after engaging with an item by %s, none of their items is explained by AUTHOR_AFFINITY", author)
}

// A stored first page is shown again only while nothing that ranks the feed has changed: each
// signal makes the next first page a new ranking that shows it, with no wait.
func TestEverySignalEndsTheReuseOfAFirstPage(t *testing.T) {
	authService, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService)
	opts.Services, _ = testServices(testEnv.db, authService, time.Hour)
	srv := httptest.NewServer(graph.NewHTTPHandler(opts))
	defer srv.Close()
	ask := func(token string) (feedPage, int) {
		t.Helper()
		body, _ := json.Marshal(map[string]any{"query": feedQuery, "variables": map[string]any{"first": 20}})
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+token)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var r struct {
			Data   feedPage
			Errors []struct{ Message string }
		}
		if err := json.NewDecoder(res.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("feed: %v %+v", err, r.Errors)
		}
		n, _ := strconv.Atoi(res.Header.Get(graph.StatementsHeader))
		return r.Data, n
	}
	ids := func(p feedPage) map[string]bool {
		m := map[string]bool{}
		for _, e := range p.Feed.Edges {
			m[e.Node.ID] = true
		}
		return m
	}
	tests := []struct {
		name string
		// signal changes the viewer's state, given the first page before it; shows checks the
		// new first page.
		signal func(t *testing.T, token string, before feedPage)
		shows  func(t *testing.T, before, after feedPage)
	}{
		{"a stated topic", func(t *testing.T, token string, _ feedPage) {
			updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicMusic), "weight": 1.0}}})
		}, func(t *testing.T, _, after feedPage) {
			if _, ok := after.Feed.Edges[0].reason("LIKED_TOPIC"); !ok || !after.Feed.Edges[0].hasTopic("music") {
				t.Errorf("the first item after liking music is %s, not a music item explained by LIKED_TOPIC", after.Feed.Edges[0].Node.Slug)
			}
		}},
		{"a follow", func(t *testing.T, token string, _ feedPage) {
			var d struct {
				FollowUser struct{ UserErrors []struct{ Code string } }
			}
			postAs(t, token, `mutation($id: ID!) { followUser(input: {userId: $id}) { userErrors { code } } }`,
				map[string]any{"id": relay.ID(relay.TypeUser, bob)}).ok(t, &d)
		}, func(t *testing.T, _, after feedPage) {
			if _, ok := after.Feed.Edges[0].reason("FOLLOWED_AUTHOR"); !ok {
				t.Errorf("the first item after following bob is %s by %s, without FOLLOWED_AUTHOR", after.Feed.Edges[0].Node.Slug, after.Feed.Edges[0].Node.Author.Handle)
			}
		}},
		{"a muted topic", func(t *testing.T, token string, _ feedPage) {
			updatePrefs(t, token, map[string]any{"mutedTopicIds": []string{topicID(topicGo)}})
		}, func(t *testing.T, _, after feedPage) {
			for _, e := range after.Feed.Edges {
				if e.hasTopic("go") {
					t.Errorf("%s is about a muted topic", e.Node.Slug)
				}
			}
		}},
		{"a hide", func(t *testing.T, token string, before feedPage) {
			record(t, token, before.Feed.Edges[0].Node.ID, "HIDE")
		}, func(t *testing.T, before, after feedPage) {
			if ids(after)[before.Feed.Edges[0].Node.ID] {
				t.Errorf("the hidden item %s is still on the first page", before.Feed.Edges[0].Node.Slug)
			}
		}},
		{"an unhide", func(t *testing.T, token string, before feedPage) {
			record(t, token, before.Feed.Edges[0].Node.ID, "HIDE")
			if hidden, _ := ask(token); ids(hidden)[before.Feed.Edges[0].Node.ID] {
				t.Fatalf("the hidden item %s is on the first page", before.Feed.Edges[0].Node.Slug)
			}
			record(t, token, before.Feed.Edges[0].Node.ID, "UNHIDE")
		}, func(t *testing.T, before, after feedPage) {
			if !ids(after)[before.Feed.Edges[0].Node.ID] {
				t.Errorf("the unhidden item %s is not back on the first page", before.Feed.Edges[0].Node.Slug)
			}
		}},
		{"a like", engage("LIKE"), authorAffinityShown},
		{"a bookmark", engage("BOOKMARK"), authorAffinityShown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := newViewer(t, "fresh_feed")
			before, ranked := ask(token)
			again, reused := ask(token)
			if snapshotOf(t, again) != snapshotOf(t, before) || reused >= ranked {
				t.Fatalf("with nothing changed, the first page was ranked anew (%d statements, then %d)", ranked, reused)
			}
			tt.signal(t, token, before)
			after, _ := ask(token)
			if snapshotOf(t, after) == snapshotOf(t, before) {
				t.Fatalf("after %s the first page is the stored ranking", tt.name)
			}
			tt.shows(t, before, after)
		})
	}
}
