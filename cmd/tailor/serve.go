package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/pprof"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/password"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/ratelimit"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/seed"
	"github.com/tailorhq/tailor/internal/user"
)

// defaultGCPercent is serve's garbage collection target unless GOGC says otherwise.
const defaultGCPercent = 200

func serve(ctx context.Context, cfg config.Config, args []string, getenv func(string) string, stdout io.Writer) error {
	fs := newFlags("serve", stdout)
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "address to listen on (TAILOR_ADDR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (DATABASE_URL)")
	fs.BoolVar(&cfg.AutoMigrate, "migrate", cfg.AutoMigrate, "apply pending migrations at start (TAILOR_AUTO_MIGRATE)")
	demo := fs.Bool("demo", false, "create the database if missing, migrate it and seed demo data when it is empty")
	if err := fs.Parse(args); err != nil {
		return err
	}
	cfg.Dev = cfg.Dev || *demo
	if cfg.SigningKey == "" && !cfg.Dev {
		return errNoSigningKey
	}
	logger := newLogger(cfg, stdout)
	if getenv("GOGC") == "" {
		// Requests allocate briefly and a lot; trading some memory for fewer collections
		// keeps latency down while the process stays far under its memory target.
		debug.SetGCPercent(defaultGCPercent)
	}

	if *demo {
		created, err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL)
		if err != nil {
			return err
		}
		if created {
			logger.Info("created database")
		}
		cfg.AutoMigrate = true
	}
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	var read *sqlx.DB
	if cfg.DatabaseReadURL != "" {
		if read, err = postgres.Open(ctx, cfg.DatabaseReadURL, cfg.DBMaxConns); err != nil {
			return fmt.Errorf("DATABASE_READ_URL: %w", err)
		}
		defer read.Close()
		logger.Info("catalogue reads of queries go to the read replica at DATABASE_READ_URL")
	}
	if cfg.AutoMigrate {
		n, err := migrateUp(ctx, db, logger)
		if err != nil {
			return err
		}
		logger.Info("database migrated", "applied", n)
	}
	if *demo {
		if err := seedWhenEmpty(ctx, db, logger); err != nil {
			return err
		}
	}

	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	metrics := prometheus.NewRegistry()
	tracing, stopTracing, err := newTracing(ctx, getenv)
	if err != nil {
		return err
	}
	defer func() {
		stopCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := stopTracing(stopCtx); err != nil {
			logger.Warn("flushing traces failed", "err", err)
		}
	}()
	sockets := graph.NewSockets()
	var workers sync.WaitGroup
	handler, err := newMux(ctx, cfg, db, read, logger, metrics, tracing, sockets, &workers)
	if err != nil {
		return err
	}
	if cfg.AdminAddr != "" {
		stopAdmin, err := serveAdmin(cfg.AdminAddr, db, logger, metrics)
		if err != nil {
			return err
		}
		defer stopAdmin()
	}
	go publishScheduled(ctx, postgres.NewEditStore(db), cfg.PublishInterval, logger)
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      cfg.RequestTimeout + 5*time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	// Shutdown neither closes nor waits for the connections websockets took over.
	srv.RegisterOnShutdown(sockets.CloseAll)
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	logger.Info("tailor is serving", "graphql", "http://"+ln.Addr().String()+"/graphql", "graphiql", "http://"+ln.Addr().String()+"/")

	select {
	case err := <-errs:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	// The workers let their deliveries in flight finish, within the same deadline.
	drained := make(chan struct{})
	go func() { workers.Wait(); close(drained) }()
	select {
	case <-drained:
	case <-shutdownCtx.Done():
		logger.Warn("shutdown deadline passed with deliveries in flight; they are retried when their lease ends")
	}
	if err := <-errs; !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve: %w", err)
	}
	return nil
}

func seedWhenEmpty(ctx context.Context, db *sqlx.DB, logger *slog.Logger) error {
	opts := seed.DefaultOptions()
	opts.HashPassword = password.Hash
	_, err := seed.Run(ctx, db, opts, logger)
	switch {
	case errors.Is(err, seed.ErrNotEmpty), errors.Is(err, seed.ErrNotDemo):
		logger.Info("database already holds data; not seeding")
		return nil
	case err != nil:
		return err
	}
	logger.Info("seeded demo data; log in as admin, editor, author, member or reader with password tailor-demo")
	return nil
}

// newMux routes Tailor's public HTTP endpoints, with the catalogue reads of queries on read
// when it is not nil.
func newMux(ctx context.Context, cfg config.Config, db, read *sqlx.DB, logger *slog.Logger, metrics prometheus.Registerer, tracing trace.TracerProvider, sockets *graph.Sockets, workers *sync.WaitGroup) (http.Handler, error) {
	authService, key, err := newAuth(ctx, cfg, db, logger)
	if err != nil {
		return nil, err
	}
	services, stores := wire(cfg, db, read, authService)
	// The hub reads what an event it was just told of names: only the primary surely has it.
	hub := notify.NewHub(postgres.NewNotificationStore(db), postgres.NewContentStore(db), postgres.NewUserStore(db), cfg.SubscriberBuffer, logger)
	services.Live = hub
	registerServerMetrics(metrics, hub, postgres.NewNotificationStore(db).PendingEvents, logger)
	if err := startNotifications(ctx, cfg, db, key, hub, cfg.Worker, workers, logger); err != nil {
		return nil, err
	}
	unsubscribe, err := unsubscribeHandler(db, key, logger)
	if err != nil {
		return nil, err
	}
	budgets, err := rateBudgets(cfg)
	if err != nil {
		return nil, err
	}
	var limiter graph.RateLimiter
	if cfg.RateAnonymous > 0 {
		l := ratelimit.New(postgres.NewRateStore(db), cfg.RateWindow, time.Now, logger)
		go l.Run(ctx, cfg.RateSync)
		limiter = l
	}
	documents, err := trustedDocuments(ctx, cfg, db, logger)
	if err != nil {
		return nil, err
	}
	return graph.NewHTTPHandler(graph.Options{
		Unsubscribe:      unsubscribe,
		Sockets:          sockets,
		MaxInFlight:      maxInFlight(cfg),
		QueueWait:        cfg.QueueWait,
		WebsocketOrigins: splitList(cfg.WSOrigins),
		Services:         services,
		Stores:           stores,
		Logger:           logger,
		Limits: graph.OperationLimits{Tokens: cfg.MaxTokens, Depth: cfg.MaxDepth, Fields: cfg.MaxFields,
			Aliases: cfg.MaxAliases, RootFields: cfg.MaxRootFields, SameName: cfg.MaxSameName},
		ClientIPHeader:   cfg.ClientIPHeader,
		Loaders:          loaders.Config{Wait: cfg.LoaderWait, MaxBatch: cfg.LoaderMaxBatch},
		PageSize:         relay.Limits{Default: cfg.PageSizeDefault, Max: cfg.PageSizeMax},
		MaxComplexity:    cfg.MaxComplexity,
		RateLimiter:      limiter,
		Metrics:          metrics,
		Tracing:          tracing,
		Budgets:          budgets,
		MaxBodyBytes:     cfg.MaxBodyBytes,
		Timeout:          cfg.RequestTimeout,
		QueryCacheSize:   cfg.QueryCacheSize,
		ReportStatements: cfg.ReportStatements,
		Ready:            db.PingContext,
		CORSOrigins:      cfg.CORSOrigins,
		Introspection:    graph.IntrospectionPolicy(cfg.Introspection),
		TrustedDocuments: graph.TrustedDocumentsPolicy(cfg.TrustedDocuments),
		Documents:        documents,
		PublicMaxAge:     cfg.PublicMaxAge,
	}), nil
}

// errNoSigningKey refuses a production start without a signing key of its own.
var errNoSigningKey = errors.New("TAILOR_TOKEN_SIGNING_KEY is not set: set it to `<key id>:<base64 secret of 32+ bytes>` " +
	"(for example `prod-1:$(openssl rand -base64 32)`), or start with --demo or TAILOR_DEV=true to sign with a development key")

// sessionStore is the account store, remembering sessions between requests (and following
// PostgreSQL's announcements of their changes until ctx ends) unless cfg.SessionCacheAge is 0.
func sessionStore(ctx context.Context, cfg config.Config, db *sqlx.DB, logger *slog.Logger) (authStore, error) {
	accounts := postgres.NewAccountStore(db)
	if cfg.SessionCacheAge <= 0 {
		return accounts, nil
	}
	sessions := postgres.NewCachedSessions(accounts, cfg.SessionCacheAge, postgres.SessionCacheUsers, logger)
	go func() {
		if err := sessions.Listen(ctx, cfg.DatabaseURL); err != nil {
			logger.Error("session announcements stopped: every signed-in request reads its session", "err", err)
		}
	}()
	return sessions, nil
}

// authStore is what the identity service keeps its accounts in.
type authStore interface {
	auth.Store
	auth.AttemptStore
	DevelopmentSigningKey(ctx context.Context, newKey func() (auth.Key, error)) (auth.Key, bool, error)
}

// signingKey is the key that signs access tokens: the configured one, or, only in
// development (cfg.Dev), the development key kept in the database.
func signingKey(ctx context.Context, cfg config.Config, accounts interface {
	DevelopmentSigningKey(ctx context.Context, newKey func() (auth.Key, error)) (auth.Key, bool, error)
}, logger *slog.Logger) (auth.Key, error) {
	switch {
	case cfg.SigningKey != "":
		k, err := auth.ParseKey(cfg.SigningKey)
		if err != nil {
			return auth.Key{}, fmt.Errorf("TAILOR_TOKEN_SIGNING_KEY: %w", err)
		}
		return k, nil
	case !cfg.Dev:
		return auth.Key{}, errNoSigningKey
	}
	k, created, err := accounts.DevelopmentSigningKey(ctx, func() (auth.Key, error) {
		return auth.NewKey("dev-" + time.Now().UTC().Format("20060102"))
	})
	if err != nil {
		return auth.Key{}, err
	}
	if created {
		logger.Warn("TAILOR_TOKEN_SIGNING_KEY is not set: generated a development signing key and stored it in the database; set a key of your own in production", "kid", k.ID)
	} else {
		logger.Warn("TAILOR_TOKEN_SIGNING_KEY is not set: signing with the development key stored in the database", "kid", k.ID)
	}
	return k, nil
}

// newAuth builds the identity service with the configured signing keys, and returns the
// current key with it.
func newAuth(ctx context.Context, cfg config.Config, db *sqlx.DB, logger *slog.Logger) (*auth.Service, auth.Key, error) {
	accounts, err := sessionStore(ctx, cfg, db, logger)
	if err != nil {
		return nil, auth.Key{}, err
	}
	current, err := signingKey(ctx, cfg, accounts, logger)
	if err != nil {
		return nil, auth.Key{}, err
	}
	var previous []auth.Key
	for _, s := range strings.Split(cfg.PreviousKeys, ",") {
		if strings.TrimSpace(s) == "" {
			continue
		}
		k, err := auth.ParseKey(s)
		if err != nil {
			return nil, auth.Key{}, fmt.Errorf("TAILOR_TOKEN_PREVIOUS_KEYS: %w", err)
		}
		previous = append(previous, k)
	}
	policy := auth.DefaultAttemptPolicy()
	policy.AccountFree, policy.AddressFree, policy.SignUpFree = cfg.LoginAccountFree, cfg.LoginAddressFree, cfg.SignUpFree
	service, err := auth.NewService(accounts, accounts, policy, auth.NewTokens(current, previous, cfg.TokenTTL, time.Now), logger)
	return service, current, err
}

// publishScheduled publishes scheduled content as its time comes, until ctx ends.
func publishScheduled(ctx context.Context, store *postgres.EditStore, every time.Duration, logger *slog.Logger) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := store.PublishDue(ctx)
			switch {
			case err != nil && ctx.Err() == nil:
				logger.Error("publishing scheduled content failed", "err", err)
			case n > 0:
				logger.Info("published scheduled content", "count", n)
			}
		}
	}
}

// serveAdmin serves Prometheus metrics and Go's profiles on their own listener, away from the
// public port.
func serveAdmin(addr string, db *sqlx.DB, logger *slog.Logger, metrics *prometheus.Registry) (stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("admin listener: %w", err)
	}
	metrics.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(db.DB, "tailor"),
	)
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(metrics, promhttp.HandlerOpts{}))
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	logger.Info("serving metrics and profiles", "metrics", "http://"+ln.Addr().String()+"/metrics", "pprof", "http://"+ln.Addr().String()+"/debug/pprof/")
	return func() { srv.Close() }, nil
}

// splitList reads a comma-separated setting, without empty entries.
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// rateBudgets reads the rate-limit budgets, TAILOR_RATE_ROLES's `role=points` entries included.
func rateBudgets(cfg config.Config) (ratelimit.Budgets, error) {
	b := ratelimit.Budgets{Anonymous: cfg.RateAnonymous, SignedIn: cfg.RateSignedIn, APIKey: cfg.RateAPIKey, ByRole: map[user.Role]int64{}}
	for _, entry := range splitList(cfg.RateRoles) {
		role, points, ok := strings.Cut(entry, "=")
		n, err := strconv.ParseInt(strings.TrimSpace(points), 10, 64)
		r := user.Role(strings.ToLower(strings.TrimSpace(role)))
		if !ok || err != nil || n < 1 || !r.Valid() {
			return b, fmt.Errorf("TAILOR_RATE_ROLES: %q is not role=points with a known role and a positive number", entry)
		}
		b.ByRole[r] = n
	}
	return b, nil
}

// maxInFlight is how many requests may work at once: TAILOR_MAX_INFLIGHT, or four per
// database connection, enough to keep the pool busy while others parse, wait on the network
// and write their answers.
func maxInFlight(cfg config.Config) int {
	if cfg.MaxInFlight > 0 {
		return cfg.MaxInFlight
	}
	return 4 * cfg.DBMaxConns
}
