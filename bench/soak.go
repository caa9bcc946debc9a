package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// The soak's defaults and pass criteria.
const (
	soakDefaultClients  = 500
	soakDefaultDuration = 60 * time.Second
	soakDefaultWarmup   = 10 * time.Second
	// soakRSSGrowthMax is how much the gateway's RSS may grow from the end of the warm-up to
	// the end of the load: more means memory that is never given back.
	soakRSSGrowthMax = 1.10
	// soakGoroutineSlack is how many goroutines more than before the load the gateway may run
	// once the load has stopped and soakSettle has passed.
	soakGoroutineSlack = 20
	soakSettle         = 5 * time.Second
	// soakRSSEvery is how often the gateway's RSS is sampled during the measured part.
	soakRSSEvery = 5 * time.Second
	// soakErrorsListed is how many distinct errors the report quotes.
	soakErrorsListed = 5
)

// soakSignedInBudget lifts the signed-in viewers' rate budget for the soak. Its closed-loop
// clients share the 200 viewers, so each viewer sends for a minute and more as fast as two or
// three clients can, well past a person's default 300,000 points a minute: RATE_LIMITED
// answers would measure the limiter, where the soak asks whether the gateway itself holds up
// (the limiter still runs and charges every request).
const soakSignedInBudget = "TAILOR_RATE_SIGNED_IN=1000000000000"

// soakWorkload is the mix the soak sends: W5, reads and writes.
const soakWorkload = "W5"

// soakSample is the gateway's RSS at one moment of the measured part.
type soakSample struct {
	AtSeconds float64 `json:"atSeconds"`
	RSSBytes  int64   `json:"rssBytes"`
}

// soakReport is what a soak run measured and whether it passed.
type soakReport struct {
	Command         string    `json:"command"`
	StartedAt       time.Time `json:"startedAt"`
	FinishedAt      time.Time `json:"finishedAt"`
	Scale           Scale     `json:"scale"`
	Workload        string    `json:"workload"`
	Clients         int       `json:"clients"`
	WarmupSeconds   float64   `json:"warmupSeconds"`
	DurationSeconds float64   `json:"durationSeconds"`
	Viewers         string    `json:"viewers"`
	GatewayEnv      []string  `json:"gatewayEnv"`

	// Requests, RPS and the percentiles cover the measured part; Errors and FirstErrors
	// cover the warm-up too.
	WarmupRequests int      `json:"warmupRequests"`
	Requests       int      `json:"requests"`
	RPS            float64  `json:"requestsPerSecond"`
	P50Ms          float64  `json:"p50Ms"`
	P99Ms          float64  `json:"p99Ms"`
	Errors         int      `json:"errors"`
	FirstErrors    []string `json:"firstErrors,omitempty"`

	RSSAfterWarmupBytes int64        `json:"rssAfterWarmupBytes"`
	RSSEndBytes         int64        `json:"rssEndBytes"`
	RSSSamples          []soakSample `json:"rssSamples"`

	GoroutinesBaseline    int `json:"goroutinesBaseline"`
	GoroutinesAfterWarmup int `json:"goroutinesAfterWarmup"`
	GoroutinesAfter       int `json:"goroutinesAfter"`

	Criteria []targetResult `json:"criteria"`
}

// newSoakClient returns a client that keeps one connection per soak client open.
func newSoakClient(clients int) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			MaxIdleConns:        clients,
			MaxIdleConnsPerHost: clients,
			MaxConnsPerHost:     clients,
			IdleConnTimeout:     90 * time.Second,
			DisableCompression:  true,
		},
		Timeout: 30 * time.Second,
	}
}

// runSoak drives the real gateway with -soak-clients closed-loop clients over W5 for the
// warm-up and -duration, and checks that no request failed, that the gateway's RSS stayed
// flat after the warm-up and that its goroutines came back once the load stopped. It writes
// <date>-soak.{json,md} and fails when a criterion is missed.
func runSoak(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("the soak reads the gateway's memory through /proc and runs on Linux only, not %s", runtime.GOOS)
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if o.soakClients < 1 {
		return fmt.Errorf("-soak-clients: %d is not a number of clients", o.soakClients)
	}
	if o.duration <= 0 {
		o.duration = soakDefaultDuration
	}
	if o.warmup < 0 {
		o.warmup = soakDefaultWarmup
	}
	sc, err := scaleByName(o.scale)
	if err != nil {
		return err
	}
	selected, err := selectWorkloads(workloads(), soakWorkload)
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
	smp, _, err := readSample(ctx, setup.URL, o.sampleSeed)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tailor-soak-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	gatewayBin, err := buildGateway(ctx, root, tmp)
	if err != nil {
		return err
	}
	env := append([]string{keyEnv, soakSignedInBudget}, o.serverEnv...)
	gw, err := startGateway(gatewayBin, setup.URL, tmp, env)
	if gw != nil {
		defer gw.Proc.stop()
	}
	if err != nil {
		return err
	}
	// Setup and metrics go through their own client, so closing the load's connections
	// leaves the gateway with no more connections than before the load.
	client := newClient()
	defer client.CloseIdleConnections()
	if err := gw.Proc.waitReady(ctx, client, time.Minute); err != nil {
		return err
	}
	var planned report
	plans, err := planWorkloads(ctx, client, o, selected, &smp, setup.URL, key, gw, nil, &planned, logger)
	if err != nil {
		return err
	}
	reqs := plans[0].reqs

	rep := &soakReport{
		Command: "go run ./bench " + strings.Join(args, " "), StartedAt: started.UTC(), Scale: sc,
		Workload: soakWorkload, Clients: o.soakClients, WarmupSeconds: o.warmup.Seconds(), DurationSeconds: o.duration.Seconds(),
		Viewers: planned.Viewers, GatewayEnv: append(slices.Clone(gatewayDefaults), redactKey(env)...),
	}
	pid := gw.Proc.Pid()
	if rep.GoroutinesBaseline, err = scrapeGoroutines(ctx, client, gw.metricsURL()); err != nil {
		return err
	}
	logger.Info("soak: load starts", "clients", o.soakClients, "warmup", o.warmup, "duration", o.duration, "goroutines", rep.GoroutinesBaseline)

	load := newSoakClient(o.soakClients)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(loadGOMAXPROCS))
	warm, _ := runLoad(ctx, load, gw.graphqlURL(), reqs, o.soakClients, o.warmup, false)
	if rep.RSSAfterWarmupBytes, err = readRSS(pid); err != nil {
		return err
	}
	if rep.GoroutinesAfterWarmup, err = scrapeGoroutines(ctx, client, gw.metricsURL()); err != nil {
		return err
	}
	logger.Info("soak: warmed up", "rss_mb", rep.RSSAfterWarmupBytes>>20, "goroutines", rep.GoroutinesAfterWarmup)

	samplerCtx, stopSampler := context.WithCancel(ctx)
	var sampler sync.WaitGroup
	sampler.Go(func() { rep.RSSSamples = sampleRSS(samplerCtx, pid, soakRSSEvery) })
	measured, elapsed := runLoad(ctx, load, gw.graphqlURL(), reqs, o.soakClients, o.duration, false)
	rssEnd, rssErr := readRSS(pid)
	stopSampler()
	sampler.Wait()
	if rssErr != nil {
		return rssErr
	}
	rep.RSSEndBytes = rssEnd
	if done, perr := gw.Proc.exited(); done {
		return fmt.Errorf("the gateway exited during the soak (%v); its log ends with:\n%s", perr, gw.Proc.logTail(30))
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	// The load's keep-alive connections each hold a goroutine in the gateway: close them,
	// then give the gateway time to finish what the load left behind.
	load.CloseIdleConnections()
	logger.Info("soak: load stopped", "rss_mb", rep.RSSEndBytes>>20, "settle", soakSettle)
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(soakSettle):
	}
	if rep.GoroutinesAfter, err = scrapeGoroutines(ctx, client, gw.metricsURL()); err != nil {
		return err
	}
	rep.FinishedAt = time.Now().UTC()
	rep.tally(warm, measured, elapsed)
	rep.evaluate()
	return rep.write(o.out, stdout)
}

// tally adds up the clients' observations of the warm-up and of the measured part.
func (r *soakReport) tally(warm, measured []*workerStats, elapsed time.Duration) {
	var lat []int64
	for _, st := range warm {
		r.WarmupRequests += len(st.latencies)
	}
	for _, st := range measured {
		lat = append(lat, st.latencies...)
	}
	for _, st := range slices.Concat(warm, measured) {
		r.Errors += st.errors
		if st.firstErr != "" && len(r.FirstErrors) < soakErrorsListed && !slices.Contains(r.FirstErrors, st.firstErr) {
			r.FirstErrors = append(r.FirstErrors, st.firstErr)
		}
	}
	slices.Sort(lat)
	r.Requests = len(lat)
	r.RPS = float64(len(lat)) / elapsed.Seconds()
	r.P50Ms, r.P99Ms = percentile(lat, 0.50), percentile(lat, 0.99)
}

// evaluate checks the soak's three criteria.
func (r *soakReport) evaluate() {
	rssLimit := int64(float64(r.RSSAfterWarmupBytes) * soakRSSGrowthMax)
	r.Criteria = []targetResult{
		{Name: "no failed request", Status: verdict(r.Errors == 0),
			Detail: fmt.Sprintf("%d errors in %d requests (warm-up included)", r.Errors, r.WarmupRequests+r.Requests)},
		{Name: fmt.Sprintf("RSS at the end ≤ %.2f × after the warm-up", soakRSSGrowthMax), Status: verdict(r.RSSEndBytes <= rssLimit),
			Detail: fmt.Sprintf("%s → %s (%+.1f%%; limit %s)", formatBytes(r.RSSAfterWarmupBytes), formatBytes(r.RSSEndBytes),
				100*(float64(r.RSSEndBytes)/float64(r.RSSAfterWarmupBytes)-1), formatBytes(rssLimit))},
		{Name: fmt.Sprintf("goroutines %s after the load ≤ before it + %d", soakSettle, soakGoroutineSlack),
			Status: verdict(r.GoroutinesAfter <= r.GoroutinesBaseline+soakGoroutineSlack),
			Detail: fmt.Sprintf("%d before, %d after the warm-up, %d after", r.GoroutinesBaseline, r.GoroutinesAfterWarmup, r.GoroutinesAfter)},
	}
}

// write saves the report as <date>-soak.json and .md in dir, prints the Markdown and returns
// an error naming every missed criterion.
func (r *soakReport) write(dir string, stdout io.Writer) error {
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Tailor soak: %d clients over %s, %s scale, %s\n\n", r.Clients, r.Workload, r.Scale.Name, r.StartedAt.Format("2006-01-02 15:04Z"))
	p("- **Command:** `%s`\n- **Scale:** %s\n", r.Command, r.Scale)
	p("- **Load:** %d closed-loop clients on loopback, each sending its next %s request (%s) as soon as the previous one answers, over keep-alive connections: %s of warm-up, then %s measured.\n",
		r.Clients, r.Workload, workloadTitle(r.Workload), seconds(r.WarmupSeconds), seconds(r.DurationSeconds))
	p("- **Gateway:** the real `tailor serve` (GOMAXPROCS=%d), with %s. The signed-in budget is lifted because the clients share the viewers, each viewer sending as fast as several clients: the soak measures the gateway, not the rate limiter (which still charges every request).\n",
		serverGOMAXPROCS, "`"+strings.Join(r.GatewayEnv, "`, `")+"`")
	p("- **Viewers:** %s\n", r.Viewers)
	p("- **Measures:** an error is a non-200 answer, a GraphQL error or a mutation answer with `userErrors`; RSS is VmRSS from `/proc/<pid>/status`; goroutines are the gateway's `go_goroutines` on its admin `/metrics`, before the load, after the warm-up and %s after the load stopped and its connections closed.\n\n", soakSettle)
	p("| measure | value |\n|---|---:|\n")
	p("| requests (measured) | %d |\n| requests/s | %.0f |\n| p50 / p99 ms | %.1f / %.1f |\n", r.Requests, r.RPS, r.P50Ms, r.P99Ms)
	p("| errors (warm-up included) | %d |\n", r.Errors)
	p("| RSS after warm-up → end | %s → %s |\n", formatBytes(r.RSSAfterWarmupBytes), formatBytes(r.RSSEndBytes))
	p("| goroutines before → after warm-up → %s after | %d → %d → %d |\n\n", soakSettle, r.GoroutinesBaseline, r.GoroutinesAfterWarmup, r.GoroutinesAfter)
	p("| criterion | status | detail |\n|---|---|---|\n")
	for _, c := range r.Criteria {
		p("| %s | %s | %s |\n", c.Name, statusMark(c.Status), c.Detail)
	}
	if len(r.FirstErrors) > 0 {
		p("\n## First errors\n\n")
		for _, e := range r.FirstErrors {
			p("- `%s`\n", strings.ReplaceAll(e, "`", "'"))
		}
	}
	p("\n## RSS during the measured part\n\n| s | RSS |\n|---:|---:|\n")
	for _, s := range r.RSSSamples {
		p("| %.0f | %s |\n", s.AtSeconds, formatBytes(s.RSSBytes))
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	base := filepath.Join(dir, r.StartedAt.Format("2006-01-02")+"-soak")
	js, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	if err := os.WriteFile(base+".md", []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("results: %w", err)
	}
	fmt.Fprintf(stdout, "%s\nwrote %s.json, %s.md\n", b.String(), base, base)
	var missed []string
	for _, c := range r.Criteria {
		if c.Status != "holds" {
			missed = append(missed, c.Name+": "+c.Detail)
		}
	}
	if len(missed) > 0 {
		return fmt.Errorf("soak: missed:\n  %s", strings.Join(missed, "\n  "))
	}
	return nil
}

// sampleRSS reads pid's RSS every interval until ctx ends.
func sampleRSS(ctx context.Context, pid int, every time.Duration) []soakSample {
	var out []soakSample
	start := time.Now()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case now := <-t.C:
			if rss, err := readRSS(pid); err == nil {
				out = append(out, soakSample{AtSeconds: now.Sub(start).Seconds(), RSSBytes: rss})
			}
		}
	}
}

// scrapeGoroutines reads go_goroutines from the gateway's metrics.
func scrapeGoroutines(ctx context.Context, client *http.Client, url string) (int, error) {
	n, err := scrapeMetric(ctx, client, url, "go_goroutines")
	return int(n), err
}

// redactKey returns env with the value of TAILOR_TOKEN_SIGNING_KEY hidden, for the report.
func redactKey(env []string) []string {
	out := slices.Clone(env)
	for i, kv := range out {
		if strings.HasPrefix(kv, "TAILOR_TOKEN_SIGNING_KEY=") {
			out[i] = "TAILOR_TOKEN_SIGNING_KEY=<the run's key>"
		}
	}
	return out
}

// workloadTitle returns the title of the named workload.
func workloadTitle(name string) string {
	for _, w := range workloads() {
		if w.Name == name {
			return w.Title
		}
	}
	return name
}

// seconds formats a number of seconds as a duration.
func seconds(s float64) string {
	return time.Duration(s * float64(time.Second)).String()
}
