package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

// benchHandler returns the GraphQL handler as `tailor serve` configures it by default (loader
// window, page sizes, query cache, limits), over the package's test database, with statement
// counting on. The package's test server uses a wider loader window, which would dominate.
func benchHandler(t testing.TB) http.Handler {
	cfg, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	db := testEnv.db.DB
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	key, err := auth.NewKey("bench")
	if err != nil {
		t.Fatal(err)
	}
	accounts := postgres.NewAccountStore(db)
	authService, err := auth.NewService(accounts, accounts, auth.DefaultAttemptPolicy(), auth.NewTokens(key, nil, time.Hour, time.Now), logger)
	if err != nil {
		t.Fatal(err)
	}
	services, stores := testServices(testEnv.db, authService, 0)
	return graph.NewHTTPHandler(graph.Options{
		Logger:           logger,
		Services:         services,
		Stores:           stores,
		Loaders:          loaders.Config{Wait: cfg.LoaderWait, MaxBatch: cfg.LoaderMaxBatch},
		PageSize:         relay.Limits{Default: cfg.PageSizeDefault, Max: cfg.PageSizeMax},
		MaxComplexity:    cfg.MaxComplexity,
		Limits:           graph.DefaultOperationLimits(),
		MaxBodyBytes:     cfg.MaxBodyBytes,
		Timeout:          cfg.RequestTimeout,
		QueryCacheSize:   cfg.QueryCacheSize,
		ReportStatements: true,
		Ready:            db.PingContext,
	})
}

// benchListQuery has W1's shape. Run with skip=true, the handler reads, parses, validates and
// scores the whole document but resolves nothing, so the request costs no SQL: what remains is
// the fixed cost of a GraphQL request in the gateway.
const benchListQuery = `query Bench($skip: Boolean!) {
  contents(first: 20) @skip(if: $skip) {
    edges { node { id title summary publishedAt author { handle displayName } topics { slug name } } }
  }
}`

// benchCase is one request the benchmarks send through the handler.
type benchCase struct {
	name string
	// body returns the request body of iteration i.
	body func(i int) []byte
	// noSQL says the request must run no SQL statement at all. The others run one statement
	// per level of their query, or more when a loader window closes early on a busy machine,
	// so their count is reported (stmts/op), not asserted.
	noSQL bool
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
		{name: "parse-validate/cached", body: func(int) []byte { return cached }, noSQL: true},
		{name: "parse-validate/uncached", noSQL: true, body: func(i int) []byte {
			b := append([]byte(nil), prefix...)
			b = strconv.AppendInt(b, int64(i), 10)
			return append(b, `"}`...)
		}},
		{name: "contents-first-20", body: func(int) []byte { return full }},
	}
}

// serveOnce sends body to h in process, without a network round trip, fails unless the answer
// is a clean 200, and returns the number of SQL statements it ran.
func serveOnce(t testing.TB, h http.Handler, c benchCase, i int) int {
	req := httptest.NewRequest(http.MethodPost, "/graphql", bytes.NewReader(c.body(i)))
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
		t.Fatalf("%s: status %d: %s", c.name, rec.Code, rec.Body.Bytes())
	}
	n, err := strconv.Atoi(rec.Header().Get(graph.StatementsHeader))
	if err != nil {
		t.Fatalf("%s: no statement count: %v", c.name, err)
	}
	if c.noSQL && n != 0 {
		t.Fatalf("%s: ran %d SQL statements, want none", c.name, n)
	}
	return n
}

// BenchmarkGraphQLRequest measures one request through the real handler with the default
// settings (request checks, loaders, the gqlgen executor with its query cache, the error
// presenter), in process: parse+validate served by the query cache, parse+validate of a new
// query text, and W1's list against the test fixture (which includes one loader window,
// TAILOR_LOADER_WAIT, for the authors' and topics' batch).
func BenchmarkGraphQLRequest(b *testing.B) {
	h := benchHandler(b)
	for _, c := range benchCases(b) {
		b.Run(c.name, func(b *testing.B) {
			serveOnce(b, h, c, -1) // warms the query cache for the cached case
			b.ReportAllocs()
			i, stmts := 0, 0
			for b.Loop() {
				stmts += serveOnce(b, h, c, i)
				i++
			}
			b.ReportMetric(float64(stmts)/float64(i), "stmts/op")
		})
	}
}

// TestBenchmarkRequestsAnswer keeps the benchmark's requests valid under `go test` without
// -bench: each one answers cleanly, and the parse+validate ones run no SQL.
func TestBenchmarkRequestsAnswer(t *testing.T) {
	h := benchHandler(t)
	for _, c := range benchCases(t) {
		serveOnce(t, h, c, 0)
	}
}
