package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/relay"
)

// treeServers are two servers over the package's database: one answers selections in
// batched trees, the other field by field through gqlgen's executor.
type treeServers struct {
	trees, fields *httptest.Server
	answered      *atomic.Int64
}

func newTreeServers(t *testing.T) treeServers {
	t.Helper()
	authService, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	answered := &atomic.Int64{}
	withTrees := testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService)
	withTrees.ObserveTrees = func(ok bool) {
		if ok {
			answered.Add(1)
		}
	}
	fieldByField := testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService)
	fieldByField.FieldByField = true
	s := treeServers{trees: httptest.NewServer(graph.NewHTTPHandler(withTrees)), fields: httptest.NewServer(graph.NewHTTPHandler(fieldByField)), answered: answered}
	t.Cleanup(s.trees.Close)
	t.Cleanup(s.fields.Close)
	return s
}

func rawPost(t *testing.T, url, credential, query string, vars map[string]any) []byte {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestTreesAnswerAsGqlgenDoes sends every shape of read the schema offers, as several
// viewers, to both servers: the answers must be the same bytes, and the trees must have
// answered (not left every selection to gqlgen).
func TestTreesAnswerAsGqlgenDoes(t *testing.T) {
	s := newTreeServers(t)
	aliceKey := principal{userID: alice, scopes: []string{"CONTENT_READ"}}.credential(t)
	items := insertContents(t,
		testContent{slug: "tree-members", title: "Tree members", summary: "Teaser \"quoted\"\tand tabbed.", body: "Members body with\nlines and \u0001.", author: bob, visibility: "members", topics: []int64{1, 2}},
		testContent{slug: "tree-draft", title: "Tree draft", body: "Draft body.", author: alice, status: "draft", topics: []int64{3}},
	)
	member := tokenFor(t, mia)
	for _, id := range []int64{5, 7, items["tree-members"]} {
		record(t, member, relay.ID(relay.TypeContent, id), "BOOKMARK")
	}
	updatePrefs(t, member, map[string]any{"topics": []map[string]any{{"topicId": topicID(1), "weight": 0.75}, {"topicId": topicID(3), "weight": -0.5}},
		"mutedTopicIds": []string{topicID(4)}, "mutedAuthorIds": []string{relay.ID(relay.TypeUser, 6)}, "languages": []string{"en"}, "kinds": []string{"ARTICLE"}})
	postAs(t, member, `mutation($u: ID!) { followUser(input: {userId: $u}) { userErrors { code } } }`, map[string]any{"u": relay.ID(relay.TypeUser, bob)})

	viewers := []struct{ name, credential string }{
		{"anonymous", ""}, {"member", member}, {"author", tokenFor(t, alice)}, {"editor", tokenFor(t, erin)},
		{"admin", tokenFor(t, adam)}, {"a content:read key", aliceKey},
	}
	queries := []struct {
		name, query string
		vars        map[string]any
		// left says gqlgen answers the request itself: a tree declines an argument its
		// resolver refuses, and nodes() lists an interface, which no tree starts from.
		left bool
	}{
		{"the README's first example", `{ contents(first: 10) { totalCount edges { cursor node { id title kind publishedAt
			author { handle displayName contents(first: 3) { edges { node { title } } } } topics { slug name } } } pageInfo { hasNextPage endCursor } } }`, nil, false},
		{"a topic page", `query($t: ID!) { contents(first: 50, filter: {topicIds: [$t]}) { edges { node { id title author { handle contents(first: 3) { edges { node { title } } } } topics { slug name } } } } }`,
			map[string]any{"t": topicID(1)}, false},
		{"every content field", `{ contents(first: 30, filter: {statuses: [PUBLISHED, DRAFT]}) { edges { node { __typename id slug title summary body kind language status visibility
			publishedAt createdAt updatedAt stats { views likes bookmarks __typename } viewerState { viewed liked bookmarked hidden } } } } }`, nil, false},
		{"a content page", `query($s: String!) { content(slug: $s) { id title summary body publishedAt author { handle displayName } topics { slug name } related(first: 5) { id title } } }`,
			map[string]any{"s": "post-7"}, false},
		{"a members-only page", `{ content(slug: "tree-members") { title body author { email } viewerState { bookmarked } } }`, nil, false},
		{"a draft", `{ content(slug: "tree-draft") { title body } }`, nil, false},
		{"related, two levels", `{ content(slug: "post-12") { related(first: 4) { title author { handle } topics { name } related(first: 2) { slug } } } }`, nil, false},
		{"aliases, fragments and skip", `query($skip: Boolean!) { a: contents(first: 3) { edges { node { ...Item t: title } } } b: contents(first: 2, orderBy: {field: TITLE, direction: ASC}) {
			pageInfo { hasNextPage hasPreviousPage startCursor endCursor } edges { cursor node { ... on Content { title } author @skip(if: $skip) { handle } } } } }
			fragment Item on Content { id byline: author { name: displayName first: contents(first: 1) { edges { node { title } } } last: contents(last: 2) { totalCount edges { node { title } } } } }`,
			map[string]any{"skip": true}, false},
		{"backward pages and title order", `{ user(handle: "alice") { contents(last: 3, orderBy: {field: TITLE, direction: DESC}) { edges { cursor node { title } } pageInfo { hasNextPage hasPreviousPage } } } }`, nil, false},
		{"topics with their contents", `{ topics(first: 10) { totalCount pageInfo { endCursor } edges { cursor node { __typename id slug name description contents(first: 2) { totalCount edges { node { title } } } } } } }`, nil, false},
		{"a topic", `{ topic(slug: "go") { name contents(last: 2) { edges { node { slug } } } } }`, nil, false},
		{"the viewer", `{ viewer { id handle displayName bio role email createdAt preferences { topics { topic { slug } weight } languages kinds followedAuthors { handle }
			mutedTopics { slug } mutedAuthors { handle } notifications { email inApp } locale timeZone } bookmarks(first: 10) { totalCount edges { cursor node { title } } pageInfo { hasNextPage } }
			history(first: 2) { edges { node { title } } } } }`, nil, false},
		{"someone else's private fields", `{ user(handle: "mia") { handle email preferences { locale } bookmarks { totalCount } } }`, nil, false},
		{"a search", `{ search(query: "post", first: 5) { edges { rank cursor node { title author { handle } } } pageInfo { hasNextPage endCursor } } }`, nil, false},
		{"nested argument errors", `{ contents(first: 2) { edges { node { author { contents(first: 500) { edges { cursor } } } } } } }`, nil, true},
		{"a bad nested cursor", `{ contents(first: 2) { edges { node { author { contents(first: 2, after: "nope") { edges { cursor } } } } } } }`, nil, true},
		{"related out of bounds", `{ content(slug: "post-3") { related(first: 50) { id } } }`, nil, true},
		{"nodes", `query($a: ID!, $b: ID!, $c: ID!) { nodes(ids: [$a, $b, $c]) { id ... on Content { title author { handle } } ... on User { handle contents(first: 1) { edges { node { title } } } } ... on Topic { name } } }`,
			map[string]any{"a": relay.ID(relay.TypeContent, 9), "b": relay.ID(relay.TypeUser, bob), "c": topicID(2)}, true},
	}
	for _, q := range queries {
		for _, v := range viewers {
			t.Run(q.name+"/"+v.name, func(t *testing.T) {
				before := s.answered.Load()
				got := rawPost(t, s.trees.URL, v.credential, q.query, q.vars)
				want := rawPost(t, s.fields.URL, v.credential, q.query, q.vars)
				if !sameAnswer(t, got, want) {
					// A search cursor carries the second the search was made in: two requests
					// that straddle a second differ there. Ask both again once.
					got = rawPost(t, s.trees.URL, v.credential, q.query, q.vars)
					want = rawPost(t, s.fields.URL, v.credential, q.query, q.vars)
				}
				if !sameAnswer(t, got, want) {
					t.Errorf("trees answered\n%s\nfield by field\n%s", got, want)
				}
				if answered := s.answered.Load() - before; !q.left && answered == 0 && !allNull(got) {
					t.Error("no tree answered the request")
				}
			})
		}
	}
}

// allNull reports whether every root field of an answer is null (nothing for a tree to do).
func allNull(answer []byte) bool {
	var r struct{ Data map[string]any }
	if json.Unmarshal(answer, &r) != nil {
		return false
	}
	for _, v := range r.Data {
		if v != nil {
			return false
		}
	}
	return true
}

// sameAnswer reports whether two answers are the same bytes, but for the order of their
// errors: gqlgen resolves sibling fields concurrently, so errors arrive in any order.
func sameAnswer(t *testing.T, a, b []byte) bool {
	t.Helper()
	if bytes.Equal(a, b) {
		return true
	}
	var x, y struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if json.Unmarshal(a, &x) != nil || json.Unmarshal(b, &y) != nil || !bytes.Equal(x.Data, y.Data) || len(x.Errors) != len(y.Errors) {
		return false
	}
	sort := func(es []json.RawMessage) string {
		s := make([]string, len(es))
		for i, e := range es {
			s[i] = string(e)
		}
		slices.Sort(s)
		return strings.Join(s, "\n")
	}
	return sort(x.Errors) == sort(y.Errors)
}

// TestTreesAnswerFeedPages compares a feed's second page, read from its snapshot, on both
// servers (a first page is ranked afresh, at its own instant).
func TestTreesAnswerFeedPages(t *testing.T) {
	s := newTreeServers(t)
	token := newViewer(t, "tree_feed")
	updatePrefs(t, token, map[string]any{"topics": []map[string]any{{"topicId": topicID(2), "weight": 1.0}}})
	var first struct {
		Data struct {
			Feed struct{ PageInfo struct{ EndCursor string } }
		}
	}
	if err := json.Unmarshal(rawPost(t, s.trees.URL, token, `{ feed(first: 3) { pageInfo { endCursor } } }`, nil), &first); err != nil {
		t.Fatal(err)
	}
	query := `query($after: String!) { feed(first: 5, after: $after) { edges { cursor score node { id title author { handle } topics { slug } viewerState { viewed liked bookmarked } }
		reasons { kind weight explanation topic { slug } author { handle displayName } } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	vars := map[string]any{"after": first.Data.Feed.PageInfo.EndCursor}
	got, want := rawPost(t, s.trees.URL, token, query, vars), rawPost(t, s.fields.URL, token, query, vars)
	if !bytes.Equal(got, want) {
		t.Errorf("trees answered\n%s\nfield by field\n%s", got, want)
	}
	if !strings.Contains(string(got), `"reasons"`) {
		t.Errorf("the page has no reasons: %s", got)
	}
}
