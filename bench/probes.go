package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/auth"
)

// probeRepeats is how many times each probe is sent; CPU is reported per request.
const probeRepeats = 20

// probe is one request an attacker would send, with who sends it.
type probe struct {
	name string
	// as names the caller: "" (anonymous), a demo handle, or "key:<scope>" for an API key of
	// the demo author holding that one scope.
	as    string
	query string
	vars  map[string]any
	// want is the answer expected: an error code, or "data".
	want string
}

// probeResult is what one probe cost the gateway and PostgreSQL.
type probeResult struct {
	Name          string  `json:"name"`
	Answer        string  `json:"answer"`
	Want          string  `json:"want"`
	Statements    int     `json:"sqlStatements"`
	ServerCPUms   float64 `json:"serverCpuMsPerRequest"`
	PostgresCPUms float64 `json:"postgresCpuMsPerRequest"`
	RSSGrowthMB   float64 `json:"peakRssGrowthMb"`
	BodyBytes     int     `json:"requestBytes"`
}

func aliased(n int, field string) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, "a%d: %s ", i, field)
	}
	return b.String()
}

func nestedFragments(n int) string {
	var b strings.Builder
	b.WriteString("query Bomb { contents(first: 1) { edges { node { ...F" + strconv.Itoa(n) + " } } } }\n")
	b.WriteString("fragment F0 on Content { id }\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Content { a: related(first: 1) { ...F%d } b: related(first: 1) { ...F%d } }\n", i, i-1, i-1)
	}
	return b.String()
}

// authorItem stands, in a probe's variables, for the global ID of one of the demo author's items.
const authorItem = "<an item of the demo author>"

// probes are the requests of the hardening issue's table.
func probes() []probe {
	var logIns strings.Builder
	for i := range 40 {
		fmt.Fprintf(&logIns, `a%d: logIn(input: {login: "reader", password: "guess number %d"}) { accessToken } `, i, i)
	}
	return []probe{
		{name: "22 nested fragments, each spreading the previous one twice under two aliases of related", query: nestedFragments(22), want: "QUERY_TOO_COMPLEX"},
		{name: "viewer { id } 6,000 times under one response name", query: "{ " + strings.Repeat("viewer { id } ", 6000) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "__typename 10,000 times", query: "{ " + strings.Repeat("__typename ", 10000) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "viewer { id } 6,000 times under different aliases", query: "{ " + aliased(6000, "viewer { id }") + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "a 1 MB document of 95,000 fields", query: "{ " + strings.Repeat("__typename ", 95000) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "a field with 1,200 directives", query: "{ __typename " + strings.Repeat("@include(if: true) ", 1200) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "the whole schema introspected 20 times under aliases", query: "{ " + aliased(20, "__schema { types { name fields { name args { name } type { name } } } }") + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "introspection nested past the introspection depth", query: `{ __schema { types { fields { type { fields { type { fields { name } } } } } } } }`, want: "BAD_USER_INPUT"},
		{name: "contents(first: 50) with three levels of related(first: 20)", query: `{ contents(first: 50) { edges { node { related(first: 20) { related(first: 20) { related(first: 20) { id } } } } } } }`, want: "QUERY_TOO_COMPLEX"},
		{name: "40 aliased logIn calls with different passwords", query: "mutation { " + logIns.String() + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "logIn twice beside changeRole, as the admin", as: "admin", query: `mutation { a: logIn(input: {login: "admin", password: "wrong"}) { accessToken }
			b: logIn(input: {login: "admin", password: "tailor-demo"}) { accessToken }
			d: changeRole(input: {userId: "VXNlcjox", role: READER}) { user { role } } }`, want: "BAD_USER_INPUT"},
		{name: "500 aliased search calls", query: "{ " + aliased(500, `search(query: "data") { edges { cursor } }`) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "30 aliased search calls", query: "{ " + aliased(30, `search(query: "data") { edges { cursor } }`) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "one reader, 50 aliased recordInteraction(VIEW)", as: "reader", query: "mutation { " + aliased(50, `recordInteraction(input: {contentId: "Q29udGVudDox", kind: VIEW}) { userErrors { code } }`) + "}", want: "QUERY_TOO_COMPLEX"},
		{name: "search \"data -swordfish\", anonymous", query: `{ search(query: "data -swordfish", first: 20) { edges { rank node { title } } } }`, want: "data"},
		{name: "a content:write-only key updates its owner's item with no changes", as: "key:CONTENT_WRITE", query: `mutation($id: ID!) { updateContent(input: {id: $id}) { content { body } userErrors { code } } }`,
			vars: map[string]any{"id": authorItem}, want: "data"},
		{name: "a content:read-only key lists its owner's keys", as: "key:CONTENT_READ", query: `{ viewer { apiKeys { name scopes } } }`, want: "data"},
		{name: "NUL in a slug", query: `query($s: String!) { content(slug: $s) { id } }`, vars: map[string]any{"s": "a\x00b"}, want: "BAD_USER_INPUT"},
		{name: "NUL in a handle", query: `query($h: String!) { user(handle: $h) { id } }`, vars: map[string]any{"h": "a\x00b"}, want: "BAD_USER_INPUT"},
		{name: "NUL in a login", query: `mutation($l: String!) { logIn(input: {login: $l, password: "x"}) { accessToken } }`, vars: map[string]any{"l": "a\x00b"}, want: "BAD_USER_INPUT"},
		{name: "NUL in a cursor", query: `query($c: String!) { contents(first: 2, after: $c) { edges { cursor } } }`, vars: map[string]any{"c": "a\x00b"}, want: "BAD_USER_INPUT"},
		{name: "first: 100000", query: `{ contents(first: 100000) { edges { cursor } } }`, want: "BAD_USER_INPUT"},
	}
}

// runProbes starts the gateway over the scale's database and sends each probe, measuring
// what it costs: the gateway's and PostgreSQL's CPU per request and the growth of the
// gateway's peak RSS. It writes bench/results/<date>-probes.{json,md}.
func runProbes(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sc, err := scaleByName(o.scale)
	if err != nil {
		return err
	}
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bench", "results")
	}
	setup, err := prepareDatabase(ctx, o.serverURL, sc, o.reseed, logger)
	if err != nil {
		return err
	}
	started := time.Now()
	key, keyEnv, err := signingKey(o.serverEnv, started)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tailor-probes-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gatewayBin, err := buildGateway(ctx, root, tmp)
	if err != nil {
		return err
	}
	gw, err := startGateway(gatewayBin, setup.URL, tmp, append([]string{keyEnv}, o.serverEnv...))
	if gw != nil {
		defer gw.Proc.stop()
	}
	if err != nil {
		return err
	}
	client := newClient()
	defer client.CloseIdleConnections()
	if err := gw.Proc.waitReady(ctx, client, time.Minute); err != nil {
		return err
	}
	creds, err := probeCredentials(ctx, client, gw, setup.URL, key)
	if err != nil {
		return err
	}
	var results []probeResult
	for _, p := range probes() {
		r, err := measureProbe(ctx, client, gw, p, creds)
		if err != nil {
			return fmt.Errorf("probe %q: %w", p.name, err)
		}
		logger.Info("probe", "name", p.name, "answer", r.Answer, "server_cpu_ms", r.ServerCPUms, "rss_growth_mb", r.RSSGrowthMB)
		results = append(results, r)
	}
	return writeProbeReport(o.out, "go run ./bench "+strings.Join(args, " "), sc, started, results, stdout)
}

// probeCredentials mints access tokens for the demo accounts and creates the API keys the
// probes use, through the gateway itself.
func probeCredentials(ctx context.Context, client *http.Client, gw *loadTarget, dbURL string, key auth.Key) (map[string]string, error) {
	db, err := sqlx.ConnectContext(ctx, "postgres", dbURL)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	tokens := auth.NewTokens(key, nil, time.Hour, time.Now)
	creds := map[string]string{}
	var item int64
	if err := db.GetContext(ctx, &item, `SELECT c.id FROM contents c JOIN users u ON u.id = c.author_id
		WHERE u.handle = 'author' AND c.deleted_at IS NULL ORDER BY c.id LIMIT 1`); err != nil {
		return nil, fmt.Errorf("an item of the demo author: %w", err)
	}
	creds[authorItem] = base64.RawURLEncoding.EncodeToString([]byte("Content:" + strconv.FormatInt(item, 10)))
	for _, handle := range []string{"admin", "author", "reader"} {
		var id int64
		if err := db.GetContext(ctx, &id, `SELECT id FROM users WHERE handle = $1`, handle); err != nil {
			return nil, fmt.Errorf("demo account %s: %w", handle, err)
		}
		if creds[handle], _, err = tokens.Issue(id); err != nil {
			return nil, err
		}
	}
	for _, scope := range []string{"CONTENT_WRITE", "CONTENT_READ"} {
		var d struct {
			Data struct {
				CreateApiKey struct{ Secret string }
			}
		}
		if _, err := sendProbe(ctx, client, gw, creds["author"], `mutation($s: ApiKeyScope!) { createApiKey(input: {name: "probe", scopes: [$s]}) { secret } }`,
			map[string]any{"s": scope}, &d); err != nil {
			return nil, err
		}
		if d.Data.CreateApiKey.Secret == "" {
			return nil, fmt.Errorf("createApiKey returned no secret")
		}
		creds["key:"+scope] = d.Data.CreateApiKey.Secret
	}
	return creds, nil
}

// sendProbe posts one request and decodes its answer into v; it returns the statement count.
func sendProbe(ctx context.Context, client *http.Client, gw *loadTarget, credential, query string, vars map[string]any, v any) (int, error) {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return 0, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, gw.graphqlURL(), bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	if credential != "" {
		req.Header.Set("Authorization", "Bearer "+credential)
	}
	res, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return 0, err
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return 0, fmt.Errorf("answer %d is not JSON: %.200s", res.StatusCode, raw)
	}
	n, _ := strconv.Atoi(res.Header.Get(statementsHeader))
	return n, nil
}

func measureProbe(ctx context.Context, client *http.Client, gw *loadTarget, p probe, creds map[string]string) (probeResult, error) {
	pid := gw.Proc.Pid()
	resetPeakRSS(pid)
	rss0, err := readRSS(pid)
	if err != nil {
		return probeResult{}, err
	}
	cpu0, err := readProcCPU(pid)
	if err != nil {
		return probeResult{}, err
	}
	pg0 := postgresCPU()
	var answer struct {
		Data   json.RawMessage
		Errors []struct {
			Extensions struct{ Code string }
		}
	}
	vars := make(map[string]any, len(p.vars))
	for k, v := range p.vars {
		if v == authorItem {
			v = creds[authorItem]
		}
		vars[k] = v
	}
	statements := 0
	for range probeRepeats {
		answer.Data, answer.Errors = nil, nil
		if statements, err = sendProbe(ctx, client, gw, creds[p.as], p.query, vars, &answer); err != nil {
			return probeResult{}, err
		}
	}
	cpu1, err := readProcCPU(pid)
	if err != nil {
		return probeResult{}, err
	}
	pgCPU := cpuSince(pg0, postgresCPU())
	peak, err := readPeakRSS(pid)
	if err != nil {
		return probeResult{}, err
	}
	got := "data"
	if len(answer.Errors) > 0 {
		got = answer.Errors[0].Extensions.Code
	}
	body, _ := json.Marshal(map[string]any{"query": p.query, "variables": p.vars})
	return probeResult{
		Name: p.name, Answer: got, Want: p.want, Statements: statements, BodyBytes: len(body),
		ServerCPUms:   float64(cpu1-cpu0) / float64(time.Millisecond) / probeRepeats,
		PostgresCPUms: float64(pgCPU) / float64(time.Millisecond) / probeRepeats,
		RSSGrowthMB:   float64(max(peak-rss0, 0)) / (1 << 20),
	}, nil
}

// readRSS returns pid's resident set size in bytes.
func readRSS(pid int) (int64, error) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err
		}
	}
	return 0, fmt.Errorf("/proc/%d/status has no VmRSS", pid)
}

func writeProbeReport(dir, command string, sc Scale, started time.Time, results []probeResult, stdout io.Writer) error {
	var md bytes.Buffer
	fmt.Fprintf(&md, "# Tailor hardening probes: %s scale, %s\n\n", sc.Name, started.UTC().Format("2006-01-02 15:04Z"))
	fmt.Fprintf(&md, "- **Command:** `%s`\n- **Scale:** %s\n", command, sc)
	fmt.Fprintf(&md, "- **Method:** each probe is sent %d times in a row to a fresh `tailor serve` (GOMAXPROCS=2); CPU is the gateway's (utime+stime from /proc) and every PostgreSQL process's, per request; RSS growth is the gateway's peak RSS (VmHWM, reset before the probe) above its RSS before it.\n\n", probeRepeats)
	md.WriteString("| probe | answer | expected | SQL stmts | gateway CPU ms/req | PostgreSQL CPU ms/req | peak RSS growth MB | request bytes |\n|---|---|---|---:|---:|---:|---:|---:|\n")
	worstCPU, worstRSS := 0.0, 0.0
	for _, r := range results {
		mark := r.Answer
		if r.Answer != r.Want {
			mark = "**" + r.Answer + "**"
		}
		fmt.Fprintf(&md, "| %s | %s | %s | %d | %.2f | %.2f | %.1f | %d |\n", r.Name, mark, r.Want, r.Statements, r.ServerCPUms, r.PostgresCPUms, r.RSSGrowthMB, r.BodyBytes)
		worstCPU, worstRSS = max(worstCPU, r.ServerCPUms), max(worstRSS, r.RSSGrowthMB)
	}
	fmt.Fprintf(&md, "\nMost CPU for one probe request: %.2f ms (target ≤ 50 ms); most peak RSS growth: %.1f MB (target ≤ 20 MB).\n", worstCPU, worstRSS)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	base := filepath.Join(dir, started.UTC().Format("2006-01-02")+"-probes")
	js, err := json.MarshalIndent(map[string]any{"command": command, "scale": sc, "startedAt": started.UTC(), "probes": results}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".md", md.Bytes(), 0o644); err != nil {
		return err
	}
	_, err = stdout.Write(md.Bytes())
	fmt.Fprintf(stdout, "\nwrote %s.json, %s.md\n", base, base)
	for _, r := range results {
		if r.Answer != r.Want {
			return fmt.Errorf("probe %q answered %s, want %s", r.Name, r.Answer, r.Want)
		}
	}
	return err
}
