package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/config"
)

// puppeteerCore is the puppeteer-core release that drives Chromium in the explorer test:
// 25.16.0 is the one made for Chromium 156, Debian 12's.
const puppeteerCore = "25.16.0"

// explorerReport is what testdata/explorer.mjs prints.
type explorerReport struct {
	Browser         string
	BlockedRequests []string
	PageErrors      []string
	Responses       []struct {
		OperationName *string
		Status        int
		Remaining     *int64
	}
	Results []struct {
		Query     string
		Status    int
		Errors    []struct{ Message string }
		Remaining *int64
		Limit     *int64
		Cost      *int64
		ResetAt   string
		Shown     bool
	}
}

// The explorer at / loads in headless Chromium without reaching past loopback, and every
// README example that needs no token, typed into its query editor and run with its button,
// shows the server's answer without errors, each spending anonymous points within the budget.
func TestExplorerRunsTheREADMEExamples(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Fatal("the explorer test needs Node.js 20 or newer and npm on the PATH (Debian: apt-get install nodejs npm)")
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		t.Fatal("the explorer test needs Chromium on the PATH (Debian: apt-get install chromium)")
	}
	modules := installPuppeteerCore(t, ctx)

	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var queries []string
	for _, b := range graphqlBlock.FindAllStringSubmatch(string(readme), -1) {
		if !signedInAs.MatchString(b[1]) {
			queries = append(queries, b[1])
		}
	}
	if len(queries) < 4 {
		t.Fatalf("found %d README examples that need no token, want at least 4", len(queries))
	}
	file := filepath.Join(t.TempDir(), "queries.json")
	list, err := json.Marshal(queries)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, list, 0o644); err != nil {
		t.Fatal(err)
	}
	defaults, err := config.Load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}

	explorer := strings.TrimSuffix(demoServer(t), "graphql")
	driver := exec.CommandContext(ctx, node, "testdata/explorer.mjs", explorer, file)
	driver.Env = append(os.Environ(), "NODE_PATH="+modules, "CHROMIUM="+chromium)
	// An interrupt lets puppeteer close Chromium; a kill would leave it running.
	driver.Cancel = func() error { return driver.Process.Signal(os.Interrupt) }
	driver.WaitDelay = 10 * time.Second
	var stderr bytes.Buffer
	driver.Stderr = &stderr
	out, err := driver.Output()
	if err != nil {
		t.Fatalf("driving the explorer at %s: %v\nreport: %s\n%s", explorer, err, out, stderr.Bytes())
	}
	var r explorerReport
	if err := json.Unmarshal(out, &r); err != nil {
		t.Fatalf("the driver's report: %v\n%s", err, out)
	}
	t.Logf("%s; %d GraphQL requests", r.Browser, len(r.Responses))

	for _, u := range r.BlockedRequests {
		t.Errorf("the explorer reached past loopback: %s", u)
	}
	for _, e := range r.PageErrors {
		t.Errorf("the explorer page: %s", e)
	}
	if len(r.Results) != len(queries) {
		t.Fatalf("%d answers for %d examples", len(r.Results), len(queries))
	}
	decreased := false
	for i, res := range r.Results {
		switch {
		case res.Status != 200 || len(res.Errors) > 0:
			t.Errorf("status %d, errors %+v for\n%s", res.Status, res.Errors, res.Query)
		case !res.Shown:
			t.Errorf("the response pane does not show the answer to\n%s", res.Query)
		case res.Remaining == nil || res.Limit == nil || res.Cost == nil:
			t.Errorf("no RateLimit headers or extensions.cost in the answer to\n%s", res.Query)
		case *res.Limit != defaults.RateAnonymous:
			t.Errorf("RateLimit-Limit %d, want the anonymous budget %d, for\n%s", *res.Limit, defaults.RateAnonymous, res.Query)
		case *res.Remaining <= 0 || *res.Cost <= 0:
			t.Errorf("RateLimit-Remaining %d after a cost of %d for\n%s", *res.Remaining, *res.Cost, res.Query)
		case i > 0 && res.ResetAt == r.Results[i-1].ResetAt && r.Results[i-1].Remaining != nil:
			// A new rate-limit window starts the budget afresh; within one, it only falls.
			if *res.Remaining >= *r.Results[i-1].Remaining {
				t.Errorf("RateLimit-Remaining went from %d to %d for\n%s", *r.Results[i-1].Remaining, *res.Remaining, res.Query)
			} else {
				decreased = true
			}
		}
	}
	if !decreased && !t.Failed() {
		t.Error("RateLimit-Remaining never fell from one example to the next")
	}
}

// installPuppeteerCore installs puppeteerCore into the user's cache on first use and returns
// the node_modules directory that holds it.
func installPuppeteerCore(t *testing.T, ctx context.Context) string {
	t.Helper()
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	dir := filepath.Join(cache, "tailor", "puppeteer-core-"+puppeteerCore)
	modules := filepath.Join(dir, "node_modules")
	if _, err := os.Stat(filepath.Join(modules, "puppeteer-core", "package.json")); err == nil {
		return modules
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		t.Fatal(err)
	}
	// Installed beside the final place and moved there whole, so an interrupted or concurrent
	// install never leaves half a package to be found.
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "install-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(tmp)
	install := exec.CommandContext(ctx, "npm", "install", "--prefix", tmp, "--no-audit", "--no-fund", "--loglevel=error", "puppeteer-core@"+puppeteerCore)
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("npm install puppeteer-core@%s (npm comes with Debian's nodejs and npm packages): %v\n%s", puppeteerCore, err, out)
	}
	if err := os.Rename(tmp, dir); err != nil {
		if _, statErr := os.Stat(filepath.Join(modules, "puppeteer-core", "package.json")); statErr != nil {
			t.Fatal(err)
		}
	}
	return modules
}
