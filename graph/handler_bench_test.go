package graph_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/tailorhq/tailor/graph"
)

// benchListQuery has W1's shape. Run with skip=true, the handler reads, parses, validates and
// scores the whole document but resolves nothing, so the request costs no SQL: what remains is
// the fixed cost of a GraphQL request in the gateway.
const benchListQuery = `query Bench($skip: Boolean!) {
  contents(first: 20) @skip(if: $skip) {
    edges { node { id title summary publishedAt author { handle displayName } topics { slug name } } }
  }
}`

// benchCase is one request the benchmarks send through the package's real handler.
type benchCase struct {
	name string
	// body returns the request body of iteration i.
	body func(i int) []byte
	// statements is how many SQL statements each request must run.
	statements int
}

func benchCases(t testing.TB) []benchCase {
	encode := func(query string, vars map[string]any) []byte {
		b, err := json.Marshal(map[string]any{"query": query, "variables": vars})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cached := encode(benchListQuery, map[string]any{"skip": true})
	full := encode(benchListQuery, map[string]any{"skip": false})
	// A comment that changes every time makes every query text new to the query cache, so each
	// request is parsed and validated again.
	quoted, err := json.Marshal(benchListQuery + "\n# ")
	if err != nil {
		t.Fatal(err)
	}
	prefix := []byte(`{"variables":{"skip":true},"query":` + string(quoted[:len(quoted)-1]))
	return []benchCase{
		{name: "parse-validate/cached", body: func(int) []byte { return cached }},
		{name: "parse-validate/uncached", body: func(i int) []byte {
			b := append([]byte(nil), prefix...)
			b = strconv.AppendInt(b, int64(i), 10)
			return append(b, `"}`...)
		}},
		{name: "contents-first-20", body: func(int) []byte { return full }, statements: 3},
	}
}

// serveOnce sends body to the package's handler in process, without a network round trip,
// and fails unless the answer is a clean 200 that ran the expected number of statements.
func serveOnce(t testing.TB, h http.Handler, c benchCase, i int) {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(c.body(i)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		t.Fatalf("%s: status %d: %s", c.name, rec.Code, rec.Body.Bytes())
	}
	if got := rec.Header().Get(graph.StatementsHeader); got != strconv.Itoa(c.statements) {
		t.Fatalf("%s: ran %s statements, want %d", c.name, got, c.statements)
	}
}

// BenchmarkGraphQLRequest measures one request through the real handler (request checks,
// loaders, the gqlgen executor with its query cache, the error presenter): parse+validate
// served by the query cache, parse+validate of a new query text, and W1's list against the
// test fixture.
func BenchmarkGraphQLRequest(b *testing.B) {
	h := testEnv.server.Config.Handler
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			serveOnce(b, h, c, -1) // warms the query cache for the cached case
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				serveOnce(b, h, c, i)
				i++
			}
		})
	}
}

// TestBenchmarkRequestsAnswer keeps the benchmark's requests valid under `go test` without
// -bench: each one answers cleanly with the statements it is expected to run.
func TestBenchmarkRequestsAnswer(t *testing.T) {
	h := testEnv.server.Config.Handler
	for _, c := range benchCases(t) {
		serveOnce(t, h, c, 0)
	}
}
