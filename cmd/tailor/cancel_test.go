package main

import (
	"bytes"
	"context"
	"net/http"
	"testing"
	"time"
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
