package graph_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

func TestBadInput(t *testing.T) {
	contentCursor := relay.Cursor{Order: "contents/published_at-desc", Key: "2026-01-01T00:00:00Z", ID: 1}.Encode()
	topicCursor := relay.Cursor{Order: "topics/name-asc", Key: "Go", ID: 1}.Encode()
	topicID := relay.ID(relay.TypeTopic, 1)
	tests := []struct {
		name, query, message string
		vars                 map[string]any
	}{
		{"zero first", `{ contents(first: 0) { edges { cursor } } }`, "first must be between 1 and 100, got 0", nil},
		{"negative last", `{ contents(last: -3) { edges { cursor } } }`, "last must be between 1 and 100, got -3", nil},
		{"oversized first", `{ contents(first: 101) { edges { cursor } } }`, "first must be between 1 and 100, got 101", nil},
		{"oversized first on a child list", `{ user(handle: "alice") { contents(first: 500) { edges { cursor } } } }`, "first must be between 1 and 100, got 500", nil},
		{"first with last", `{ contents(first: 2, last: 2) { edges { cursor } } }`, "pass either first or last, not both", nil},
		{"after with last", fmt.Sprintf(`{ contents(last: 2, after: %q) { edges { cursor } } }`, contentCursor), "after pages forward: use it with first, or use before with last", nil},
		{"malformed cursor", `{ contents(first: 2, after: "not-a-cursor") { edges { cursor } } }`, `after: "not-a-cursor" is not a valid cursor; pass a cursor returned by this connection`, nil},
		{"cursor of another list", fmt.Sprintf(`{ contents(first: 2, after: %q) { edges { cursor } } }`, topicCursor),
			"after: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy", nil},
		{"cursor of another ordering", fmt.Sprintf(`{ contents(first: 2, after: %q, orderBy: {field: TITLE}) { edges { cursor } } }`, contentCursor),
			"after: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy", nil},
		{"cursor of contents on topics", fmt.Sprintf(`{ topics(last: 2, before: %q) { edges { cursor } } }`, contentCursor),
			"before: the cursor belongs to another list or ordering; pass a cursor returned by this connection with the same orderBy", nil},
		{"malformed ID", `{ content(id: "%%%") { title } }`, `id: "%%%" is not a valid ID`, nil},
		{"ID of another type", fmt.Sprintf(`{ content(id: %q) { title } }`, topicID), fmt.Sprintf(`id: %q is a Topic ID, expected a Content ID`, topicID), nil},
		{"malformed node ID", `{ node(id: "bm9wZQ") { id } }`, `id: "bm9wZQ" is not a valid ID`, nil},
		{"both id and slug", fmt.Sprintf(`{ content(id: %q, slug: "post-1") { title } }`, relay.ID(relay.TypeContent, 1)), "give exactly one of id or slug", nil},
		{"neither id nor handle", `{ user { handle } }`, "give exactly one of id or handle", nil},
		{"unknown topic slug in filter", `{ contents(filter: {topicSlugs: ["knitting"]}) { edges { cursor } } }`, `filter.topicSlugs: no topic has the slug "knitting"`, nil},
		{"unknown topic ID in filter", fmt.Sprintf(`{ contents(filter: {topicIds: [%q]}) { edges { cursor } } }`, relay.ID(relay.TypeTopic, 999)),
			fmt.Sprintf(`filter.topicIds: no topic has the ID %q`, relay.ID(relay.TypeTopic, 999)), nil},
		{"user ID as topic in filter", fmt.Sprintf(`{ contents(filter: {topicIds: [%q]}) { edges { cursor } } }`, relay.ID(relay.TypeUser, 1)),
			fmt.Sprintf(`filter.topicIds: %q is a User ID, expected a Topic ID`, relay.ID(relay.TypeUser, 1)), nil},
		{"bad language code", `{ contents(filter: {languages: ["English"]}) { edges { cursor } } }`,
			`filter.languages: "English" is not a two-letter lowercase ISO 639-1 code such as "en"`, nil},
		{"unknown enum value", `{ contents(filter: {kinds: [BOOK]}) { edges { cursor } } }`, `Value "BOOK" does not exist in "ContentKind!" enum.`, nil},
		{"unknown enum value in a variable", `query($k: [ContentKind!]) { contents(filter: {kinds: $k}) { edges { cursor } } }`,
			`BOOK is not a valid ContentKind`, map[string]any{"k": []string{"BOOK"}}},
		{"too many nodes", fmt.Sprintf(`{ nodes(ids: [%s]) { id } }`, strings.TrimSuffix(strings.Repeat(`"x",`, 101), ",")), "ids: at most 100 IDs, got 101", nil},
		{"unknown field", `{ contents { edges { node { price } } } }`, `Cannot query field "price" on type "Content".`, nil},
		{"syntax error", `{ contents { `, `Expected Name, found <EOF>`, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, tc.query, tc.vars)
			if len(r.Errors) == 0 {
				t.Fatalf("expected an error, got %s", r.Data)
			}
			e := r.Errors[0]
			if e.Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("code = %v, want BAD_USER_INPUT", e.Extensions["code"])
			}
			if !strings.Contains(e.Message, tc.message) {
				t.Errorf("message = %q, want it to contain %q", e.Message, tc.message)
			}
			for _, leak := range []string{"SELECT", "pq:", "goroutine", ".go:"} {
				if strings.Contains(e.Message, leak) {
					t.Errorf("message leaks internals: %q", e.Message)
				}
			}
		})
	}
}

func TestNotGraphQL(t *testing.T) {
	tests := []struct {
		name, method, contentType, body string
		status                          int
		message                         string
	}{
		{"bad JSON", http.MethodPost, "application/json", `{"query": `, http.StatusBadRequest, "the request body is not a valid JSON object"},
		{"JSON that is not an object", http.MethodPost, "application/json", `[1, 2]`, http.StatusBadRequest, "the request body is not a valid JSON object"},
		{"no query", http.MethodPost, "application/json", `{"variables": {}}`, http.StatusBadRequest, "the request has no query"},
		{"empty body", http.MethodPost, "application/json", ``, http.StatusBadRequest, "the request body is not a valid JSON object"},
		{"form body", http.MethodPost, "text/plain", `query={contents{totalCount}}`, http.StatusUnsupportedMediaType, "send the request as Content-Type: application/json"},
		{"GET without a query", http.MethodGet, "", ``, http.StatusBadRequest, "the request has no query"},
		{"PUT", http.MethodPut, "application/json", `{"query": "{ topics { totalCount } }"}`, http.StatusMethodNotAllowed, "use POST (or GET for queries)"},
		{"oversized body", http.MethodPost, "application/json", `{"query": "` + strings.Repeat(" ", 70<<10) + `{ topics { totalCount } }"}`, http.StatusRequestEntityTooLarge, "the request body is larger than 65536 bytes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := send(t, tc.method, "/graphql", tc.contentType, []byte(tc.body))
			if r.status != tc.status {
				t.Errorf("status = %d, want %d", r.status, tc.status)
			}
			if len(r.Errors) != 1 || !strings.Contains(r.Errors[0].Message, tc.message) || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
				t.Errorf("errors = %+v, want one BAD_USER_INPUT error containing %q", r.Errors, tc.message)
			}
		})
	}
}
