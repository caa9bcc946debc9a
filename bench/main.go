// Command bench measures Tailor over HTTP: it prepares a seeded bench database, builds and
// starts the real `tailor serve`, drives it with a closed-loop load generator through the
// workloads W1–W5, measures a hand-written "floor" service on the same data for comparison,
// and writes the results as JSON and Markdown under bench/results/.
//
//	go run ./bench                         # the standard scale (make bench)
//	go run ./bench -scale tiny -duration 1s -out /tmp/x   # the CI smoke run (make bench-smoke)
//
// The same binary, run with -serve-floor, is the floor service.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"
	_ "github.com/lib/pq" // the PostgreSQL driver

	"github.com/tailorhq/tailor/internal/auth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// defaultServerURL names the PostgreSQL server when TAILOR_BENCH_SERVER_URL is unset.
const defaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// requestsPerWorkload is how many distinct requests are prebuilt for each workload.
const requestsPerWorkload = 1024

// verifyCount is how many requests of each floor operation are compared at start.
const verifyCount = 5

// options are the command-line flags.
type options struct {
	scale       string
	duration    time.Duration
	warmup      time.Duration
	out         string
	workloads   string
	concurrency []int
	tokens      string
	viewers     int
	serverURL   string
	serverEnv   []string
	sampleSeed  uint64
	profile     bool
	reseed      bool
	strict      bool
	probes      bool
	fanout      bool
	soak        bool
	soakClients int
	prepare     bool
	growth      bool

	// The floor's own mode.
	serveFloor  bool
	addr        string
	databaseURL string
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	o := options{serverURL: os.Getenv("TAILOR_BENCH_SERVER_URL")}
	if o.serverURL == "" {
		o.serverURL = defaultServerURL
	}
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.scale, "scale", "standard", "dataset scale: standard (10k users, 200k contents, 1M interactions), large (50k users, 1M contents, 5M interactions) or tiny")
	fs.DurationVar(&o.duration, "duration", 0, "measured time per step (default 10s at the standard scale, 2s at the tiny one; 60s with -soak)")
	fs.DurationVar(&o.warmup, "warmup", -1, "unmeasured load before each step (default 2s standard, 300ms tiny; 10s with -soak)")
	fs.StringVar(&o.out, "out", "", "directory for the results (default bench/results in the module)")
	fs.StringVar(&o.workloads, "workloads", "", "comma-separated workloads to run, such as W2,W3 (default all)")
	conc := fs.String("concurrency", "1,32", "comma-separated numbers of concurrent workers")
	fs.StringVar(&o.tokens, "tokens", "", "file of bearer tokens, one per line, for every signed-in workload (W1, W1b, W4, W5 and the role shares of W2s, W3s, W6s) instead of minting tokens for sampled users; "+
		"they must verify with the gateway's key (-server-env TAILOR_TOKEN_SIGNING_KEY=…)")
	fs.IntVar(&o.viewers, "viewers", viewerCount, "how many users of the bench dataset to sign in (mint tokens for) for the signed-in workloads")
	fs.StringVar(&o.serverURL, "pg", o.serverURL, "PostgreSQL server URL; the bench database is created on it (TAILOR_BENCH_SERVER_URL)")
	fs.Func("server-env", "extra KEY=VALUE for the gateway's environment, such as TAILOR_LOADER_WAIT=200us (repeatable)", func(s string) error {
		if !strings.Contains(s, "=") {
			return errors.New("want KEY=VALUE")
		}
		o.serverEnv = append(o.serverEnv, s)
		return nil
	})
	fs.Uint64Var(&o.sampleSeed, "seed", 1, "random seed for sampling the requests' IDs and slugs")
	fs.BoolVar(&o.profile, "profile", false, "save the gateway's CPU and allocation profiles of each highest-concurrency step next to the results")
	fs.BoolVar(&o.reseed, "reseed", false, "drop and rebuild the bench database even when it matches")
	fs.BoolVar(&o.strict, "strict", false, "exit with an error when a target is missed")
	fs.BoolVar(&o.fanout, "fanout", false, "instead of the workloads, measure notification fan-out to 10,000 users and notificationAdded delivery to 1,000 subscribers across two replicas (scratch database tailor_fanout)")
	fs.BoolVar(&o.probes, "probes", false, "instead of the workloads, send the hardening probes (hostile requests) and report what each costs the gateway")
	fs.BoolVar(&o.soak, "soak", false, "instead of the workloads, run -soak-clients clients over W5 for the warm-up and -duration and check for errors, RSS growth after the warm-up and goroutines left afterwards (bench/results/<date>-soak.md)")
	fs.IntVar(&o.soakClients, "soak-clients", soakDefaultClients, "with -soak: how many concurrent clients")
	fs.BoolVar(&o.prepare, "prepare", false, "only prepare the scale's bench database (reuse it, or build and seed it), report its size and exit")
	fs.BoolVar(&o.growth, "growth", false, "only write growth.md in the results directory from the newest standard and large results there (each workload's p50 at c=1 at both scales), and print it")
	fs.BoolVar(&o.serveFloor, "serve-floor", false, "run the floor service instead of the benchmark (the harness starts it)")
	fs.StringVar(&o.addr, "addr", "127.0.0.1:0", "with -serve-floor: address to listen on")
	fs.StringVar(&o.databaseURL, "database-url", "", "with -serve-floor: the bench database URL")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	for _, s := range strings.Split(*conc, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < 1 || n > 1024 {
			return o, fmt.Errorf("-concurrency: %q is not a number of workers between 1 and 1024", s)
		}
		o.concurrency = append(o.concurrency, n)
	}
	if o.viewers < 1 {
		return o, fmt.Errorf("-viewers: %d is not a number of viewers", o.viewers)
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.serveFloor {
		if o.databaseURL == "" {
			return errors.New("-serve-floor needs -database-url")
		}
		return serveFloor(ctx, o.addr, o.databaseURL)
	}
	if o.probes {
		return runProbes(ctx, o, args, stdout, stderr)
	}
	if o.fanout {
		return runFanout(ctx, o, args, stdout, stderr)
	}
	if o.soak {
		return runSoak(ctx, o, args, stdout, stderr)
	}
	if o.growth {
		if o.out == "" {
			root, err := moduleRoot(ctx)
			if err != nil {
				return err
			}
			o.out = filepath.Join(root, "bench", "results")
		}
		return runGrowth(o.out, stdout)
	}
	return benchmark(ctx, o, args, stdout, stderr)
}

// benchmark is the whole harness run: prepare, plan, measure, report.
func benchmark(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	if runtime.GOOS != "linux" {
		return fmt.Errorf("the benchmark measures servers through /proc and runs on Linux only, not %s", runtime.GOOS)
	}
	started := time.Now()
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	sc, err := scaleByName(o.scale)
	if err != nil {
		return err
	}
	if o.duration <= 0 {
		o.duration = sc.Duration
	}
	if o.warmup < 0 {
		o.warmup = sc.Warmup
	}
	selected, err := selectWorkloads(workloads(), o.workloads)
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
	if setup.SizeBytes, err = databaseSize(ctx, setup.URL); err != nil {
		return err
	}
	logger.Info("bench database ready", "database", sc.Database, "reused", setup.Reused, "took", setup.Elapsed.Round(time.Millisecond),
		"size_mb", setup.SizeBytes>>20)
	if o.prepare {
		how := "reused"
		if !setup.Reused {
			how = "built in " + setup.Elapsed.Round(time.Second).String()
		}
		fmt.Fprintf(stdout, "%s\n%s; pg_database_size %s\n", sc, how, formatBytes(setup.SizeBytes))
		return nil
	}
	// The gateway signs and verifies access tokens with a key made for this run (unless
	// -server-env names one), and the harness mints the viewers' tokens with the same key.
	key, keyEnv, err := signingKey(o.serverEnv, started)
	if err != nil {
		return err
	}
	smp, pgVersion, err := readSample(ctx, setup.URL, o.sampleSeed)
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "tailor-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	logger.Info("building the gateway", "cmd", "go build -o "+filepath.Join(tmp, "tailor")+" ./cmd/tailor")
	gatewayBin, err := buildGateway(ctx, root, tmp)
	if err != nil {
		return err
	}
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("find the bench binary to start the floor: %w", err)
	}
	gw, fl, err := startServers(gatewayBin, self, setup.URL, tmp, append([]string{keyEnv}, o.serverEnv...))
	if gw != nil {
		defer gw.Proc.stop()
	}
	if fl != nil {
		defer fl.Proc.stop()
	}
	if err != nil {
		return err
	}
	client := newClient()
	defer client.CloseIdleConnections()
	for _, t := range []*loadTarget{gw, fl} {
		if err := t.Proc.waitReady(ctx, client, time.Minute); err != nil {
			return err
		}
	}
	logger.Info("servers ready", "gateway", gw.Proc.BaseURL, "gateway_admin", gw.AdminURL, "floor", fl.Proc.BaseURL)

	rep := &report{
		Command:    "go run ./bench" + strings.TrimRight(" "+strings.Join(args, " "), " "),
		StartedAt:  started.UTC(),
		Machine:    readMachine(pgVersion),
		Scale:      sc,
		Database:   setup,
		CorePolicy: corePolicy(),
		Settings: settings{
			DurationSeconds: o.duration.Seconds(), WarmupSeconds: o.warmup.Seconds(), Concurrency: o.concurrency,
			SampleSeed: o.sampleSeed, GatewayDefaults: gatewayDefaults, ServerEnv: o.serverEnv, Profiled: o.profile,
		},
	}
	plans, err := planWorkloads(ctx, client, o, selected, &smp, setup.URL, key, gw, fl, rep, logger)
	if err != nil {
		return err
	}
	if err := measureAll(ctx, client, o, plans, gw, fl, rep, logger); err != nil {
		return err
	}

	rep.FinishedAt = time.Now().UTC()
	rep.Machine.LoadAvgEnd = loadAvg()
	rep.evaluate()
	files, err := rep.write(o.out)
	if err != nil {
		return err
	}
	rep.markdown(stdout)
	// With the results of both the standard and the large scale in the directory, compare them.
	if sc.Name == growthFrom || sc.Name == growthTo {
		switch path, md, err := writeGrowth(o.out); {
		case err == nil:
			fmt.Fprintf(stdout, "\n%s", md)
			files = append(files, path)
		case !errors.Is(err, errNoGrowth):
			return err
		}
	}
	fmt.Fprintf(stdout, "\nwrote %s\n", strings.Join(files, ", "))
	return rep.verdict(o.strict)
}

// readSample connects to the bench database and draws the requests' IDs and slugs; it also
// returns the server's version string.
func readSample(ctx context.Context, dbURL string, seed uint64) (sample, string, error) {
	db, err := sqlx.ConnectContext(ctx, "postgres", dbURL)
	if err != nil {
		return sample{}, "", fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	var version string
	if err := db.GetContext(ctx, &version, "SELECT version()"); err != nil {
		return sample{}, "", fmt.Errorf("bench database: %w", err)
	}
	smp, err := loadSample(ctx, db, rand.New(rand.NewPCG(seed, 1)), requestsPerWorkload)
	return smp, version, err
}

// signingKey returns the key the gateway signs access tokens with and the environment entry
// that gives it to the gateway: a random key made for this run, or the key extra names in a
// TAILOR_TOKEN_SIGNING_KEY entry (the last one wins, as in the gateway's environment).
func signingKey(extra []string, now time.Time) (auth.Key, string, error) {
	for _, kv := range slices.Backward(extra) {
		if v, ok := strings.CutPrefix(kv, "TAILOR_TOKEN_SIGNING_KEY="); ok {
			k, err := auth.ParseKey(v)
			if err != nil {
				return auth.Key{}, "", fmt.Errorf("-server-env TAILOR_TOKEN_SIGNING_KEY: %w", err)
			}
			return k, kv, nil
		}
	}
	k, s, err := newSigningKey(now)
	if err != nil {
		return auth.Key{}, "", err
	}
	return k, "TAILOR_TOKEN_SIGNING_KEY=" + s, nil
}

// plan is a workload ready to run: its prebuilt requests.
type plan struct {
	w    workload
	reqs []request
	// built is when reqs were built; refresh, when set, builds them again (W1b, whose
	// cursors name feed snapshots that expire).
	built   time.Time
	refresh func(context.Context) ([]request, error)
}

// feedCursorMaxAge is how old W1b's cursors may be when a step starts. The gateway keeps
// feed snapshots for 15 minutes; a step that starts within 5 has 10 to finish.
const feedCursorMaxAge = 5 * time.Minute

// getViewers returns the signed-in viewers: the tokens of -tokens (for every signed-in
// operation, whatever its role), or users of the bench database drawn with the sample seed,
// with tokens minted with key: n readers, members and authors with preferences for the feed
// viewers, and up to n/4 users of each role of viewerRoles for the signed-in read variants.
func getViewers(ctx context.Context, o options, dbURL string, key auth.Key) (viewerSet, string, error) {
	if o.tokens != "" {
		tokens, err := readTokens(o.tokens)
		if err != nil {
			return viewerSet{}, "", err
		}
		vs := viewerSet{Feed: make([]viewer, len(tokens)), ByRole: map[string][]viewer{}}
		for i, t := range tokens {
			vs.Feed[i] = viewer{Token: t}
		}
		for _, r := range viewerRoles {
			vs.ByRole[r] = vs.Feed
		}
		return vs, fmt.Sprintf("%d tokens read from %s, for every signed-in operation (the signed-in read variants' shares by role are sent with the same tokens, whatever their users' roles)",
			len(tokens), o.tokens), nil
	}
	db, err := sqlx.ConnectContext(ctx, "postgres", dbURL)
	if err != nil {
		return viewerSet{}, "", fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	var vs viewerSet
	if vs.Feed, err = signInViewers(ctx, db, key, o.viewers, rand.New(rand.NewPCG(o.sampleSeed, 2))); err != nil {
		return viewerSet{}, "", err
	}
	if vs.ByRole, err = signInRoleViewers(ctx, db, key, max(1, o.viewers/len(viewerRoles)), rand.New(rand.NewPCG(o.sampleSeed, 3))); err != nil {
		return viewerSet{}, "", err
	}
	byRole := make([]string, len(viewerRoles))
	for i, r := range viewerRoles {
		byRole[i] = fmt.Sprintf("%d %ss", len(vs.ByRole[r]), r)
	}
	return vs, fmt.Sprintf("W1, W1b, W4 and W5: %d readers, members and authors with preferences; W2s, W3s, W6s and W7s: %s (each role's demo account and users drawn at random); "+
		"drawn with seed %d; access tokens minted by the harness with the gateway's signing key (kid %s)",
		len(vs.Feed), strings.Join(byRole, ", "), o.sampleSeed, key.ID), nil
}

// planWorkloads gets the signed-in viewers when a workload needs them, builds every runnable
// workload's requests, sends each once to the gateway (preflight), counts the feed's
// statements at several page sizes and checks that the floor answers the same JSON as the
// gateway.
func planWorkloads(ctx context.Context, client *http.Client, o options, selected []workload, smp *sample, dbURL string, key auth.Key, gw, fl *loadTarget, rep *report, logger *slog.Logger) ([]plan, error) {
	rep.SearchWord = smp.CommonWord
	var viewers viewerSet
	if slices.ContainsFunc(selected, workload.needsViewers) {
		var err error
		if viewers, rep.Viewers, err = getViewers(ctx, o, dbURL, key); err != nil {
			return nil, err
		}
		logger.Info("viewers signed in", "viewers", len(viewers.Feed), "source", rep.Viewers)
		if err := openSessions(ctx, client, gw.graphqlURL(), viewers); err != nil {
			return nil, err
		}
	}
	readCursors := func(ctx context.Context) error {
		n, err := readFeedCursors(ctx, client, gw.graphqlURL(), viewers.Feed)
		if err == nil {
			logger.Info("read the first page of each viewer's feed for W1b", "viewers_with_a_second_page", n)
		}
		return err
	}
	if slices.ContainsFunc(selected, workload.needsFeedCursors) {
		if err := readCursors(ctx); err != nil {
			return nil, err
		}
	}
	if slices.ContainsFunc(selected, workload.isFeed) {
		probes, err := probeFeed(ctx, client, gw.graphqlURL(), viewers.Feed, feedProbeViewers)
		if err != nil {
			return nil, err
		}
		rep.FeedProbes = probes
	}
	var plans []plan
	var floorReqs []request
	for _, w := range selected {
		wi := describeWorkload(w)
		rep.Workloads = append(rep.Workloads, wi)
		reqs, err := buildRequests(w, smp, viewers, requestsPerWorkload, o.sampleSeed+w.Seed)
		if err != nil {
			return nil, err
		}
		if err := preflight(ctx, client, gw.graphqlURL(), w, reqs); err != nil {
			return nil, err
		}
		if w.floorServes() {
			floorReqs = append(floorReqs, reqs[:verifyCount]...)
		}
		pl := plan{w: w, reqs: reqs, built: time.Now()}
		if w.needsFeedCursors() {
			pl.refresh = func(ctx context.Context) ([]request, error) {
				if err := readCursors(ctx); err != nil {
					return nil, err
				}
				return buildRequests(w, smp, viewers, requestsPerWorkload, o.sampleSeed+w.Seed)
			}
		}
		plans = append(plans, pl)
	}
	if len(floorReqs) > 0 {
		n, err := verifyFloor(ctx, client, gw.graphqlURL(), fl.graphqlURL(), floorReqs, len(floorReqs))
		if err != nil {
			return nil, err
		}
		rep.FloorVerified = n
		logger.Info("the floor answers like the gateway", "responses_compared", n)
	}
	return plans, nil
}

// measureAll runs every step: for each workload and concurrency, the gateway and then, when it
// serves the workload, the floor, so the two are measured close together in time.
func measureAll(ctx context.Context, client *http.Client, o options, plans []plan, gw, fl *loadTarget, rep *report, logger *slog.Logger) error {
	profDir := ""
	if o.profile {
		profDir = filepath.Join(o.out, "profiles")
		if err := os.MkdirAll(profDir, 0o755); err != nil {
			return fmt.Errorf("profiles: %w", err)
		}
	}
	maxConc := slices.Max(o.concurrency)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(loadGOMAXPROCS))
	for _, pl := range plans {
		for _, c := range o.concurrency {
			if pl.refresh != nil && time.Since(pl.built) > feedCursorMaxAge {
				reqs, err := pl.refresh(ctx)
				if err != nil {
					return fmt.Errorf("%s: %w", pl.w.Name, err)
				}
				pl.reqs, pl.built = reqs, time.Now()
			}
			targets := []*loadTarget{gw}
			if pl.w.floorServes() {
				targets = append(targets, fl)
			}
			for _, t := range targets {
				var prof *profileSpec
				if o.profile && t == gw && c == maxConc {
					prof = &profileSpec{Dir: profDir, Prefix: fmt.Sprintf("%s-%s-%s-c%d", rep.StartedAt.Format("2006-01-02"), rep.Scale.Name, pl.w.Name, c)}
				}
				res, err := measureStep(ctx, client, t, pl.w, pl.reqs, c, o.warmup, o.duration, prof)
				if err != nil {
					return fmt.Errorf("%s %s c=%d: %w", t.Name, pl.w.Name, c, err)
				}
				if done, perr := t.Proc.exited(); done {
					return fmt.Errorf("%s exited during %s c=%d (%v); its log ends with:\n%s", t.Name, pl.w.Name, c, perr, t.Proc.logTail(30))
				}
				rep.Steps = append(rep.Steps, res)
				logger.Info("step", "server", t.Name, "workload", pl.w.Name, "c", c, "req_per_s", fmt.Sprintf("%.0f", res.RPS),
					"p50_ms", fmt.Sprintf("%.2f", res.P50Ms), "p99_ms", fmt.Sprintf("%.2f", res.P99Ms), "errors", res.Errors,
					"stmts_max", res.StatementsMax, "depth", res.Depth, "other_cores", fmt.Sprintf("%.2f", res.OtherCores))
			}
		}
	}
	return nil
}

// gatewayDefaults are settings the benchmark gives the gateway and reports; -server-env
// entries come after them and win.
var gatewayDefaults = []string{
	// Every first page of a feed is ranked afresh, as W1 means to measure: with the default
	// (30s), 200 viewers asking again every few seconds would mostly read their previous
	// ranking, which real readers, who come back minutes or hours later, would not.
	"TAILOR_FEED_REUSE=0s",
	// Every anonymous request of the benchmark comes from 127.0.0.1, one client address with
	// one budget, where real traffic comes from many: rate limits still run and charge it
	// (signed-in viewers keep the default budget each), but that address is not stopped.
	"TAILOR_RATE_ANONYMOUS=1000000000000",
}

// startServers starts the gateway (the real tailor binary) and the floor (this binary with
// -serve-floor) on free loopback ports over the bench database.
func startServers(gatewayBin, self, dbURL, tmp string, serverEnv []string) (gw, fl *loadTarget, err error) {
	gw, err = startGateway(gatewayBin, dbURL, tmp, serverEnv)
	if err != nil {
		return gw, nil, err
	}
	floorAddr, err := freeAddr()
	if err != nil {
		return gw, nil, err
	}
	p, err := startProcess("floor", self, []string{"-serve-floor", "-addr", floorAddr, "-database-url", dbURL},
		childEnv("GOMAXPROCS="+strconv.Itoa(serverGOMAXPROCS)), filepath.Join(tmp, "floor.log"), floorAddr)
	if err != nil {
		return gw, nil, err
	}
	return gw, &loadTarget{Name: "floor", Proc: p}, nil
}

// startGateway starts the real tailor binary on a free loopback port over the bench database,
// with its admin address on another.
func startGateway(gatewayBin, dbURL, tmp string, serverEnv []string) (*loadTarget, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	adminAddr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	env := childEnv(append(append([]string{
		"DATABASE_URL=" + dbURL,
		"TAILOR_ADDR=" + addr,
		"TAILOR_REPORT_SQL_STATEMENTS=true",
		"TAILOR_AUTO_MIGRATE=false",
		"TAILOR_ADMIN_ADDR=" + adminAddr,
		"TAILOR_LOG_LEVEL=warn",
		"GOMAXPROCS=" + strconv.Itoa(serverGOMAXPROCS),
	}, gatewayDefaults...), serverEnv...)...)
	p, err := startProcess("gateway", gatewayBin, []string{"serve"}, env, filepath.Join(tmp, "gateway.log"), addr)
	if err != nil {
		return nil, err
	}
	return &loadTarget{Name: "gateway", Proc: p, AdminURL: "http://" + adminAddr}, nil
}

// openSessions sends one request as every signed-in viewer, as a client's first request after
// logging in would, so the measured steps see sessions the gateway already knows.
func openSessions(ctx context.Context, client *http.Client, url string, vs viewerSet) error {
	seen := map[string]bool{}
	all := slices.Clone(vs.Feed)
	for _, r := range viewerRoles {
		all = append(all, vs.ByRole[r]...)
	}
	body := []byte(`{"query":"{ viewer { id } }"}`)
	for _, v := range all {
		if seen[v.Token] {
			continue
		}
		seen[v.Token] = true
		a, err := send(ctx, client, url, request{Op: "OpenSession", Body: body, Token: v.Token})
		if err == nil && a.failed() {
			err = fmt.Errorf("status %d: %s", a.Status, snippet(a.Body))
		}
		if err != nil {
			return fmt.Errorf("open the session of a signed-in viewer: %w", err)
		}
	}
	return nil
}
