package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// newClient returns the load generator's HTTP client: keep-alive connections, enough idle
// connections per host for every worker, no compression.
func newClient() *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        256,
			MaxIdleConnsPerHost: 128,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		Timeout: 30 * time.Second,
	}
}

// loadTarget is a server the load generator drives.
type loadTarget struct {
	// Name is "gateway" or "floor".
	Name string
	Proc *process
	// AdminURL serves /metrics and /debug/pprof/ (the gateway's private admin address); the
	// floor serves /metrics on its own address.
	AdminURL string
}

func (t *loadTarget) graphqlURL() string { return t.Proc.BaseURL + "/graphql" }

func (t *loadTarget) metricsURL() string {
	if t.AdminURL != "" {
		return t.AdminURL + "/metrics"
	}
	return t.Proc.BaseURL + "/metrics"
}

// workerStats is what one worker observed, in all and (when byOp is set) per operation.
type workerStats struct {
	latencies []int64 // nanoseconds, one per completed request
	errors    int
	firstErr  string
	stmtSum   int64
	stmtMax   int
	noHeader  int
	overDepth int
	bytes     int64
	// byOp holds the same observations per operation, for workloads that mix several.
	byOp map[string]*workerStats
}

// errorsKey marks a GraphQL response with errors: strings in the data escape their quotes, and
// no field of the schema is named errors, so only the top-level key matches.
const errorsKey = `"errors":`

// userErrorsKey marks a mutation's answer whose userErrors list is not empty.
const userErrorsKey = `"userErrors":[{`

// do sends one request and records its outcome, also under its operation when st keeps
// observations per operation.
func (st *workerStats) do(ctx context.Context, client *http.Client, url string, r *request, buf *bytes.Buffer) {
	if st.byOp == nil {
		st.send(ctx, client, url, r, buf, nil)
		return
	}
	op := st.byOp[r.Key]
	if op == nil {
		op = &workerStats{}
		st.byOp[r.Key] = op
	}
	st.send(ctx, client, url, r, buf, op)
}

// send sends one request and records its outcome in st and, when not nil, in op.
func (st *workerStats) send(ctx context.Context, client *http.Client, url string, r *request, buf *bytes.Buffer, op *workerStats) {
	begin := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.Body))
	if err != nil {
		st.fail(time.Since(begin), "build request: "+err.Error())
		op.fail(time.Since(begin), "build request: "+err.Error())
		return
	}
	req.Header.Set("Content-Type", "application/json")
	if r.Token != "" {
		req.Header.Set("Authorization", "Bearer "+r.Token)
	}
	res, err := client.Do(req)
	if err != nil {
		if ctx.Err() == nil {
			st.fail(time.Since(begin), err.Error())
			op.fail(time.Since(begin), err.Error())
		}
		return
	}
	buf.Reset()
	_, err = buf.ReadFrom(res.Body)
	res.Body.Close()
	elapsed := time.Since(begin)
	msg := ""
	switch {
	case err != nil:
		st.fail(elapsed, "read response: "+err.Error())
		op.fail(elapsed, "read response: "+err.Error())
		return
	case res.StatusCode != http.StatusOK:
		msg = fmt.Sprintf("%s: status %d: %s", r.Op, res.StatusCode, snippet(buf.Bytes()))
	case bytes.Contains(buf.Bytes(), []byte(errorsKey)):
		msg = fmt.Sprintf("%s: GraphQL errors: %s", r.Op, snippet(buf.Bytes()))
	case bytes.Contains(buf.Bytes(), []byte(userErrorsKey)):
		msg = fmt.Sprintf("%s: userErrors: %s", r.Op, snippet(buf.Bytes()))
	}
	stmts := -1
	if h := res.Header.Get(statementsHeader); h != "" {
		stmts, _ = strconv.Atoi(h)
	}
	// A read is held to its query's depth; a write runs what it must and is only counted.
	limit := r.Depth
	if r.Write {
		limit = math.MaxInt
	}
	st.record(elapsed, msg, buf.Len(), stmts, limit)
	op.record(elapsed, msg, buf.Len(), stmts, limit)
}

// record adds one answered request: msg is empty on success, stmts is -1 without a count, and
// more than limit statements count the request as over its depth.
func (st *workerStats) record(elapsed time.Duration, msg string, size, stmts, limit int) {
	if st == nil {
		return
	}
	if msg != "" {
		st.fail(elapsed, msg)
	} else {
		st.latencies = append(st.latencies, int64(elapsed))
	}
	st.bytes += int64(size)
	if stmts >= 0 {
		st.stmtSum += int64(stmts)
		st.stmtMax = max(st.stmtMax, stmts)
		if stmts > limit {
			st.overDepth++
		}
	} else {
		st.noHeader++
	}
}

func (st *workerStats) fail(elapsed time.Duration, msg string) {
	if st == nil {
		return
	}
	st.latencies = append(st.latencies, int64(elapsed))
	st.errors++
	if st.firstErr == "" {
		st.firstErr = msg
	}
}

func snippet(b []byte) string {
	const n = 300
	if len(b) > n {
		return string(b[:n]) + "…"
	}
	return string(b)
}

// runLoad drives url with conc closed-loop workers for d: each worker sends its next request
// as soon as the previous one answered. Worker w starts at its own offset in reqs and walks
// them in order. It returns every worker's observations and the time until the last answer.
func runLoad(ctx context.Context, client *http.Client, url string, reqs []request, conc int, d time.Duration, byOp bool) ([]*workerStats, time.Duration) {
	stats := make([]*workerStats, conc)
	var wg sync.WaitGroup
	start := time.Now()
	deadline := start.Add(d)
	for w := range conc {
		st := &workerStats{latencies: make([]int64, 0, 4096)}
		if byOp {
			st.byOp = map[string]*workerStats{}
		}
		stats[w] = st
		wg.Go(func() {
			var buf bytes.Buffer
			i := w * len(reqs) / conc
			for ctx.Err() == nil && time.Now().Before(deadline) {
				st.do(ctx, client, url, &reqs[i], &buf)
				if i++; i == len(reqs) {
					i = 0
				}
			}
		})
	}
	wg.Wait()
	return stats, time.Since(start)
}

// stepResult is the measurement of one workload at one concurrency against one server.
type stepResult struct {
	Target      string  `json:"target"`
	Workload    string  `json:"workload"`
	Concurrency int     `json:"concurrency"`
	Seconds     float64 `json:"seconds"`
	Requests    int     `json:"requests"`
	RPS         float64 `json:"requestsPerSecond"`
	MeanMs      float64 `json:"meanMs"`
	P50Ms       float64 `json:"p50Ms"`
	P95Ms       float64 `json:"p95Ms"`
	P99Ms       float64 `json:"p99Ms"`
	Errors      int     `json:"errors"`
	ErrorRate   float64 `json:"errorRate"`
	FirstError  string  `json:"firstError,omitempty"`
	// StatementsMean and StatementsMax come from the Tailor-Sql-Statements header.
	StatementsMean float64 `json:"statementsMean"`
	StatementsMax  int     `json:"statementsMax"`
	// MissingStatementHeader counts answers without the header.
	MissingStatementHeader int `json:"missingStatementHeader"`
	// Depth is the largest query depth among the workload's operations; OverDepth counts
	// requests that ran more statements than their own query's depth.
	Depth     int `json:"depth"`
	OverDepth int `json:"requestsOverDepth"`
	// BytesMean is the mean size of a response body.
	BytesMean float64 `json:"responseBytesMean"`
	// AllocsPerRequest is the server's heap allocations (go_memstats_mallocs_total) per request.
	AllocsPerRequest float64 `json:"allocsPerRequest"`
	// PeakRSSBytes is the server's VmHWM over the step; PeakRSSReset says whether it was reset
	// at the step's start (otherwise it is the peak since the server started).
	PeakRSSBytes int64 `json:"peakRssBytes"`
	PeakRSSReset bool  `json:"peakRssReset"`
	// The CPU time per request of the server, of every PostgreSQL process and of the load
	// generator, and the cores the server kept busy on average.
	ServerCPUPerRequestUs   float64 `json:"serverCpuPerRequestUs"`
	PostgresCPUPerRequestUs float64 `json:"postgresCpuPerRequestUs"`
	LoadCPUPerRequestUs     float64 `json:"loadGeneratorCpuPerRequestUs"`
	ServerCores             float64 `json:"serverCores"`
	PostgresCores           float64 `json:"postgresCores"`
	// MachineCores is how many cores the whole machine kept busy on average; OtherCores is the
	// part used by neither the server, PostgreSQL nor the load generator: other work on the
	// machine, which skews the step.
	MachineCores float64 `json:"machineCores"`
	OtherCores   float64 `json:"otherCores"`
	// Operations breaks a mixed workload's step down by operation.
	Operations []opResult `json:"operations,omitempty"`
}

// opResult is one operation's share of a mixed workload's step.
type opResult struct {
	Name           string  `json:"name"`
	Requests       int     `json:"requests"`
	Errors         int     `json:"errors"`
	FirstError     string  `json:"firstError,omitempty"`
	P50Ms          float64 `json:"p50Ms"`
	P95Ms          float64 `json:"p95Ms"`
	P99Ms          float64 `json:"p99Ms"`
	StatementsMean float64 `json:"statementsMean"`
	StatementsMax  int     `json:"statementsMax"`
	Depth          int     `json:"depth"`
	OverDepth      int     `json:"requestsOverDepth"`
	BytesMean      float64 `json:"responseBytesMean"`
}

// operationResults merges the workers' per-operation observations, in the mix's order.
func operationResults(w workload, reqs []request, stats []*workerStats) []opResult {
	var out []opResult
	for _, sh := range w.Mix {
		o := opResult{Name: sh.Op.key()}
		for _, r := range reqs {
			if r.Key == o.Name {
				o.Depth = max(o.Depth, r.Depth)
			}
		}
		var lat []int64
		var stmtSum int64
		var bytes float64
		for _, st := range stats {
			x := st.byOp[o.Name]
			if x == nil {
				continue
			}
			lat = append(lat, x.latencies...)
			o.Errors += x.errors
			if o.FirstError == "" {
				o.FirstError = x.firstErr
			}
			stmtSum += x.stmtSum
			o.StatementsMax = max(o.StatementsMax, x.stmtMax)
			o.OverDepth += x.overDepth
			bytes += float64(x.bytes)
		}
		o.Requests = len(lat)
		if o.Requests > 0 {
			slices.Sort(lat)
			o.P50Ms, o.P95Ms, o.P99Ms = percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99)
			o.StatementsMean = float64(stmtSum) / float64(o.Requests)
			o.BytesMean = bytes / float64(o.Requests)
		}
		out = append(out, o)
	}
	return out
}

// profileSpec asks measureStep to capture the server's CPU and allocation profiles into Dir,
// with file names starting with Prefix.
type profileSpec struct {
	Dir, Prefix string
}

// measureStep warms the target up with the workload, then measures it for d.
func measureStep(ctx context.Context, client *http.Client, t *loadTarget, w workload, reqs []request, conc int, warmup, d time.Duration, prof *profileSpec) (stepResult, error) {
	res := stepResult{Target: t.Name, Workload: w.Name, Concurrency: conc}
	for _, r := range reqs {
		res.Depth = max(res.Depth, r.Depth)
	}
	if warmup > 0 {
		runLoad(ctx, client, t.graphqlURL(), reqs, conc, warmup, false)
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	pid := t.Proc.Pid()
	// Two scrapes in a row measure what a scrape itself allocates, to take it out of the step.
	m0, err := scrapeMallocs(ctx, client, t.metricsURL())
	if err != nil {
		return res, err
	}
	m1, err := scrapeMallocs(ctx, client, t.metricsURL())
	if err != nil {
		return res, err
	}
	scrapeCost := m1 - m0
	res.PeakRSSReset = resetPeakRSS(pid)
	cpu0, err := readProcCPU(pid)
	if err != nil {
		return res, fmt.Errorf("%s: %w", t.Name, err)
	}
	pg0, self0, all0 := postgresCPU(), selfCPU(), machineCPU()

	var profWG sync.WaitGroup
	var cpuProfErr, allocProfErr error
	if prof != nil && t.AdminURL != "" {
		secs := max(1, int(d.Seconds())-1)
		profWG.Go(func() {
			cpuProfErr = fetchProfile(ctx, client, fmt.Sprintf("%s/debug/pprof/profile?seconds=%d", t.AdminURL, secs),
				filepath.Join(prof.Dir, prof.Prefix+"-cpu.pprof"))
		})
		profWG.Go(func() {
			allocProfErr = fetchProfile(ctx, client, fmt.Sprintf("%s/debug/pprof/allocs?seconds=%d", t.AdminURL, secs),
				filepath.Join(prof.Dir, prof.Prefix+"-allocs.pprof"))
		})
	}

	mixed := len(w.Mix) > 1
	stats, elapsed := runLoad(ctx, client, t.graphqlURL(), reqs, conc, d, mixed)

	cpu1, err := readProcCPU(pid)
	if err != nil {
		return res, fmt.Errorf("%s: %w", t.Name, err)
	}
	pg1, self1, all1 := postgresCPU(), selfCPU(), machineCPU()
	m2, err := scrapeMallocs(ctx, client, t.metricsURL())
	if err != nil {
		return res, err
	}
	if res.PeakRSSBytes, err = readPeakRSS(pid); err != nil {
		return res, fmt.Errorf("%s: %w", t.Name, err)
	}
	profWG.Wait()
	if err := errors.Join(cpuProfErr, allocProfErr); err != nil {
		return res, err
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}

	var lat []int64
	var stmtSum int64
	for _, st := range stats {
		lat = append(lat, st.latencies...)
		res.Errors += st.errors
		if res.FirstError == "" {
			res.FirstError = st.firstErr
		}
		stmtSum += st.stmtSum
		res.StatementsMax = max(res.StatementsMax, st.stmtMax)
		res.MissingStatementHeader += st.noHeader
		res.OverDepth += st.overDepth
		res.BytesMean += float64(st.bytes)
	}
	n := len(lat)
	res.Requests = n
	res.Seconds = elapsed.Seconds()
	if n == 0 {
		return res, fmt.Errorf("%s %s c=%d: no request completed", t.Name, w.Name, conc)
	}
	slices.Sort(lat)
	var sum float64
	for _, l := range lat {
		sum += float64(l)
	}
	fn := float64(n)
	res.RPS = fn / elapsed.Seconds()
	res.MeanMs = sum / fn / 1e6
	res.P50Ms, res.P95Ms, res.P99Ms = percentile(lat, 0.50), percentile(lat, 0.95), percentile(lat, 0.99)
	res.ErrorRate = float64(res.Errors) / fn
	res.StatementsMean = float64(stmtSum) / fn
	res.BytesMean /= fn
	res.AllocsPerRequest = max(0, m2-m1-scrapeCost) / fn
	res.ServerCPUPerRequestUs = float64(cpu1-cpu0) / 1e3 / fn
	pg := cpuSince(pg0, pg1)
	res.PostgresCPUPerRequestUs = float64(pg) / 1e3 / fn
	res.LoadCPUPerRequestUs = float64(self1-self0) / 1e3 / fn
	res.ServerCores = (cpu1 - cpu0).Seconds() / elapsed.Seconds()
	res.PostgresCores = pg.Seconds() / elapsed.Seconds()
	res.MachineCores = (all1 - all0).Seconds() / elapsed.Seconds()
	res.OtherCores = max(0, res.MachineCores-res.ServerCores-res.PostgresCores-(self1-self0).Seconds()/elapsed.Seconds())
	if mixed {
		res.Operations = operationResults(w, reqs, stats)
	}
	return res, nil
}

// percentile returns the p-th quantile (nearest rank) of sorted nanoseconds, in milliseconds.
func percentile(sorted []int64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = min(max(i, 0), len(sorted)-1)
	return float64(sorted[i]) / 1e6
}

// fetchProfile saves the profile at url into path.
func fetchProfile(ctx context.Context, client *http.Client, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	pc := *client
	pc.Timeout = 0
	res, err := pc.Do(req)
	if err != nil {
		return fmt.Errorf("profile %s: %w", url, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		return fmt.Errorf("profile %s: status %d: %s", url, res.StatusCode, snippet(b))
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("profile: %w", err)
	}
	if _, err := io.Copy(f, res.Body); err != nil {
		f.Close()
		return fmt.Errorf("profile %s: %w", url, err)
	}
	return f.Close()
}
