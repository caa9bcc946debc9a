package graph_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/graph"
)

// observedServer is a test server whose spans end up in an in-memory exporter and whose
// metrics in their own registry.
type observedServer struct {
	*httptest.Server
	spans   *tracetest.InMemoryExporter
	metrics *prometheus.Registry
}

func newObservedServer(t *testing.T) observedServer {
	t.Helper()
	authService, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	spans := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	t.Cleanup(func() { tp.Shutdown(t.Context()) })
	metrics := prometheus.NewRegistry()
	opts := testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService)
	opts.Tracing, opts.Metrics = tp, metrics
	srv := httptest.NewServer(graph.NewHTTPHandler(opts))
	t.Cleanup(srv.Close)
	return observedServer{Server: srv, spans: spans, metrics: metrics}
}

// post sends body to /graphql with the given headers and returns the statements it ran.
func (s observedServer) post(t *testing.T, body map[string]any, header http.Header) (raw []byte, statements int) {
	t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/graphql", bytes.NewReader(b))
	req.Header = header
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ = io.ReadAll(res.Body)
	statements, _ = strconv.Atoi(res.Header.Get(graph.StatementsHeader))
	return raw, statements
}

// scrape returns the server's metrics in Prometheus's text format.
func (s observedServer) scrape(t *testing.T) string {
	t.Helper()
	rec := httptest.NewRecorder()
	promhttp.HandlerFor(s.metrics, promhttp.HandlerOpts{}).ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return rec.Body.String()
}

// One feed request makes one operation span, a child of the caller's traceparent, with the
// request's loader batches and every SQL statement it ran beneath it, their text without values.
func TestFeedRequestIsTraced(t *testing.T) {
	srv := newObservedServer(t)
	token := newViewer(t, "traced")
	claims, err := testTokens(nowFunc()).Verify(token)
	if err != nil {
		t.Fatal(err)
	}
	const traceID, parentID = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	header := http.Header{}
	header.Set("Authorization", "Bearer "+token)
	header.Set("traceparent", "00-"+traceID+"-"+parentID+"-01")
	raw, statements := srv.post(t, map[string]any{
		"query":     strings.Replace(feedQuery, "query(", "query TracedFeed(", 1),
		"variables": map[string]any{"first": 10},
	}, header)
	var r response
	if err := json.Unmarshal(raw, &r); err != nil || len(r.Errors) > 0 || statements == 0 {
		t.Fatalf("feed: %v %+v (%d statements)", err, r.Errors, statements)
	}

	got := srv.spans.GetSpans()
	byID := map[trace.SpanID]tracetest.SpanStub{}
	for _, s := range got {
		byID[s.SpanContext.SpanID()] = s
	}
	var op tracetest.SpanStub
	var ops, loaderSpans, sqlSpans, withPlaceholders int
	for _, s := range got {
		if s.SpanKind == trace.SpanKindServer {
			op = s
			ops++
		}
	}
	if ops != 1 || op.Name != "TracedFeed" {
		t.Fatalf("operation spans: %d, the last named %q; want one named TracedFeed", ops, op.Name)
	}
	if op.SpanContext.TraceID().String() != traceID || op.Parent.SpanID().String() != parentID || !op.Parent.IsRemote() {
		t.Errorf("operation span's trace %s, parent %s (remote %v); want the traceparent's %s and %s",
			op.SpanContext.TraceID(), op.Parent.SpanID(), op.Parent.IsRemote(), traceID, parentID)
	}
	attrs := map[string]string{}
	for _, a := range op.Attributes {
		attrs[string(a.Key)] = a.Value.Emit()
	}
	if attrs["tailor.caller"] != "user" || attrs["tailor.complexity"] == "" || attrs["tailor.complexity"] == "0" {
		t.Errorf("operation span's attributes: %v; want caller user and a complexity score", attrs)
	}
	// under tells whether s descends from the operation span.
	under := func(s tracetest.SpanStub) bool {
		for p := s.Parent; p.IsValid(); p = byID[p.SpanID()].Parent {
			if p.SpanID() == op.SpanContext.SpanID() {
				return true
			}
		}
		return false
	}
	for _, s := range got {
		switch {
		case s.SpanKind == trace.SpanKindServer:
		case strings.HasPrefix(s.Name, "loader "):
			loaderSpans++
			if !under(s) {
				t.Errorf("loader span %s is not beneath the operation span", s.Name)
			}
		case s.Name == "sql":
			sqlSpans++
			if !under(s) {
				t.Errorf("SQL span %s is not beneath the operation span", s.SpanContext.SpanID())
			}
			// The session check reads the token's ID as $2: no attribute may carry it.
			var text string
			for _, a := range s.Attributes {
				if a.Key == "db.query.text" {
					text = a.Value.AsString()
				}
				if strings.Contains(a.Value.Emit(), claims.ID) {
					t.Errorf("SQL span's %s holds the token's ID: %q", a.Key, a.Value.Emit())
				}
			}
			if text == "" {
				t.Errorf("SQL span %s has no statement text", s.SpanContext.SpanID())
			}
			if strings.Contains(text, "$1") {
				withPlaceholders++
			}
		}
	}
	if loaderSpans == 0 {
		t.Error("no loader batch span")
	}
	if withPlaceholders == 0 {
		t.Error("no SQL span shows its statement's $n placeholders")
	}
	if sqlSpans < statements {
		t.Errorf("%d SQL spans for the %d statements the request ran", sqlSpans, statements)
	}

	metrics := srv.scrape(t)
	for _, want := range []string{
		`tailor_graphql_requests_total{caller="user",operation="TracedFeed",outcome="ok"} 1`,
		`tailor_graphql_request_duration_seconds_count{operation="TracedFeed"} 1`,
		`tailor_sql_statements_per_request_sum{operation="TracedFeed"} ` + strconv.Itoa(statements),
		`tailor_sql_seconds_total{operation="TracedFeed"}`,
		`tailor_loader_batch_size_count{loader="`,
	} {
		if !strings.Contains(metrics, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// Every request is counted once with its outcome: a refusal by a limit apart from other errors.
func TestRequestOutcomesAreCounted(t *testing.T) {
	srv := newObservedServer(t)
	for _, c := range []struct {
		name string
		body map[string]any
		want string
	}{
		{"ok", map[string]any{"query": `query Topics { topics(first: 1) { edges { node { slug } } } }`},
			`tailor_graphql_requests_total{caller="anonymous",operation="Topics",outcome="ok"} 1`},
		{"error", map[string]any{"query": `query Broken { nosuchfield }`},
			`tailor_graphql_requests_total{caller="anonymous",operation="anonymous",outcome="error"} 1`},
		{"refused", map[string]any{"extensions": map[string]any{"persistedQuery": map[string]any{"version": 1,
			"sha256Hash": "0000000000000000000000000000000000000000000000000000000000000000"}}},
			`tailor_graphql_requests_total{caller="anonymous",operation="anonymous",outcome="refused"} 1`},
	} {
		t.Run(c.name, func(t *testing.T) {
			srv.post(t, c.body, http.Header{})
			if metrics := srv.scrape(t); !strings.Contains(metrics, c.want) {
				t.Errorf("metrics lack %s:\n%s", c.want, grepLines(metrics, "tailor_graphql_requests_total"))
			}
		})
	}
}

// grepLines returns the lines of s that hold substr.
func grepLines(s, substr string) string {
	var out []string
	for line := range strings.Lines(s) {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "")
}
