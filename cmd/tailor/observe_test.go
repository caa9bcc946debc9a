package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// With OTEL_EXPORTER_OTLP_ENDPOINT set, serve sends its spans to that collector's /v1/traces
// (flushed at shutdown at the latest), and its private metrics hold the request, pool,
// subscription and outbox metrics.
func TestServeExportsTracesAndMetrics(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	var mu sync.Mutex
	var exports []string
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		if len(body) > 0 {
			exports = append(exports, r.Method+" "+r.URL.Path)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-protobuf")
	}))
	t.Cleanup(collector.Close)
	admin, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_ADMIN_ADDR": admin, "OTEL_EXPORTER_OTLP_ENDPOINT": collector.URL}
	base, stop := startServe(t, ctx, env, "serve")
	var topics struct{ Topics struct{ Edges []struct{} } }
	post(t, base+"/graphql", "", `query Topics { topics(first: 1) { edges { node { slug } } } }`, nil, &topics)

	res, err := http.Get("http://" + admin + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(res.Body)
	res.Body.Close()
	for _, want := range []string{
		`tailor_graphql_requests_total{caller="anonymous",operation="Topics",outcome="ok"} 1`,
		`tailor_graphql_request_duration_seconds_count{operation="Topics"} 1`,
		`tailor_sql_statements_per_request_count{operation="Topics"} 1`,
		`tailor_sql_seconds_total{operation="Topics"}`,
		`tailor_subscriptions_open{kind="notifications"} 0`,
		`tailor_subscriptions_open{kind="published"} 0`,
		"\ntailor_outbox_pending ",
		`go_sql_in_use_connections{db_name="tailor"}`,
		`go_sql_wait_count_total{db_name="tailor"}`,
	} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}

	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(exports) == 0 || exports[0] != "POST /v1/traces" {
		t.Errorf("the collector received %v, want spans posted to /v1/traces", exports)
	}
}
