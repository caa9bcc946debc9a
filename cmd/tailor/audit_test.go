package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/pgtest"
)

// auditDir holds the graphql-http package and the script that runs its server audit.
const auditDir = "../../testdata/graphql-http-audit"

// TestGraphQLOverHTTPAudit starts `tailor serve --demo` on a fresh database and runs the
// graphql-http package's GraphQL-over-HTTP audit against it: no audit may fail or warn.
// It needs Node.js 20 or newer; the package is installed from its lock file on first use.
func TestGraphQLOverHTTPAudit(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the GraphQL-over-HTTP audit needs Node.js 20 or newer on the PATH (Debian: apt-get install nodejs npm)")
	}
	if _, err := os.Stat(filepath.Join(auditDir, "node_modules", "graphql-http")); err != nil {
		install := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		install.Dir = auditDir
		if out, err := install.CombinedOutput(); err != nil {
			t.Fatalf("npm ci in %s: %v\n%s", auditDir, err, out)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	url, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0"}, "serve", "--demo")
	defer stop()
	audit := exec.CommandContext(ctx, node, "audit.mjs", url+"/graphql")
	audit.Dir = auditDir
	out, err := audit.CombinedOutput()
	t.Logf("%s", out)
	if err != nil {
		t.Fatalf("the audit found problems: %v", err)
	}
}

var servingLine = regexp.MustCompile(`"tailor is serving" graphql=(http://[^ ]+)/graphql`)

// startServe runs the tailor command with args and env in this process, waits until it
// serves and returns its base URL and a function that shuts it down.
func startServe(t *testing.T, ctx context.Context, env map[string]string, args ...string) (string, func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	logs, w := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, args, func(k string) string { return env[k] }, w)
		w.CloseWithError(errors.Join(err, io.EOF))
		done <- err
	}()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	}
	lines := bufio.NewScanner(logs)
	for lines.Scan() {
		if m := servingLine.FindStringSubmatch(lines.Text()); m != nil {
			go io.Copy(io.Discard, logs)
			return m[1], stop
		}
	}
	stop()
	t.Fatalf("serve stopped before serving: %v", lines.Err())
	return "", nil
}

// freshDatabase gives the test a migrated database of its own, dropped when it ends, and a
// context that ends after timeout.
func freshDatabase(t *testing.T, timeout time.Duration) (context.Context, *pgtest.Database) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return ctx, db
}
