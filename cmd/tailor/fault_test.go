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
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/pgtest"
)

// cluster is a PostgreSQL server of the test's own, which it may stop and start.
type cluster struct {
	dir, bin string
	port     int
}

// newCluster creates and starts a PostgreSQL cluster in a temporary directory, run as the
// postgres OS user on a free loopback port, and removes it when the test ends.
func newCluster(t *testing.T, ctx context.Context) *cluster {
	t.Helper()
	bin, err := pgBin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	dir, err := os.MkdirTemp("", "tailor-cluster-")
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
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	c := &cluster{dir: filepath.Join(dir, "data"), bin: bin, port: port}
	if out, err := c.asPostgres(ctx, "initdb", "-D", c.dir, "--auth=trust", "-U", "postgres").CombinedOutput(); err != nil {
		t.Fatalf("initdb (needs PostgreSQL's server binaries and the postgres OS user): %v\n%s", err, out)
	}
	t.Cleanup(func() {
		_ = c.asPostgres(context.Background(), "pg_ctl", "-D", c.dir, "-m", "immediate", "stop").Run()
		os.RemoveAll(dir)
	})
	c.start(t, ctx)
	return c
}

// pgBin finds the server binaries of the installed PostgreSQL.
func pgBin(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "pg_config", "--bindir").Output()
	if err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	if len(matches) == 0 {
		return "", fmt.Errorf("no PostgreSQL server binaries (pg_config or /usr/lib/postgresql/*/bin): install postgresql")
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

func (c *cluster) asPostgres(ctx context.Context, tool string, args ...string) *exec.Cmd {
	return exec.CommandContext(ctx, "runuser", append([]string{"-u", "postgres", "--", filepath.Join(c.bin, tool)}, args...)...)
}

func (c *cluster) url() string {
	return "postgres://postgres@127.0.0.1:" + strconv.Itoa(c.port) + "/postgres?sslmode=disable"
}

func (c *cluster) start(t *testing.T, ctx context.Context) {
	t.Helper()
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -c unix_socket_directories=%s", c.port, filepath.Dir(c.dir))
	if out, err := c.asPostgres(ctx, "pg_ctl", "-D", c.dir, "-o", opts, "-w", "-l", filepath.Join(filepath.Dir(c.dir), "log"), "start").CombinedOutput(); err != nil {
		t.Fatalf("start PostgreSQL: %v\n%s", err, out)
	}
}

func (c *cluster) stop(t *testing.T, ctx context.Context) {
	t.Helper()
	if out, err := c.asPostgres(ctx, "pg_ctl", "-D", c.dir, "-m", "fast", "-w", "stop").CombinedOutput(); err != nil {
		t.Fatalf("stop PostgreSQL: %v\n%s", err, out)
	}
}

// TestPostgreSQLRestartUnderLoad restarts PostgreSQL under a mix of reads and writes: while it
// is down, /readyz answers 503 and GraphQL answers carry a coded error; within 5 s of its
// return Tailor serves again without a restart of its own; and every write Tailor
// acknowledged is in the database afterwards.
func TestPostgreSQLRestartUnderLoad(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	pg := newCluster(t, ctx)
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": pg.url(), "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_SIGNUP_ADDRESS_ATTEMPTS": "1000000", "TAILOR_RATE_ANONYMOUS": "0"}, "serve")
	t.Cleanup(stop)
	endpoint := base + "/graphql"

	type outcome struct{ ok, coded, other int }
	var (
		mu           sync.Mutex
		acknowledged []string
		reads        outcome
	)
	load, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; load.Err() == nil; i++ {
				handle := fmt.Sprintf("w%d_%d", w, i)
				var d struct {
					SignUp struct{ Viewer *struct{ ID string } }
				}
				if gqlStatus(endpoint, `mutation($h: String!, $e: String!) { signUp(input: {handle: $h, email: $e, displayName: $h, password: "correct horse battery staple"}) { viewer { id } } }`,
					map[string]any{"h": handle, "e": handle + "@example.org"}, &d) == "" && d.SignUp.Viewer != nil {
					mu.Lock()
					acknowledged = append(acknowledged, handle)
					mu.Unlock()
				}
			}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		for load.Err() == nil {
			code := gqlStatus(endpoint, `{ topics(first: 3) { edges { node { slug } } } }`, nil, nil)
			mu.Lock()
			switch {
			case code == "":
				reads.ok++
			case code != "none":
				reads.coded++
			default:
				reads.other++
			}
			mu.Unlock()
			time.Sleep(5 * time.Millisecond)
		}
	}()

	time.Sleep(time.Second)
	pg.stop(t, ctx)
	notReady := false
	for range 20 {
		res, err := http.Get(base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusServiceUnavailable {
				notReady = true
				break
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(time.Second)
	pg.start(t, ctx)
	back := time.Now()
	within(t, 5*time.Second, "serving again after PostgreSQL's return", func() bool {
		return gqlStatus(endpoint, `{ topics(first: 1) { edges { node { slug } } } }`, nil, nil) == ""
	})
	t.Logf("served again %s after PostgreSQL's return", time.Since(back).Round(time.Millisecond))
	time.Sleep(500 * time.Millisecond)
	stopLoad()
	wg.Wait()

	if !notReady {
		t.Error("/readyz never answered 503 while PostgreSQL was down")
	}
	mu.Lock()
	defer mu.Unlock()
	t.Logf("reads: %d answered, %d coded errors, %d without a code; writes acknowledged: %d", reads.ok, reads.coded, reads.other, len(acknowledged))
	if reads.coded == 0 || reads.other > 0 {
		t.Errorf("while PostgreSQL was down, reads answered %d coded errors and %d errors without a code", reads.coded, reads.other)
	}
	db, err := sqlx.ConnectContext(ctx, "postgres", pg.url())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var stored []string
	if err := db.SelectContext(ctx, &stored, `SELECT handle FROM users WHERE handle LIKE 'w%\_%'`); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, h := range stored {
		have[h] = true
	}
	lost := 0
	for _, h := range acknowledged {
		if !have[h] {
			lost++
		}
	}
	if len(acknowledged) == 0 || lost > 0 {
		t.Errorf("%d of %d acknowledged writes are not in the database", lost, len(acknowledged))
	}
}

// gqlStatus sends one operation and returns "" when it answered without errors, the first
// error's extensions.code otherwise, or "none" when the answer had no code (or no answer).
func gqlStatus(endpoint, query string, vars map[string]any, out any) string {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	res, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
	if err != nil {
		return "none"
	}
	defer res.Body.Close()
	var r struct {
		Data   json.RawMessage
		Errors []struct{ Extensions map[string]any }
	}
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		return "none"
	}
	if len(r.Errors) > 0 {
		if code, ok := r.Errors[0].Extensions["code"].(string); ok && code != "" {
			return code
		}
		return "none"
	}
	if out != nil {
		_ = json.Unmarshal(r.Data, out)
	}
	return ""
}

// TestTerminatedConnectionsLoseNothing kills Tailor's PostgreSQL connections
// (pg_terminate_backend) again and again while it signs people up: requests caught mid-way
// may fail, with a coded error, but every sign-up Tailor acknowledged is in the database.
func TestTerminatedConnectionsLoseNothing(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	base, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_SIGNUP_ADDRESS_ATTEMPTS": "1000000", "TAILOR_RATE_ANONYMOUS": "0"}, "serve")
	t.Cleanup(stop)
	endpoint := base + "/graphql"

	var (
		mu           sync.Mutex
		acknowledged []string
		codes        = map[string]int{}
	)
	load, stopLoad := context.WithCancel(ctx)
	var wg sync.WaitGroup
	for w := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; load.Err() == nil; i++ {
				handle := fmt.Sprintf("t%d_%d", w, i)
				var d struct {
					SignUp struct{ Viewer *struct{ ID string } }
				}
				code := gqlStatus(endpoint, `mutation($h: String!, $e: String!) { signUp(input: {handle: $h, email: $e, displayName: $h, password: "correct horse battery staple"}) { viewer { id } } }`,
					map[string]any{"h": handle, "e": handle + "@example.org"}, &d)
				mu.Lock()
				if code == "" && d.SignUp.Viewer != nil {
					acknowledged = append(acknowledged, handle)
				} else {
					codes[code]++
				}
				mu.Unlock()
			}
		}()
	}
	killed := 0
	for range 15 {
		time.Sleep(150 * time.Millisecond)
		var n int
		if err := db.DB.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND pid <> pg_backend_pid() AND backend_type = 'client backend') x`); err == nil {
			killed += n
		}
	}
	stopLoad()
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	t.Logf("terminated %d connections; %d sign-ups acknowledged; refused or failed: %v", killed, len(acknowledged), codes)
	if killed == 0 || len(acknowledged) == 0 {
		t.Fatalf("the test proved nothing: %d connections terminated, %d sign-ups acknowledged", killed, len(acknowledged))
	}
	if codes["none"] > 0 {
		t.Errorf("%d answers had no error code", codes["none"])
	}
	var stored []string
	if err := db.DB.SelectContext(ctx, &stored, `SELECT handle FROM users WHERE handle LIKE 't%\_%'`); err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, h := range stored {
		have[h] = true
	}
	for _, h := range acknowledged {
		if !have[h] {
			t.Errorf("acknowledged sign-up %s is not in the database", h)
		}
	}
}
