package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// newStandby copies c with pg_basebackup and starts the copy as its streaming hot standby on a
// free loopback port, removed when the test ends.
func (c *cluster) newStandby(t *testing.T, ctx context.Context) *cluster {
	t.Helper()
	if _, err := os.Stat(filepath.Join(c.bin, "pg_basebackup")); err != nil {
		t.Fatalf("pg_basebackup is missing from %s (install PostgreSQL's client and server binaries): %v", c.bin, err)
	}
	dir, err := os.MkdirTemp("", "tailor-standby-")
	if err != nil {
		t.Fatal(err)
	}
	if out, err := exec.CommandContext(ctx, "chown", "postgres", dir).CombinedOutput(); err != nil {
		t.Fatalf("chown: %v %s", err, out)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &cluster{dir: filepath.Join(dir, "data"), bin: c.bin, port: l.Addr().(*net.TCPAddr).Port}
	l.Close()
	t.Cleanup(func() {
		_ = s.asPostgres(context.Background(), "pg_ctl", "-D", s.dir, "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	if out, err := c.asPostgres(ctx, "pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(c.port), "-U", "postgres",
		"-D", s.dir, "-R", "-X", "stream").CombinedOutput(); err != nil {
		t.Fatalf("pg_basebackup of the primary: %v\n%s", err, out)
	}
	s.start(t, ctx)
	return s
}

// TestReadReplica runs serve with DATABASE_READ_URL on a streaming standby of DATABASE_URL:
// catalogue queries are answered by the standby and not the primary; every acknowledged
// sign-up is on the primary and reaches the standby; while the standby replays nothing, a
// viewer still sees their own follow, preference change and new profile at once.
func TestReadReplica(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	primary := newCluster(t, ctx)
	standby := primary.newStandby(t, ctx)
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": primary.url(), "DATABASE_READ_URL": standby.url(),
		"TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true", "TAILOR_RATE_ANONYMOUS": "0", "TAILOR_WORKER": "false",
		"TAILOR_SIGNUP_ADDRESS_ATTEMPTS": "1000000"}, "serve")
	t.Cleanup(stop)
	endpoint := base + "/graphql"

	// Observers sit in template1, so their own statements do not count in postgres's numbers.
	observe := func(c *cluster) *sqlx.DB {
		db, err := sqlx.ConnectContext(ctx, "postgres", "postgres://postgres@127.0.0.1:"+strconv.Itoa(c.port)+"/template1?sslmode=disable")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	onPrimary, onStandby := observe(primary), observe(standby)
	var recovering bool
	if err := onStandby.GetContext(ctx, &recovering, `SELECT pg_is_in_recovery()`); err != nil || !recovering {
		t.Fatalf("the standby is not in recovery (%v): the test needs a read-only replica", err)
	}
	// The migrations serve applied on the primary must reach the standby before it answers.
	within(t, 10*time.Second, "migrations replayed on the standby", func() bool {
		var n int
		return onStandby.GetContext(ctx, &n, `SELECT count(*) FROM pg_database WHERE datname = 'postgres'`) == nil &&
			replicaQuery(endpoint, "", `{ topics(first: 1) { edges { node { slug } } } }`, nil, nil) == nil
	})

	// (1) Catalogue reads: N queries, counted by the committed transactions of each server.
	commits := func(db *sqlx.DB) int64 {
		var n int64
		if err := db.GetContext(ctx, &n, `SELECT xact_commit FROM pg_stat_database WHERE datname = 'postgres'`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	settle := func() { time.Sleep(11 * time.Second) } // backends flush idle statistics within 10 s
	settle()
	primaryBefore, standbyBefore := commits(onPrimary), commits(onStandby)
	const reads = 200
	for i := range reads {
		q := `{ topics(first: 5) { edges { node { slug } } } }`
		if i%2 == 1 {
			q = `{ contents(first: 5) { edges { node { slug } } } }`
		}
		if err := replicaQuery(endpoint, "", q, nil, nil); err != nil {
			t.Fatalf("read %d: %v", i, err)
		}
	}
	settle()
	primaryGrew, standbyGrew := commits(onPrimary)-primaryBefore, commits(onStandby)-standbyBefore
	t.Logf("%d catalogue queries: standby committed %d transactions, primary %d", reads, standbyGrew, primaryGrew)
	if standbyGrew < reads {
		t.Errorf("the standby committed %d transactions for %d catalogue queries: they were not read from it", standbyGrew, reads)
	}
	if primaryGrew > reads/10 {
		t.Errorf("the primary committed %d transactions during %d catalogue queries: they were read from it", primaryGrew, reads)
	}

	// (2) Writes: every acknowledged sign-up is on the primary, then on the standby.
	const signUps = 20
	var handles []string
	tokens := map[string]string{}
	ids := map[string]string{}
	for i := range signUps {
		h := fmt.Sprintf("replica_%d", i)
		var d struct {
			SignUp struct {
				AccessToken string
				Viewer      *struct{ ID string }
			}
		}
		err := replicaQuery(endpoint, "", `mutation($h: String!, $e: String!) { signUp(input: {handle: $h, email: $e, displayName: $h, password: "correct horse battery staple"}) { accessToken viewer { id } } }`,
			map[string]any{"h": h, "e": h + "@example.org"}, &d)
		if err != nil || d.SignUp.Viewer == nil {
			t.Fatalf("sign-up %s was not acknowledged: %v", h, err)
		}
		handles = append(handles, h)
		tokens[h], ids[h] = d.SignUp.AccessToken, d.SignUp.Viewer.ID
	}
	stored := func(c *cluster) []string {
		db, err := sqlx.ConnectContext(ctx, "postgres", c.url())
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var hs []string
		if err := db.SelectContext(ctx, &hs, `SELECT handle FROM users WHERE handle LIKE 'replica\_%' ORDER BY handle`); err != nil {
			t.Fatal(err)
		}
		return hs
	}
	slices.Sort(handles)
	if got := stored(primary); !slices.Equal(got, handles) {
		t.Fatalf("the primary holds %d of the %d acknowledged sign-ups: %v", len(got), len(handles), got)
	}
	start := time.Now()
	within(t, 5*time.Second, "acknowledged sign-ups replayed on the standby", func() bool {
		return slices.Equal(stored(standby), handles)
	})
	t.Logf("all %d acknowledged sign-ups were on the primary, and on the standby %s later", signUps, time.Since(start).Round(time.Millisecond))

	// Read-your-own-writes: a follow and a preference change show at once in the viewer's query,
	// even while the standby replays nothing.
	if _, err := onStandby.ExecContext(ctx, `SELECT pg_wal_replay_pause()`); err != nil {
		t.Fatal(err)
	}
	defer onStandby.ExecContext(ctx, `SELECT pg_wal_replay_resume()`)
	reader, author := handles[0], handles[1]
	if err := replicaQuery(endpoint, tokens[reader], `mutation($id: ID!) { followUser(input: {userId: $id}) { user { handle } } }`,
		map[string]any{"id": ids[author]}, nil); err != nil {
		t.Fatalf("followUser: %v", err)
	}
	if err := replicaQuery(endpoint, tokens[reader], `mutation { updatePreferences(input: {timeZone: "Europe/Paris"}) { preferences { timeZone } } }`, nil, nil); err != nil {
		t.Fatalf("updatePreferences: %v", err)
	}
	var v struct {
		Viewer *struct {
			Handle      string
			Preferences struct {
				TimeZone        string
				FollowedAuthors []struct{ Handle string }
			}
		}
	}
	if err := replicaQuery(endpoint, tokens[reader], `{ viewer { handle preferences { timeZone followedAuthors { handle } } } }`, nil, &v); err != nil {
		t.Fatalf("viewer: %v", err)
	}
	if v.Viewer == nil || v.Viewer.Handle != reader || v.Viewer.Preferences.TimeZone != "Europe/Paris" ||
		len(v.Viewer.Preferences.FollowedAuthors) != 1 || v.Viewer.Preferences.FollowedAuthors[0].Handle != author {
		t.Errorf("right after following %s and moving to Europe/Paris, %s reads %+v", author, reader, v.Viewer)
	}

	// A newcomer reads their own profile, which the paused standby does not have yet.
	var d struct{ SignUp struct{ AccessToken string } }
	if err := replicaQuery(endpoint, "", `mutation { signUp(input: {handle: "replica_late", email: "late@example.org", displayName: "Late", password: "correct horse battery staple"}) { accessToken } }`, nil, &d); err != nil {
		t.Fatalf("signUp while the standby is paused: %v", err)
	}
	v.Viewer = nil
	if err := replicaQuery(endpoint, d.SignUp.AccessToken, `{ viewer { handle } }`, nil, &v); err != nil || v.Viewer == nil || v.Viewer.Handle != "replica_late" {
		t.Errorf("right after signing up, the newcomer's viewer is %+v (%v)", v.Viewer, err)
	}
}

// replicaQuery sends one operation, as the bearer of token when it is not empty, and decodes
// its data into out; an answer with errors is an error.
func replicaQuery(endpoint, token, query string, vars map[string]any, out any) error {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []json.RawMessage
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return fmt.Errorf("status %d: %w", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		return fmt.Errorf("status %d: %s", res.StatusCode, r.Errors[0])
	}
	if out != nil {
		return json.Unmarshal(r.Data, out)
	}
	return nil
}
