package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/privacy"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// testClientHeader carries a test's client address, so tests can act from several addresses.
const testClientHeader = "X-Test-Client"

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// env is the package's server over its own database, loaded with testdata/fixture.sql.
type env struct {
	server *httptest.Server
	db     *pgtest.Database
	// logs holds everything the server logged.
	logs *syncBuffer
}

// syncBuffer is a buffer the server's goroutines may log into while a test reads it.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

var testEnv env

func TestMain(m *testing.M) {
	flag.Parse()
	code, err := runTests(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(code)
}

func runTests(m *testing.M) (int, error) {
	ctx := context.Background()
	db, err := pgtest.New(ctx)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	fixture, err := os.ReadFile("../testdata/fixture.sql")
	if err != nil {
		return 0, err
	}
	if _, err := db.DB.ExecContext(ctx, string(fixture)); err != nil {
		return 0, fmt.Errorf("load fixture: %w", err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	authService, err := newTestAuth(db, testPolicy(), logger)
	if err != nil {
		return 0, err
	}
	testEnv = env{db: db, logs: logs, server: httptest.NewServer(graph.NewHTTPHandler(testOptions(db, logger, authService)))}
	defer testEnv.server.Close()
	return m.Run(), nil
}

// testPolicy is the tests' attempt policy: the tests create many accounts from one address,
// so only the abuse tests, with their own server, use the default policy.
func testPolicy() auth.AttemptPolicy {
	p := auth.DefaultAttemptPolicy()
	p.AddressFree, p.SignUpFree = 1_000_000, 1_000_000
	return p
}

// newTestAuth is the identity service the tests' servers use, over db, with the tests' keys.
func newTestAuth(db *pgtest.Database, policy auth.AttemptPolicy, logger *slog.Logger) (*auth.Service, error) {
	accounts := postgres.NewAccountStore(db.DB)
	return auth.NewService(accounts, accounts, policy, testTokens(time.Now), logger)
}

// testPages bound the tests' pages.
var testPages = relay.Limits{Default: 20, Max: 100}

// testServices wires the services and the loaders' batch reads over db as cmd/tailor does,
// with the feed reusing a ranking for reuse, reading its catalogue afresh for every ranking and
// ranking by score alone, so each test sees the one scoring term it checks; the spread over
// topics and authors is tested on the demo data with the defaults of tailor serve.
func testServices(db *pgtest.Database, authService *auth.Service, reuse time.Duration) (graph.Services, loaders.Stores) {
	contents, topics, users := postgres.NewContentStore(db.DB), postgres.NewTopicStore(db.DB), postgres.NewUserStore(db.DB)
	return graph.Services{
			Catalog:  content.NewLister(contents, topics, testPages),
			Searcher: search.NewService(contents, testPages, time.Now),
			People:   user.NewService(users),
			Habits:   habits.NewService(postgres.NewHabitStore(db.DB), testPages),
			Ranker:   feed.NewService(postgres.NewFeedStore(db.DB), time.Now, feed.Options{Reuse: reuse, Pages: testPages}),
			Editor:   content.NewEditor(postgres.NewEditStore(db.DB), time.Now),
			Auth:     authService,
			Privacy:  privacy.NewService(postgres.NewPrivacyStore(db.DB), authService, privacy.Reassign),
		}, loaders.Stores{Users: users, Topics: topics, Contents: contents,
			Interactions: postgres.NewInteractionStore(db.DB), Accounts: postgres.NewAccountStore(db.DB)}
}

// testOptions configures the tests' server.
func testOptions(db *pgtest.Database, logger *slog.Logger, authService *auth.Service) graph.Options {
	services, stores := testServices(db, authService, 0)
	return graph.Options{
		Logger:   logger,
		Services: services,
		Stores:   stores,
		// A batch window wide enough that scheduling noise on a busy machine never splits one
		// level of a query into two batches: the tests count statements, not milliseconds.
		Loaders:          loaders.Config{Wait: 10 * time.Millisecond, MaxBatch: 1000},
		PageSize:         testPages,
		MaxComplexity:    20000,
		Limits:           graph.DefaultOperationLimits(),
		ClientIPHeader:   testClientHeader,
		MaxBodyBytes:     64 << 10,
		Timeout:          10 * time.Second,
		QueryCacheSize:   100,
		ReportStatements: true,
		Ready:            db.DB.PingContext,
	}
}

// testKey signs the tests' access tokens; previousTestKey is a rotated-out key that still verifies.
var (
	testKey         = auth.Key{ID: "test-2026", Secret: []byte("0123456789abcdef0123456789abcdef-current")}
	previousTestKey = auth.Key{ID: "test-2025", Secret: []byte("0123456789abcdef0123456789abcdef-previous")}
)

func testTokens(now func() time.Time) *auth.Tokens {
	return auth.NewTokens(testKey, []auth.Key{previousTestKey}, time.Hour, now)
}

// response is a GraphQL response as a client sees it.
type response struct {
	Data   json.RawMessage `json:"data"`
	Errors []struct {
		Message    string         `json:"message"`
		Path       []any          `json:"path"`
		Extensions map[string]any `json:"extensions"`
	} `json:"errors"`
	status     int
	statements int
}

// post sends a GraphQL request through the real HTTP server.
func post(t *testing.T, query string, vars map[string]any) response {
	t.Helper()
	return postAs(t, "", query, vars)
}

// postAs sends a GraphQL request with the given bearer credential (none when empty).
func postAs(t *testing.T, credential, query string, vars map[string]any) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	header := ""
	if credential != "" {
		header = "Bearer " + credential
	}
	return sendWith(t, http.MethodPost, "/graphql", "application/json", header, body)
}

func send(t *testing.T, method, path, contentType string, body []byte) response {
	t.Helper()
	return sendWith(t, method, path, contentType, "", body)
}

func sendWith(t *testing.T, method, path, contentType, authorization string, body []byte) response {
	t.Helper()
	req, err := http.NewRequest(method, testEnv.server.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
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
	var r response
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("response is not JSON (status %d): %s", res.StatusCode, raw)
	}
	r.status = res.StatusCode
	if h := res.Header.Get(graph.StatementsHeader); h != "" {
		r.statements, _ = strconv.Atoi(h)
	}
	return r
}

// ok fails the test unless r has data and no errors, and decodes the data into v.
func (r response) ok(t *testing.T, v any) {
	t.Helper()
	if len(r.Errors) > 0 {
		t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		t.Fatalf("decode data: %v: %s", err, r.Data)
	}
}

// failsWith fails the test unless r's first error has the given code and message.
func (r response) failsWith(t *testing.T, code, message string) {
	t.Helper()
	if len(r.Errors) == 0 {
		t.Fatalf("expected a %s error, got data %s", code, r.Data)
	}
	e := r.Errors[0]
	if e.Extensions["code"] != code || e.Message != message {
		t.Fatalf("got error %q (code %v), want %q (code %s)", e.Message, e.Extensions["code"], message, code)
	}
}

// golden compares got with testdata/<name>.golden.json, rewriting it under -update.
func golden(t *testing.T, name string, got json.RawMessage) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, got, "", "  "); err != nil {
		t.Fatal(err)
	}
	pretty.WriteByte('\n')
	path := "testdata/" + name + ".golden.json"
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, pretty.Bytes()) {
		t.Errorf("response differs from %s (run with -update to accept):\n%s", path, pretty.String())
	}
}

// accounts numbers the accounts tests create, so repeated runs against the same database
// (go test -count=2) never reuse a handle or an email.
var accounts atomic.Int64

// uniq returns name made unique to this call, still a valid handle.
func uniq(name string) string {
	return name + "_" + strconv.FormatInt(time.Now().UnixNano()%1679616+accounts.Add(1), 36)
}

// nowFunc is the clock tokens are issued with.
func nowFunc() func() time.Time { return time.Now }
