package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/webhook"
)

// TestHangUpCancelsSQL blocks a request's statement behind a lock, hangs up the client and
// expects the statement gone from pg_stat_activity within a second: a client that leaves
// takes its SQL with it.
func TestHangUpCancelsSQL(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true"}, "serve")
	t.Cleanup(stop)

	lock, err := db.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `LOCK TABLE contents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	reqCtx, hangUp := context.WithCancel(ctx)
	req, _ := http.NewRequestWithContext(reqCtx, http.MethodPost, base+"/graphql",
		bytes.NewReader([]byte(`{"query":"{ contents(first: 1) { edges { node { title } } } }"}`)))
	req.Header.Set("Content-Type", "application/json")
	done := make(chan struct{})
	go func() {
		defer close(done)
		if res, err := http.DefaultClient.Do(req); err == nil {
			res.Body.Close()
		}
	}()
	waiting := func() int {
		var n int
		if err := db.DB.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND state = 'active' AND wait_event_type = 'Lock' AND query LIKE '%FROM contents%'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	within(t, 10*time.Second, "the request's statement waiting on the lock", func() bool { return waiting() > 0 })
	hungUp := time.Now()
	hangUp()
	<-done
	within(t, 5*time.Second, "the statement cancelled", func() bool { return waiting() == 0 })
	if d := time.Since(hungUp); d > time.Second {
		t.Errorf("the statement outlived the client by %s, want under a second", d.Round(time.Millisecond))
	}
}

// TestShutdownClosesSubscriptions stops a serve process with a subscriber connected: the
// subscription's socket is closed with 1001 (going away), telling the client to reconnect,
// rather than left open behind a server that no longer serves.
func TestShutdownClosesSubscriptions(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true"}, "serve")
	sub := subscribe(t, ctx, base+"/graphql", "", `subscription { contentPublished { title } }`, nil)
	stop()
	select {
	case code := <-sub.done:
		if code != 1001 {
			t.Errorf("the subscription closed with %d, want 1001 (going away)", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the subscription stayed open after shutdown")
	}
}

// TestExhaustedServerAnswersBusy fills the server's room for working requests with one that
// waits on a lock: the next request waits its turn for at most TAILOR_QUEUE_WAIT, then answers
// 503 with Retry-After and RATE_LIMITED, and once the first is done the server answers again.
func TestExhaustedServerAnswersBusy(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_MAX_INFLIGHT": "1", "TAILOR_QUEUE_WAIT": "300ms"}, "serve")
	t.Cleanup(stop)
	endpoint := base + "/graphql"
	lock, err := db.DB.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `LOCK TABLE contents IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	first := make(chan string, 1)
	go func() { first <- gqlStatus(endpoint, `{ contents(first: 1) { edges { node { title } } } }`, nil, nil) }()
	within(t, 10*time.Second, "the first request waiting on the lock", func() bool {
		var n int
		_ = db.DB.GetContext(ctx, &n, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
			AND wait_event_type = 'Lock' AND query LIKE '%FROM contents%'`)
		return n > 0
	})
	res, err := http.Post(endpoint, "application/json", bytes.NewReader([]byte(`{"query":"{ topics(first: 1) { edges { node { slug } } } }"}`)))
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Errors []struct {
			Message    string
			Extensions map[string]any
		}
	}
	_ = json.NewDecoder(res.Body).Decode(&body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" || len(body.Errors) != 1 || body.Errors[0].Extensions["code"] != "RATE_LIMITED" {
		t.Errorf("the waiting request got %d (Retry-After %q): %+v", res.StatusCode, res.Header.Get("Retry-After"), body)
	}
	lock.Rollback()
	if code := <-first; code != "" {
		t.Errorf("the first request answered %q once the lock was gone", code)
	}
	if code := gqlStatus(endpoint, `{ topics(first: 1) { edges { node { slug } } } }`, nil, nil); code != "" {
		t.Errorf("after the first request, the server answered %q", code)
	}
}

// TestShutdownLetsDeliveriesFinish stops serve while its worker is in the middle of a slow
// webhook call: shutdown waits for the call, and the delivery is recorded as delivered rather
// than cut short.
func TestShutdownLetsDeliveriesFinish(t *testing.T) {
	ctx, db := freshDatabase(t, time.Minute)
	hooks, hookURL := newHookReceiver(t, 0, 1500*time.Millisecond)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	hooks.setSecret(secret)
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (handle, email, display_name, role) VALUES ('integrator', 'i@example.com', 'Integrator', 'reader')`, nil},
		{`INSERT INTO preferences (user_id) SELECT id FROM users`, nil},
		{`INSERT INTO webhooks (user_id, url, events, secret) SELECT id, $1, '{content.published}', $2 FROM users`, []any{hookURL, secret}},
		{`INSERT INTO deliveries (user_id, channel, webhook_id, payload) SELECT user_id, 'webhook', id, '{"type":"test"}' FROM webhooks`, nil},
	} {
		if _, err := db.DB.ExecContext(ctx, stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}
	_, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_WEBHOOKS_ALLOW_PRIVATE": "true", "TAILOR_NOTIFY_POLL": "50ms"}, "serve")
	var started bool
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !started; time.Sleep(20 * time.Millisecond) {
		var n int
		_ = db.DB.GetContext(ctx, &n, `SELECT count(*) FROM deliveries WHERE attempts > 0`)
		started = n > 0
	}
	if !started {
		t.Fatal("the worker never claimed the delivery")
	}
	stop()
	var status string
	if err := db.DB.GetContext(ctx, &status, `SELECT status FROM deliveries`); err != nil {
		t.Fatal(err)
	}
	if acc, _, _ := hooks.snapshot(); status != "delivered" || len(acc) != 1 {
		t.Errorf("after shutdown the delivery is %q and the receiver accepted %d calls; want delivered and 1", status, len(acc))
	}
}
