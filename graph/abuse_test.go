package graph_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/relay"
)

// abuseServer is a server over the package's database configured as production is: default
// limits, a 1 MB body, the default attempt policy. Its logs are kept for the tests to read.
type abuseServer struct {
	url  string
	logs *syncBuffer
}

func newAbuseServer(t *testing.T) abuseServer {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelInfo}))
	authService, err := newTestAuth(testEnv.db, auth.DefaultAttemptPolicy(), logger)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(testEnv.db, logger, authService)
	opts.MaxBodyBytes = 1 << 20
	srv := httptest.NewServer(graph.NewHTTPHandler(opts))
	t.Cleanup(srv.Close)
	return abuseServer{url: srv.URL, logs: logs}
}

// call is one request to an abuse server.
type call struct {
	from       string // the client address, sent in testClientHeader
	credential string
	query      string
	vars       map[string]any
	accept     string
}

// answer is a response with its headers.
type answer struct {
	response
	header http.Header
	raw    []byte
}

func (s abuseServer) send(t *testing.T, c call) answer {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": c.query, "variables": c.vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.url+"/graphql", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if c.from != "" {
		req.Header.Set(testClientHeader, c.from)
	}
	if c.credential != "" {
		req.Header.Set("Authorization", "Bearer "+c.credential)
	}
	if c.accept != "" {
		req.Header.Set("Accept", c.accept)
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
	a := answer{header: res.Header, raw: raw}
	if err := json.Unmarshal(raw, &a.response); err != nil {
		t.Fatalf("response is not JSON (status %d): %.300s", res.StatusCode, raw)
	}
	a.status = res.StatusCode
	a.statements, _ = strconv.Atoi(res.Header.Get(graph.StatementsHeader))
	return a
}

// dataState is what a refused request must leave unchanged.
type dataState struct {
	Interactions int    `db:"interactions"`
	Attempts     int    `db:"attempts"`
	Contents     int    `db:"contents"`
	Views        int    `db:"views"`
	RevokedKeys  int    `db:"revoked_keys"`
	Roles        string `db:"roles"`
	Edits        string `db:"edits"`
}

func readState(t *testing.T) dataState {
	t.Helper()
	var s dataState
	err := testEnv.db.DB.Get(&s, `SELECT (SELECT count(*) FROM interactions) AS interactions,
		(SELECT count(*) FROM auth_attempts) AS attempts, (SELECT count(*) FROM contents) AS contents,
		(SELECT coalesce(sum(view_count), 0) FROM contents) AS views,
		(SELECT count(*) FROM api_keys WHERE revoked_at IS NOT NULL) AS revoked_keys,
		(SELECT string_agg(role, ',' ORDER BY id) FROM users) AS roles,
		(SELECT coalesce(max(updated_at)::text, '') FROM contents) AS edits`)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// aliases repeats a field under n aliases.
func aliases(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	return b.String()
}

// fragmentBombQuery nests n fragments, each spreading the previous one twice under two
// aliases of related.
func fragmentBombQuery(n int) string {
	var b strings.Builder
	b.WriteString("query Bomb { contents(first: 1) { edges { node { ...F" + strconv.Itoa(n) + " } } } }\n")
	b.WriteString("fragment F0 on Content { id }\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Content { a: related(first: 1) { ...F%d } b: related(first: 1) { ...F%d } }\n", i, i-1, i-1)
	}
	return b.String()
}

// TestRefusedBeforeAnythingRuns sends the probes an attacker would: each is refused with its
// code before any resolver runs (no SQL statement beyond authenticating the caller) and
// nothing is written.
func TestRefusedBeforeAnythingRuns(t *testing.T) {
	s := newAbuseServer(t)
	readerToken := tokenFor(t, carol)
	adminToken := tokenFor(t, adam)
	tests := []struct {
		name, credential, query string
		code, limit             string
	}{
		{"22 nested fragments", "", fragmentBombQuery(22), "QUERY_TOO_COMPLEX", "fields"},
		{"6,000 fields under one response name", "", "{ " + strings.Repeat("viewer { id } ", 6000) + "}", "QUERY_TOO_COMPLEX", "tokens"},
		{"__typename 10,000 times", "", "{ " + strings.Repeat("__typename ", 10000) + "}", "QUERY_TOO_COMPLEX", "tokens"},
		{"60 fields under one response name", readerToken, "{ viewer { " + strings.Repeat("id ", 60) + "} }", "QUERY_TOO_COMPLEX", "sameName"},
		{"a 1 MB document", "", "{ " + strings.Repeat("__typename ", 95000) + "}", "QUERY_TOO_COMPLEX", "tokens"},
		{"the whole schema twenty times", "", "{ " + aliases(20, "__schema { types { name fields { name } } }") + "}", "QUERY_TOO_COMPLEX", "introspection"},
		{"three levels of related under 50 items", "", `{ contents(first: 50) { edges { node { related(first: 20) { related(first: 20) { related(first: 20) { id } } } } } } }`,
			"QUERY_TOO_COMPLEX", "complexity"},
		{"40 aliased log-ins", "", "mutation { " + aliases(40, `logIn(input: {login: "carol", password: "guess"}) { accessToken }`) + "}", "QUERY_TOO_COMPLEX", "aliases"},
		{"two log-ins", "", `mutation { a: logIn(input: {login: "carol", password: "one guess"}) { accessToken } b: logIn(input: {login: "carol", password: "another guess"}) { accessToken } }`,
			"BAD_USER_INPUT", ""},
		{"log-ins beside a role change", adminToken, `mutation { a: logIn(input: {login: "adam", password: "wrong"}) { accessToken }
			b: logIn(input: {login: "adam", password: "right"}) { accessToken }
			c: changeRole(input: {userId: "VXNlcjoz", role: ADMIN}) { user { role } } }`, "BAD_USER_INPUT", ""},
		{"sign-up beside a query field", "", `mutation { signUp(input: {email: "x@example.com", handle: "xyz", displayName: "X", password: "a fine long password"}) { accessToken }
			logOut(input: {}) { revoked } }`, "BAD_USER_INPUT", ""},
		{"500 aliased searches", "", "{ " + aliases(500, `search(query: "data") { edges { cursor } }`) + "}", "QUERY_TOO_COMPLEX", "tokens"},
		{"31 aliased searches", "", "{ " + aliases(31, `search(query: "data") { edges { cursor } }`) + "}", "QUERY_TOO_COMPLEX", "aliases"},
		{"50 aliased views", readerToken, "mutation { " + aliases(50, `recordInteraction(input: {contentId: "Q29udGVudDox", kind: VIEW}) { userErrors { code } }`) + "}",
			"QUERY_TOO_COMPLEX", "aliases"},
		{"depth 18", readerToken, "{ viewer " + strings.Repeat("{ contents(first: 1) { edges { node { author ", 4) + "{ handle }" + strings.Repeat(" } } } }", 4) + " }",
			"QUERY_TOO_COMPLEX", "depth"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readState(t)
			a := s.send(t, call{credential: tc.credential, query: tc.query})
			if len(a.Errors) != 1 || a.Errors[0].Extensions["code"] != tc.code {
				t.Fatalf("errors = %+v, want one %s", a.Errors, tc.code)
			}
			ext := a.Errors[0].Extensions
			if tc.limit != "" && (ext["limit"] != tc.limit || ext["max"] == nil || ext["value"] == nil) {
				t.Errorf("extensions = %v, want the %s limit with its maximum and measured value", ext, tc.limit)
			}
			if a.Data != nil {
				t.Errorf("a refused request carries data: %s", a.Data)
			}
			// Only the caller's session is read; no resolver runs.
			if want := map[bool]int{true: 0, false: 1}[tc.credential == ""]; a.statements != want {
				t.Errorf("ran %d SQL statements, want %d", a.statements, want)
			}
			if after := readState(t); after != before {
				t.Errorf("data changed: %+v, then %+v", before, after)
			}
		})
	}
}

// TestBadTextIsBadInput sends NUL bytes and oversized pages where a client might: each is
// BAD_USER_INPUT naming the problem, never an internal error.
func TestBadTextIsBadInput(t *testing.T) {
	s := newAbuseServer(t)
	cursor := relay.Cursor{Order: "contents/published_at-desc", Key: "2026\x00", ID: 1}.Encode()
	tests := []struct {
		name, query string
		vars        map[string]any
		message     string
	}{
		{"NUL in a slug", `query($s: String!) { content(slug: $s) { id } }`, map[string]any{"s": "post\x001"}, "variables.s: text must not contain control characters (found U+0000)"},
		{"NUL in a literal slug", `{ content(slug: "post\u00001") { id } }`, nil, "content.slug: text must not contain control characters (found U+0000)"},
		{"NUL in a handle", `query($h: String!) { user(handle: $h) { id } }`, map[string]any{"h": "ali\x00ce"}, "variables.h: text must not contain control characters"},
		{"NUL in a login", `mutation($l: String!) { logIn(input: {login: $l, password: "whatever it is"}) { accessToken } }`, map[string]any{"l": "carol\x00"}, "variables.l: text must not contain control characters"},
		{"NUL in a cursor", `query($c: String!) { contents(first: 2, after: $c) { edges { cursor } } }`, map[string]any{"c": "abc\x00"}, "variables.c: text must not contain control characters"},
		{"NUL inside a cursor's encoding", `query($c: String!) { contents(first: 2, after: $c) { edges { cursor } } }`, map[string]any{"c": cursor}, "after: the cursor is not valid"},
		{"an escape character in a title", `mutation($in: CreateContentInput!) { createContent(input: $in) { content { id } } }`,
			map[string]any{"in": map[string]any{"title": "A\x1b[31m", "summary": "", "body": "", "kind": "ARTICLE", "language": "en", "topicIds": []string{"VG9waWM6MQ"}, "visibility": "PUBLIC"}},
			"variables.in.title: text must not contain control characters (found U+001B)"},
		{"first: 100000", `{ contents(first: 100000) { edges { cursor } } }`, nil, "first must be between 1 and 100, got 100000"},
		{"related first: 1000", `{ content(slug: "post-1") { related(first: 1000) { id } } }`, nil, "first must be between 1 and 20, got 1000"},
		{"feed first: 100000", `{ feed(first: 100000) { edges { cursor } } }`, nil, "first must be between 1 and 100, got 100000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := readState(t)
			a := s.send(t, call{credential: tokenFor(t, alice), query: tc.query, vars: tc.vars})
			if len(a.Errors) == 0 || a.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || !strings.Contains(a.Errors[0].Message, tc.message) {
				t.Fatalf("errors = %+v, want BAD_USER_INPUT containing %q", a.Errors, tc.message)
			}
			if after := readState(t); after != before {
				t.Errorf("data changed: %+v, then %+v", before, after)
			}
		})
	}
	if strings.Contains(s.logs.String(), "level=ERROR") {
		t.Errorf("bad input was logged as an error:\n%s", s.logs.String())
	}
}

// TestLogInBackOff guesses passwords as an attacker would: per account and per client
// address, past the free attempts every guess is refused with RATE_LIMITED, a Retry-After
// header and extensions.retryAfter, even the right password; failures are logged with the
// login and the address and never the password.
func TestLogInBackOff(t *testing.T) {
	s := newAbuseServer(t)
	policy := auth.DefaultAttemptPolicy()
	const pw = "a fine long password"
	handle := uniq("guessed")
	signUpAs := func(from, h string) answer {
		return s.send(t, call{from: from, query: `mutation($in: SignUpInput!) { signUp(input: $in) { accessToken userErrors { code } } }`,
			vars: map[string]any{"in": map[string]any{"email": h + "@example.com", "handle": h, "displayName": "Guessed", "password": pw}}})
	}
	if a := signUpAs("198.51.100.1", handle); len(a.Errors) > 0 {
		t.Fatalf("sign-up: %+v", a.Errors)
	}
	logIn := func(from, login, password string) answer {
		return s.send(t, call{from: from, query: `mutation($l: String!, $p: String!) { logIn(input: {login: $l, password: $p}) { accessToken } }`,
			vars: map[string]any{"l": login, "p": password}})
	}
	code := func(a answer) string {
		if len(a.Errors) == 0 {
			return "ok"
		}
		c, _ := a.Errors[0].Extensions["code"].(string)
		return c
	}

	t.Run("per account", func(t *testing.T) {
		// Each guess from another address: only the account's count grows.
		for i := range policy.AccountFree + 1 {
			if got := code(logIn(fmt.Sprintf("203.0.113.%d", i+1), handle, "wrong guess "+strconv.Itoa(i))); got != "UNAUTHENTICATED" {
				t.Fatalf("guess %d: %s, want UNAUTHENTICATED", i+1, got)
			}
		}
		before := readState(t)
		a := logIn("203.0.113.99", handle, pw)
		if code(a) != "RATE_LIMITED" {
			t.Fatalf("the right password while waiting: %s, want RATE_LIMITED", code(a))
		}
		retry, _ := a.Errors[0].Extensions["retryAfter"].(float64)
		if retry < 1 || a.header.Get("Retry-After") != strconv.Itoa(int(retry)) {
			t.Errorf("retryAfter = %v, Retry-After = %q", a.Errors[0].Extensions["retryAfter"], a.header.Get("Retry-After"))
		}
		if after := readState(t); after != before {
			t.Errorf("a refused attempt was recorded: %+v, then %+v", before, after)
		}
	})

	t.Run("per address", func(t *testing.T) {
		const from = "192.0.2.200"
		for i := range policy.AddressFree + 1 {
			if got := code(logIn(from, "nobody_"+strconv.Itoa(i), "wrong guess")); got != "UNAUTHENTICATED" {
				t.Fatalf("guess %d: %s, want UNAUTHENTICATED", i+1, got)
			}
		}
		if got := code(logIn(from, "nobody_else", "wrong guess")); got != "RATE_LIMITED" {
			t.Fatalf("guess %d from one address: %s, want RATE_LIMITED", policy.AddressFree+2, got)
		}
		if got := code(logIn("192.0.2.201", "nobody_else", "wrong guess")); got != "UNAUTHENTICATED" {
			t.Errorf("another address is held back too: %s", got)
		}
	})

	t.Run("sign-ups per address", func(t *testing.T) {
		const from = "192.0.2.210"
		for i := range policy.SignUpFree + 1 {
			if a := signUpAs(from, uniq("many")); code(a) != "ok" {
				t.Fatalf("sign-up %d: %+v", i+1, a.Errors)
			}
		}
		if a := signUpAs(from, uniq("many")); code(a) != "RATE_LIMITED" {
			t.Fatalf("sign-up %d from one address: %s, want RATE_LIMITED", policy.SignUpFree+2, code(a))
		}
	})

	t.Run("failures are logged without the password", func(t *testing.T) {
		logs := s.logs.String()
		if !strings.Contains(logs, `msg="log-in failed" login=`+handle+` address=203.0.113.1`) {
			t.Errorf("no log line names the failed login and its address:\n%s", logs)
		}
		if strings.Contains(logs, "wrong guess") || strings.Contains(logs, pw) {
			t.Error("a password reached the logs")
		}
	})
}

// TestViewsCountOnce sends twenty views of one item in one request: the item's views grow by one.
func TestViewsCountOnce(t *testing.T) {
	s := newAbuseServer(t)
	token := newViewer(t, "pumps_views")
	item := relay.ID(relay.TypeContent, 7)
	views := func() int {
		var n int
		if err := testEnv.db.DB.Get(&n, `SELECT view_count FROM contents WHERE id = 7`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := views()
	a := s.send(t, call{credential: token, query: "mutation { " + aliases(20, fmt.Sprintf(`recordInteraction(input: {contentId: %q, kind: VIEW}) { userErrors { code } }`, item)) + "}"})
	if len(a.Errors) > 0 {
		t.Fatalf("errors: %+v", a.Errors)
	}
	if got := views(); got != before+1 {
		t.Errorf("views %d → %d, want one more", before, got)
	}
}

// TestSearchNeverReadsGatedBodies checks negated words: whether a members-only body holds a
// word must not change what a non-member finds.
func TestSearchNeverReadsGatedBodies(t *testing.T) {
	s := newAbuseServer(t)
	insertContents(t, testContent{slug: "zorbix-gated", title: "Zorbix field notes", summary: "A teaser about zorbix.",
		body: "The swordfish is the secret.", author: bob, visibility: "members", topics: []int64{1}})
	found := func(credential, q string) bool {
		a := s.send(t, call{credential: credential, query: `query($q: String!) { search(query: $q) { edges { node { slug } } } }`, vars: map[string]any{"q": q}})
		var d struct {
			Search struct {
				Edges []struct{ Node struct{ Slug string } }
			}
		}
		a.ok(t, &d)
		for _, e := range d.Search.Edges {
			if e.Node.Slug == "zorbix-gated" {
				return true
			}
		}
		return false
	}
	for _, who := range []struct{ name, credential string }{{"anonymous", ""}, {"reader", tokenFor(t, carol)}} {
		if found(who.credential, "zorbix -swordfish") != found(who.credential, "zorbix -marlin") {
			t.Errorf("%s: negating a word of the gated body changes the results", who.name)
		}
		if !found(who.credential, "zorbix -marlin") {
			t.Errorf("%s: the teaser does not match", who.name)
		}
		if found(who.credential, "swordfish") {
			t.Errorf("%s: a body word matches", who.name)
		}
	}
	member := tokenFor(t, mia)
	if found(member, "zorbix -swordfish") || !found(member, "zorbix -marlin") {
		t.Error("a member's search does not read the body")
	}
	if found("", "-zorbix") {
		t.Error("a query of negations only matches")
	}
}

// TestResponsesAreNotCached checks that no GraphQL answer may be stored by a browser or a
// proxy, and that metrics are not served on the public address.
func TestResponsesAreNotCached(t *testing.T) {
	s := newAbuseServer(t)
	for _, q := range []string{`{ topics(first: 1) { edges { cursor } } }`, `mutation { logIn(input: {login: "nobody", password: "x"}) { accessToken } }`, `{ nope }`} {
		if a := s.send(t, call{from: "192.0.2.50", query: q}); a.header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control = %q, want no-store", q, a.header.Get("Cache-Control"))
		}
	}
	for _, path := range []string{"/metrics", "/debug/pprof/"} {
		res, err := http.Get(s.url + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s on the public address: %d, want 404", path, res.StatusCode)
		}
	}
}
