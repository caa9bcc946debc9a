package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tailorhq/tailor/graph"
)

// FuzzGraphQLRequest sends arbitrary request bodies through the real handler: whatever the
// body, the answer is a GraphQL-shaped JSON document, never a panic, a 5xx or an INTERNAL error.
// Its corpus is in testdata/fuzz/FuzzGraphQLRequest; CI runs it for a short while.
func FuzzGraphQLRequest(f *testing.F) {
	for _, seed := range []string{
		`{"query": "{ topics(first: 2) { edges { cursor node { slug } } } }"}`,
		`{"query": "query($s: String!) { content(slug: $s) { title body author { handle } } }", "variables": {"s": "post-1"}}`,
		`{"query": "{ contents(first: 100000) { edges { cursor } } }"}`,
		`{"query": "{ search(query: \"zorbix -swordfish\") { edges { rank } } }"}`,
		`{"query": "mutation { a: logIn(input: {login: \"carol\", password: \"x\"}) { accessToken } b: logIn(input: {login: \"carol\", password: \"y\"}) { accessToken } }"}`,
		`{"query": "query($c: String) { contents(first: 2, after: $c) { edges { cursor } } }", "variables": {"c": "\u0000"}}`,
		`{"query": "{ node(id: \"Q29udGVudDox\") { id ... on Content { related(first: 3) { id } } } }"}`,
		`{"extensions": {"persistedQuery": {"version": 1, "sha256Hash": "abc"}}}`,
		`{"query": "{ feed(first: 5) { edges { score reasons { kind weight } } } }"}`,
		`{"query": "query F { ...A } fragment A on Query { ...A }"}`,
	} {
		f.Add([]byte(seed))
	}
	authService, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	h := graph.NewHTTPHandler(testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService))
	f.Fuzz(func(t *testing.T, body []byte) {
		req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		res := rec.Result()
		raw, _ := io.ReadAll(res.Body)
		if res.StatusCode >= 500 {
			t.Fatalf("status %d for %q: %s", res.StatusCode, body, raw)
		}
		var r struct {
			Data   json.RawMessage
			Errors []struct {
				Message    string
				Extensions map[string]any
			}
		}
		if err := json.Unmarshal(raw, &r); err != nil {
			t.Fatalf("the answer to %q is not JSON: %s", body, raw)
		}
		if r.Data == nil && len(r.Errors) == 0 {
			t.Fatalf("the answer to %q has neither data nor errors: %s", body, raw)
		}
		for _, e := range r.Errors {
			if e.Extensions["code"] == "INTERNAL" || e.Extensions["code"] == nil {
				t.Fatalf("the answer to %q carries an error without a contract code: %s", body, raw)
			}
		}
	})
}
