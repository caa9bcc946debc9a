package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// maxErrorRate fails the run when a step's share of failed requests is higher.
const maxErrorRate = 0.01

// The performance targets of the issues.
const (
	minThroughputShare = 0.5       // gateway req/s at high concurrency ≥ this share of the floor's
	maxP50Factor       = 2.0       // gateway W2 p50 at c=1 ≤ this multiple of the floor's
	maxPeakRSS         = 150 * 1e6 // bytes; MB here means 10^6 bytes
	maxFeedP50Ms       = 20.0      // W1 (first feed page) p50 at c=1, milliseconds (issue 5)
	maxFeedStatements  = 6         // SQL statements of one feed request, whatever first is (issue 5)
	maxSignedInList    = 2.0       // W6s (signed in) p50 at c=1 ≤ this multiple of W6's (anonymous)
	maxCommonSearchMs  = 30.0      // W7 and W7s (search for the most common word) p50 at c=1 at the large scale, in ms
)

// machineInfo describes where the benchmark ran.
type machineInfo struct {
	CPUs            int    `json:"nproc"`
	CPUModel        string `json:"cpuModel"`
	MemoryBytes     int64  `json:"memoryBytes"`
	Kernel          string `json:"kernel"`
	GoVersion       string `json:"goVersion"`
	PostgresVersion string `json:"postgresVersion"`
	LoadAvgStart    string `json:"loadAvgStart"`
	LoadAvgEnd      string `json:"loadAvgEnd"`
}

// readMachine gathers what /proc says about the machine.
func readMachine(pgVersion string) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), PostgresVersion: pgVersion, LoadAvgStart: loadAvg()}
	m.CPUModel = procField("/proc/cpuinfo", "model name", ":")
	if kb := procField("/proc/meminfo", "MemTotal", ":"); kb != "" {
		var n int64
		fmt.Sscanf(strings.TrimSuffix(kb, " kB"), "%d", &n)
		m.MemoryBytes = n << 10
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = strings.TrimSpace(string(b))
	}
	return m
}

// procField returns the value of the first line of path that starts with key.
func procField(path, key, sep string) string {
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b))
	if len(f) < 3 {
		return ""
	}
	return strings.Join(f[:3], " ")
}

// opInfo describes one operation of a workload.
type opInfo struct {
	Name   string `json:"name"`
	Weight int    `json:"weight"`
	Auth   string `json:"auth"`
	Depth  int    `json:"depth"`
	Query  string `json:"query"`
}

// workloadInfo describes one workload and whether it ran.
type workloadInfo struct {
	Name        string   `json:"name"`
	Title       string   `json:"title"`
	Operations  []opInfo `json:"operations"`
	Depth       int      `json:"depth"`
	FloorServes bool     `json:"floorServes"`
}

func describeWorkload(w workload) workloadInfo {
	wi := workloadInfo{Name: w.Name, Title: w.Title, FloorServes: w.floorServes()}
	for _, s := range w.Mix {
		d, _ := queryDepth(s.Op.Query) // the table's queries parse: TestWorkloadQueriesValidate
		auth := "anonymous"
		switch {
		case s.Op.Auth == signedIn && s.Op.Role != "":
			auth = "signed in as a " + s.Op.Role + " (bearer token)"
		case s.Op.Auth == signedIn:
			auth = "signed-in viewer (bearer token)"
		}
		wi.Operations = append(wi.Operations, opInfo{Name: s.Op.key(), Weight: s.Weight, Auth: auth, Depth: d, Query: s.Op.Query})
		wi.Depth = max(wi.Depth, d)
	}
	return wi
}

// ratio compares the gateway with the floor on one measurement.
type ratio struct {
	Workload string  `json:"workload"`
	Metric   string  `json:"metric"`
	Gateway  float64 `json:"gateway"`
	Floor    float64 `json:"floor"`
	Ratio    float64 `json:"gatewayOverFloor"`
}

// targetResult is one target of the issue and whether this run meets it.
type targetResult struct {
	Name string `json:"name"`
	// Status is "holds", "missed" or "not measured".
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// settings are the run's parameters.
type settings struct {
	DurationSeconds float64  `json:"durationSeconds"`
	WarmupSeconds   float64  `json:"warmupSeconds"`
	Concurrency     []int    `json:"concurrency"`
	SampleSeed      uint64   `json:"sampleSeed"`
	GatewayDefaults []string `json:"gatewayDefaults,omitempty"`
	ServerEnv       []string `json:"serverEnv,omitempty"`
	Profiled        bool     `json:"profiled"`
}

// report is everything a run produced; it is written as JSON and as Markdown.
type report struct {
	Command       string      `json:"command"`
	StartedAt     time.Time   `json:"startedAt"`
	FinishedAt    time.Time   `json:"finishedAt"`
	Machine       machineInfo `json:"machine"`
	Scale         Scale       `json:"scale"`
	Database      dbSetup     `json:"database"`
	CorePolicy    string      `json:"corePolicy"`
	Settings      settings    `json:"settings"`
	FloorVerified int         `json:"floorResponsesVerified"`
	// Viewers says who the signed-in requests were sent as.
	Viewers string `json:"viewers,omitempty"`
	// SearchWord is what W7 and W7s search for: the corpus's most common word.
	SearchWord string `json:"searchWord,omitempty"`
	// FeedProbes are the feed's statement counts at several page sizes, measured at the start.
	FeedProbes []feedProbe    `json:"feedProbes,omitempty"`
	Workloads  []workloadInfo `json:"workloads"`
	Steps      []stepResult   `json:"steps"`
	Ratios     []ratio        `json:"ratios"`
	Targets    []targetResult `json:"targets"`
}

func (r *report) step(target, workload string, conc int) *stepResult {
	for i := range r.Steps {
		s := &r.Steps[i]
		if s.Target == target && s.Workload == workload && s.Concurrency == conc {
			return s
		}
	}
	return nil
}

// evaluate computes the gateway÷floor ratios and the targets from the steps.
func (r *report) evaluate() {
	lo, hi := r.Settings.Concurrency[0], r.Settings.Concurrency[0]
	for _, c := range r.Settings.Concurrency {
		lo, hi = min(lo, c), max(hi, c)
	}
	r.Ratios, r.Targets = nil, nil
	for _, w := range []string{"W2", "W3", "W6"} {
		if g, f := r.step("gateway", w, hi), r.step("floor", w, hi); g != nil && f != nil && f.RPS > 0 {
			r.Ratios = append(r.Ratios, ratio{Workload: w, Metric: fmt.Sprintf("throughput req/s, c=%d", hi), Gateway: g.RPS, Floor: f.RPS, Ratio: g.RPS / f.RPS})
		}
		if g, f := r.step("gateway", w, lo), r.step("floor", w, lo); g != nil && f != nil && f.P50Ms > 0 {
			r.Ratios = append(r.Ratios, ratio{Workload: w, Metric: fmt.Sprintf("p50 ms, c=%d", lo), Gateway: g.P50Ms, Floor: f.P50Ms, Ratio: g.P50Ms / f.P50Ms})
		}
	}
	for _, w := range []string{"W2", "W3"} {
		t := targetResult{Name: fmt.Sprintf("%s throughput (c=%d) ≥ %.0f%% of the floor's", w, hi, minThroughputShare*100), Status: "not measured"}
		if g, f := r.step("gateway", w, hi), r.step("floor", w, hi); g != nil && f != nil && f.RPS > 0 {
			share := g.RPS / f.RPS
			t.Status = verdict(share >= minThroughputShare)
			t.Detail = fmt.Sprintf("%.0f vs %.0f req/s: %.0f%% of the floor", g.RPS, f.RPS, share*100)
		}
		r.Targets = append(r.Targets, t)
	}
	t := targetResult{Name: fmt.Sprintf("W2 p50 (c=%d) ≤ %.0f× the floor's", lo, maxP50Factor), Status: "not measured"}
	if g, f := r.step("gateway", "W2", lo), r.step("floor", "W2", lo); g != nil && f != nil && f.P50Ms > 0 {
		t.Status = verdict(g.P50Ms <= maxP50Factor*f.P50Ms)
		t.Detail = fmt.Sprintf("%.2f vs %.2f ms: %.2f×", g.P50Ms, f.P50Ms, g.P50Ms/f.P50Ms)
	}
	r.Targets = append(r.Targets, t)

	t = targetResult{Name: fmt.Sprintf("W1 feed p50 (c=%d) ≤ %.0f ms", lo, maxFeedP50Ms), Status: "not measured"}
	if g := r.step("gateway", "W1", lo); g != nil {
		t.Status = verdict(g.P50Ms <= maxFeedP50Ms)
		t.Detail = fmt.Sprintf("%.2f ms (p95 %.2f ms)", g.P50Ms, g.P95Ms)
	}
	r.Targets = append(r.Targets, t)
	r.Targets = append(r.Targets, r.feedStatementsTarget())
	r.Targets = append(r.Targets, r.signedInListTarget(lo))

	t = targetResult{Name: "SQL statements ≤ query depth, every read of every workload (writes are counted, not held to it)", Status: "not measured"}
	var over []string
	measured := false
	for _, s := range r.Steps {
		if s.Target != "gateway" {
			continue
		}
		measured = true
		if s.OverDepth > 0 || s.MissingStatementHeader > 0 {
			over = append(over, fmt.Sprintf("%s c=%d: %d of %d requests over depth %d (max %d statements), %d without a count",
				s.Workload, s.Concurrency, s.OverDepth, s.Requests, s.Depth, s.StatementsMax, s.MissingStatementHeader))
		}
	}
	if measured {
		t.Status = verdict(len(over) == 0)
		t.Detail = "every request within its query's depth"
		if len(over) > 0 {
			t.Detail = strings.Join(over, "; ")
		}
	}
	r.Targets = append(r.Targets, t)

	t = targetResult{Name: fmt.Sprintf("gateway peak RSS ≤ %.0f MB", maxPeakRSS/1e6), Status: "not measured"}
	var peak int64
	var at string
	for _, s := range r.Steps {
		if s.Target == "gateway" && s.PeakRSSBytes > peak {
			peak, at = s.PeakRSSBytes, fmt.Sprintf("%s c=%d", s.Workload, s.Concurrency)
		}
	}
	if peak > 0 {
		t.Status = verdict(float64(peak) <= maxPeakRSS)
		t.Detail = fmt.Sprintf("%.1f MB at %s", float64(peak)/1e6, at)
	}
	r.Targets = append(r.Targets, t)
}

// signedInListTarget checks that the plain list signed in (W6s) is within maxSignedInList of
// the same list anonymous (W6) at concurrency c, and shows W6s's p50 by role.
func (r *report) signedInListTarget(c int) targetResult {
	t := targetResult{Name: fmt.Sprintf("W6s (signed in) p50 (c=%d) ≤ %.0f× W6's (anonymous)", c, maxSignedInList), Status: "not measured"}
	a, s := r.step("gateway", "W6", c), r.step("gateway", "W6s", c)
	if a == nil || s == nil || a.P50Ms <= 0 {
		return t
	}
	t.Status = verdict(s.P50Ms <= maxSignedInList*a.P50Ms)
	t.Detail = fmt.Sprintf("%.2f vs %.2f ms: %.2f×", s.P50Ms, a.P50Ms, s.P50Ms/a.P50Ms)
	var roles []string
	for _, o := range s.Operations {
		roles = append(roles, fmt.Sprintf("%s %.2f ms", strings.TrimPrefix(o.Name, opContentList+" as "), o.P50Ms))
	}
	if len(roles) > 0 {
		t.Detail += " (by role: " + strings.Join(roles, ", ") + ")"
	}
	return t
}

// commonSearchTarget checks W7 and W7s, the search for the corpus's most common word, against
// maxCommonSearchMs at c.
func (r *report) commonSearchTarget(c int) targetResult {
	t := targetResult{Name: fmt.Sprintf("search for the most common word p50 (c=%d) ≤ %.0f ms, anonymous and signed in", c, maxCommonSearchMs), Status: "not measured"}
	var parts []string
	ok := true
	for _, w := range []string{"W7", "W7s"} {
		s := r.step("gateway", w, c)
		if s == nil {
			return t
		}
		ok = ok && s.P50Ms <= maxCommonSearchMs
		parts = append(parts, fmt.Sprintf("%s %.2f ms", w, s.P50Ms))
	}
	t.Status = verdict(ok)
	t.Detail = fmt.Sprintf("%s (%q)", strings.Join(parts, ", "), r.SearchWord)
	return t
}

// feedStatementsTarget checks that no feed request ran more than maxFeedStatements
// statements: the W1 and W1b steps, the feed's share of W5, and the probes at every page size.
func (r *report) feedStatementsTarget() targetResult {
	t := targetResult{Name: fmt.Sprintf("feed ≤ %d SQL statements per request, whatever first is", maxFeedStatements), Status: "not measured"}
	worst, missing := 0, 0
	var parts []string
	for _, s := range r.Steps {
		if s.Target != "gateway" {
			continue
		}
		switch s.Workload {
		case "W1", "W1b":
			worst = max(worst, s.StatementsMax)
			missing += s.MissingStatementHeader
			parts = append(parts, fmt.Sprintf("%s c=%d: %.2f mean, %d max", s.Workload, s.Concurrency, s.StatementsMean, s.StatementsMax))
		}
		for _, o := range s.Operations {
			if o.Name == opFeed || o.Name == opFeedNextPage {
				worst = max(worst, o.StatementsMax)
				parts = append(parts, fmt.Sprintf("%s's %s c=%d: %d max", s.Workload, o.Name, s.Concurrency, o.StatementsMax))
			}
		}
	}
	if len(r.FeedProbes) > 0 {
		var ps []string
		for _, p := range r.FeedProbes {
			worst = max(worst, p.StatementsMax)
			missing += p.MissingHeader
			ps = append(ps, fmt.Sprintf("%d/%s %d", p.First, p.Page, p.StatementsMax))
		}
		parts = append(parts, "probes (first/page max): "+strings.Join(ps, ", "))
	}
	if len(parts) == 0 {
		return t
	}
	t.Status = verdict(worst <= maxFeedStatements && missing == 0)
	t.Detail = fmt.Sprintf("max %d; %s", worst, strings.Join(parts, "; "))
	if missing > 0 {
		t.Detail += fmt.Sprintf("; %d answers without a count", missing)
	}
	return t
}

func verdict(ok bool) string {
	if ok {
		return "holds"
	}
	return "missed"
}

// verdict fails the run when a step's error rate is over maxErrorRate and, when strict, when
// a target is missed. Timing alone never fails a run that is not strict.
func (r *report) verdict(strict bool) error {
	var failed []string
	for _, s := range r.Steps {
		if s.ErrorRate > maxErrorRate {
			failed = append(failed, fmt.Sprintf("%s %s c=%d: %d of %d requests failed (%.1f%%), first: %s",
				s.Target, s.Workload, s.Concurrency, s.Errors, s.Requests, s.ErrorRate*100, s.FirstError))
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("more than %.0f%% of requests failed:\n  %s", maxErrorRate*100, strings.Join(failed, "\n  "))
	}
	if !strict {
		return nil
	}
	var missed []string
	for _, t := range r.Targets {
		if t.Status == "missed" {
			missed = append(missed, t.Name)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("-strict: missed targets: %s", strings.Join(missed, "; "))
	}
	return nil
}

// write saves the report as <date>-<scale>.json and .md in dir, and as latest.md.
func (r *report) write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	base := filepath.Join(dir, r.StartedAt.UTC().Format("2006-01-02")+"-"+r.Scale.Name)
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("results: %w", err)
	}
	var md strings.Builder
	r.markdown(&md)
	files := []struct {
		path string
		data []byte
	}{
		{base + ".json", append(js, '\n')},
		{base + ".md", []byte(md.String())},
		{filepath.Join(dir, "latest.md"), []byte(md.String())},
	}
	var written []string
	for _, f := range files {
		// Write beside the target, then rename, so a reader never sees half a file.
		tmp := f.path + ".tmp"
		if err := os.WriteFile(tmp, f.data, 0o644); err != nil {
			return written, fmt.Errorf("results: %w", err)
		}
		if err := os.Rename(tmp, f.path); err != nil {
			return written, fmt.Errorf("results: %w", err)
		}
		written = append(written, f.path)
	}
	return written, nil
}

// markdown renders the report.
func (r *report) markdown(w io.Writer) {
	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p("# Tailor benchmark: %s scale, %s\n\n", r.Scale.Name, r.StartedAt.UTC().Format("2006-01-02 15:04Z"))
	p("- **Command:** `%s`\n", r.Command)
	m := r.Machine
	p("- **Machine:** %d CPUs (%s), %.1f GiB memory, Linux %s; %s; %s\n", m.CPUs, m.CPUModel,
		float64(m.MemoryBytes)/(1<<30), m.Kernel, m.GoVersion, m.PostgresVersion)
	p("- **Load average:** %s at the start, %s at the end (the \"other\" column shows each step's interference from other work)\n", m.LoadAvgStart, m.LoadAvgEnd)
	reuse := "built by this run"
	if r.Database.Reused {
		reuse = "reused"
	}
	if r.Database.BuildSeconds > 0 {
		reuse = fmt.Sprintf("built by this run in %s", time.Duration(r.Database.BuildSeconds*float64(time.Second)).Round(time.Second))
	}
	size := ""
	if r.Database.SizeBytes > 0 {
		size = ", " + formatBytes(r.Database.SizeBytes)
	}
	p("- **Scale:** %s: %d users, %d topics, %d contents, %d interactions (seed %d; database `%s`%s, seeded %s, %s)\n",
		r.Scale.Name, r.Scale.Users, r.Scale.Topics, r.Scale.Contents, r.Scale.Interactions, r.Scale.Seed, r.Scale.Database,
		size, r.Database.SeededAt.UTC().Format("2006-01-02 15:04Z"), reuse)
	p("- **Steps:** %s measured after %s of warm-up, at concurrency %s, closed loop (each worker sends its next request when the previous one answered), keep-alive connections\n",
		time.Duration(r.Settings.DurationSeconds*float64(time.Second)), time.Duration(r.Settings.WarmupSeconds*float64(time.Second)), joinInts(r.Settings.Concurrency))
	p("- **Core sharing:** %s\n", r.CorePolicy)
	if len(r.Settings.GatewayDefaults) > 0 {
		p("- **Gateway settings:** `%s` (every first page of a feed is ranked afresh; `-server-env` overrides)\n", strings.Join(r.Settings.GatewayDefaults, " "))
	}
	if len(r.Settings.ServerEnv) > 0 {
		p("- **Extra gateway environment:** `%s`\n", strings.Join(r.Settings.ServerEnv, " "))
	}
	if r.Settings.Profiled {
		p("- **Profiled:** CPU and allocation profiles were taken during the highest-concurrency gateway steps, which costs the gateway a few percent\n")
	}
	p("- **Floor check:** %d responses of the floor were byte-for-byte equal to the gateway's after JSON normalization\n", r.FloorVerified)
	if r.Viewers != "" {
		p("- **Signed-in viewers:** %s\n", r.Viewers)
	}
	if r.SearchWord != "" {
		p("- **Search word (W7, W7s):** %q, the most common word of the corpus by PostgreSQL's statistics of the search column\n", r.SearchWord)
	}
	if r.Database.Reused {
		p("- **Earlier runs' writes:** %d interactions recorded by earlier runs' W5 in this database (it is rebuilt past %.0f%% of the seeded interactions); %d expired feed snapshots deleted at the start\n",
			r.Database.EarlierWrites, maxWriteShare*100, r.Database.SnapshotsCleared)
	}

	p("\n## Targets\n\n| target | result | measured |\n|---|---|---|\n")
	for _, t := range r.Targets {
		p("| %s | %s | %s |\n", t.Name, statusMark(t.Status), t.Detail)
	}
	if len(r.Ratios) > 0 {
		p("\n## Gateway ÷ floor\n\n| workload | measure | gateway | floor | gateway ÷ floor |\n|---|---|---:|---:|---:|\n")
		for _, x := range r.Ratios {
			p("| %s | %s | %.2f | %.2f | %.2f |\n", x.Workload, x.Metric, x.Gateway, x.Floor, x.Ratio)
		}
	}
	p("\n## Results\n\n")
	p("| server | workload | c | req/s | p50 ms | p95 ms | p99 ms | errors | SQL stmts mean / max | depth | stmts ≤ depth | resp bytes | allocs/req | peak RSS MB | server CPU µs/req (cores) | PG CPU µs/req (cores) | load gen CPU µs/req | machine busy cores (other) |\n")
	p("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|:---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, s := range r.Steps {
		within := "yes"
		if s.OverDepth > 0 || s.MissingStatementHeader > 0 {
			within = fmt.Sprintf("**no** (%d)", s.OverDepth+s.MissingStatementHeader)
		}
		rss := fmt.Sprintf("%.1f", float64(s.PeakRSSBytes)/1e6)
		if !s.PeakRSSReset {
			rss += "†"
		}
		p("| %s | %s | %d | %.0f | %.2f | %.2f | %.2f | %d (%.2f%%) | %.2f / %d | %d | %s | %.0f | %.0f | %s | %.0f (%.2f) | %.0f (%.2f) | %.0f | %.2f (%.2f) |\n",
			s.Target, s.Workload, s.Concurrency, s.RPS, s.P50Ms, s.P95Ms, s.P99Ms, s.Errors, s.ErrorRate*100,
			s.StatementsMean, s.StatementsMax, s.Depth, within, s.BytesMean, s.AllocsPerRequest, rss,
			s.ServerCPUPerRequestUs, s.ServerCores, s.PostgresCPUPerRequestUs, s.PostgresCores, s.LoadCPUPerRequestUs,
			s.MachineCores, s.OtherCores)
	}
	var mixed []stepResult
	for _, s := range r.Steps {
		if len(s.Operations) > 0 {
			mixed = append(mixed, s)
		}
	}
	if len(mixed) > 0 {
		p("\n### Mixed workloads by operation\n\n")
		p("| server | workload | c | operation | requests | errors | p50 ms | p95 ms | p99 ms | SQL stmts mean / max | depth | over depth | resp bytes |\n")
		p("|---|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range mixed {
			for _, o := range s.Operations {
				p("| %s | %s | %d | %s | %d | %d | %.2f | %.2f | %.2f | %.2f / %d | %d | %d | %.0f |\n",
					s.Target, s.Workload, s.Concurrency, o.Name, o.Requests, o.Errors, o.P50Ms, o.P95Ms, o.P99Ms,
					o.StatementsMean, o.StatementsMax, o.Depth, o.OverDepth, o.BytesMean)
			}
		}
	}
	if len(r.FeedProbes) > 0 {
		p("\n### Feed statements by page size\n\nW1's selection at each `first`, for the first page (ranked afresh and saved) and the second (read from the first page's snapshot), sent once per viewer before the steps.\n\n")
		p("| first | page | requests | items (max) | SQL stmts min / max |\n|---:|---|---:|---:|---:|\n")
		for _, x := range r.FeedProbes {
			p("| %d | %s | %d | %d | %d / %d |\n", x.First, x.Page, x.Requests, x.Items, x.StatementsMin, x.StatementsMax)
		}
	}
	p("\nErrors are non-200 answers, answers with GraphQL errors and mutation answers with userErrors. SQL statements come from the `Tailor-Sql-Statements` header " +
		"(the floor sets it to the statements it ran). Allocations are the server's `go_memstats_mallocs_total` delta over the step. " +
		"Peak RSS is VmHWM, reset at each step's start")
	for _, s := range r.Steps {
		if !s.PeakRSSReset {
			p(" († the kernel refused the reset: peak since the server started)")
			break
		}
	}
	p(". PG CPU is the CPU time of every PostgreSQL process on the machine over the step (other databases' work included). " +
		"Machine busy cores come from /proc/stat; \"other\" is what neither the server, PostgreSQL nor the load generator used: " +
		"other work on the machine (which skews that step) plus kernel time not charged to a process, such as loopback networking in softirq.\n")

	p("\n## Workloads\n\nQuery depth counts the fields on the longest path from the root to a leaf (`{ a { b } }` has depth 2).\n\n")
	shown := map[string]bool{}
	for _, wi := range r.Workloads {
		p("### %s: %s\n\n", wi.Name, wi.Title)
		for _, op := range wi.Operations {
			p("- `%s`, weight %d, %s, depth %d\n", op.Name, op.Weight, op.Auth, op.Depth)
		}
		for _, op := range wi.Operations {
			if !shown[op.Query] {
				shown[op.Query] = true
				p("\n```graphql\n%s\n```\n", op.Query)
			}
		}
		p("\n")
	}
}

// statusMark renders a target's status.
func statusMark(status string) string {
	switch status {
	case "holds":
		return "✅ holds"
	case "missed":
		return "❌ missed"
	}
	return status
}

func joinInts(xs []int) string {
	s := make([]string, len(xs))
	for i, x := range xs {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, " and ")
}
