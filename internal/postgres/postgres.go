// Package postgres stores Tailor's data in PostgreSQL with sqlx and lib/pq: connections,
// embedded migrations and the batched reads the GraphQL layer relies on.
package postgres

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Open connects to the database named by dsn. Every statement run with a context carrying a
// sqlstats counter is counted.
func Open(ctx context.Context, dsn string, maxConns int) (*sqlx.DB, error) {
	connector, err := pq.NewConnector(withSessionDefaults(dsn))
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	db := sqlx.NewDb(sql.OpenDB(countingConnector{connector}), "postgres")
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(maxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := db.PingContext(pingCtx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open database: %w", err)
	}
	return db, nil
}

// withSessionDefaults turns JIT compilation off for Tailor's sessions unless the URL sets it:
// its statements are short index walks, where compiling costs more than it saves.
func withSessionDefaults(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn
	}
	q := u.Query()
	if !q.Has("jit") {
		q.Set("jit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// EnsureDatabase creates the database named by dsn when it does not exist yet, connecting to
// the server's maintenance database to do so. It reports whether it created one.
func EnsureDatabase(ctx context.Context, dsn string) (bool, error) {
	name, adminDSN, err := splitDatabase(dsn)
	if err != nil {
		return false, err
	}
	admin, err := sql.Open("postgres", adminDSN)
	if err != nil {
		return false, fmt.Errorf("ensure database: %w", err)
	}
	defer admin.Close()
	var exists bool
	if err := admin.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return false, fmt.Errorf("ensure database: %w", err)
	}
	if exists {
		return false, nil
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		if code(err) == duplicateDatabase { // created meanwhile by another process
			return false, nil
		}
		return false, fmt.Errorf("ensure database: %w", err)
	}
	return true, nil
}

// RecreateDatabase drops the database named by dsn, with every connection to it, and creates
// it empty. It is for scratch databases a command owns, such as the evaluation's.
func RecreateDatabase(ctx context.Context, dsn string) error {
	name, adminDSN, err := splitDatabase(dsn)
	if err != nil {
		return err
	}
	admin, err := sql.Open("postgres", adminDSN)
	if err != nil {
		return fmt.Errorf("recreate database: %w", err)
	}
	defer admin.Close()
	for _, stmt := range []string{"DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)", "CREATE DATABASE " + pq.QuoteIdentifier(name)} {
		if _, err := admin.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("recreate database: %w", err)
		}
	}
	return nil
}

// WithDatabase returns dsn pointed at the database name.
func WithDatabase(dsn, name string) (string, error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("DATABASE_URL must be a postgres:// URL")
	}
	u.Path = "/" + name
	return u.String(), nil
}

// splitDatabase returns the database name in a URL-style dsn and the same dsn pointed at the
// server's "postgres" database.
func splitDatabase(dsn string) (name, adminDSN string, err error) {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", "", fmt.Errorf("DATABASE_URL must be a postgres:// URL")
	}
	name = strings.TrimPrefix(u.Path, "/")
	if name == "" {
		return "", "", fmt.Errorf("DATABASE_URL names no database")
	}
	u.Path = "/postgres"
	return name, u.String(), nil
}

// Migrator applies the embedded schema migrations.
type Migrator struct {
	provider *goose.Provider
	db       *sql.DB
	logger   *slog.Logger
}

// NewMigrator prepares the embedded migrations for db. Concurrent migrators on one database
// take turns through an advisory lock, so replicas may all migrate at start.
func NewMigrator(db *sql.DB, logger *slog.Logger) (*Migrator, error) {
	files, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, files,
		goose.WithSessionLocker(locker), goose.WithSlog(logger), goose.WithDisableGlobalRegistry(true))
	if err != nil {
		return nil, fmt.Errorf("migrations: %w", err)
	}
	return &Migrator{provider: p, db: db, logger: logger}, nil
}

// Up applies every pending migration and returns how many it applied; then, where the server
// has the RUM extension, it makes sure the ordered search index exists.
func (m *Migrator) Up(ctx context.Context) (int, error) {
	res, err := m.provider.Up(ctx)
	if err != nil {
		return len(res), fmt.Errorf("migrate up: %w", err)
	}
	return len(res), m.ensureSearchIndex(ctx)
}

// searchIndex is the ordered full-text index: RUM, with each item's sort time attached, so a
// search walks its matches newest first and stops after the ones it ranks.
const searchIndex = "contents_search_rum_idx"

// ensureSearchIndex creates the RUM extension and searchIndex when the server offers RUM and
// they are missing (again when an earlier build left it invalid). Without RUM, or without the
// right to create the extension, searches use the GIN index and say so in the log.
func (m *Migrator) ensureSearchIndex(ctx context.Context) error {
	var available, valid bool
	err := m.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'rum'),
		coalesce((SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE c.relname = $1), false)`,
		searchIndex).Scan(&available, &valid)
	switch {
	case err != nil:
		return fmt.Errorf("search index: %w", err)
	case valid:
		return nil
	case !available:
		m.logger.InfoContext(ctx, "search: the RUM extension is not installed on the server; searches use the GIN index (install postgresql-15-rum and run tailor migrate up)")
		return nil
	}
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer conn.Close()
	// One replica builds it; the others wait, then find it valid.
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, searchIndexLock); err != nil {
		return fmt.Errorf("search index: %w", err)
	}
	defer conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, searchIndexLock)
	if _, err := conn.ExecContext(ctx, `CREATE EXTENSION IF NOT EXISTS rum`); err != nil {
		if code(err) == insufficientPrivilege {
			m.logger.WarnContext(ctx, "search: not allowed to create the RUM extension; searches use the GIN index (a superuser can run CREATE EXTENSION rum)")
			return nil
		}
		return fmt.Errorf("search index: %w", err)
	}
	m.logger.InfoContext(ctx, "search: building the ordered search index (RUM)")
	stmts := []string{
		`DROP INDEX CONCURRENTLY IF EXISTS ` + searchIndex,
		`CREATE INDEX CONCURRENTLY ` + searchIndex + ` ON contents USING rum (search rum_tsvector_addon_ops, sorted_at)
			WITH (attach = 'sorted_at', to = 'search', order_by_attach = 't') WHERE deleted_at IS NULL`,
	}
	for _, stmt := range stmts {
		if _, err := conn.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("search index: %w", err)
		}
	}
	return nil
}

// searchIndexLock serializes builds of the search index across replicas.
const searchIndexLock = 7_361_004

// Down rolls back the most recent migration.
func (m *Migrator) Down(ctx context.Context) error {
	if _, err := m.provider.Down(ctx); err != nil {
		return fmt.Errorf("migrate down: %w", err)
	}
	return nil
}

// MigrationState describes one migration and whether it is applied.
type MigrationState struct {
	Version   int64
	Name      string
	Applied   bool
	AppliedAt time.Time
}

// Status lists every migration in order with its state.
func (m *Migrator) Status(ctx context.Context) ([]MigrationState, error) {
	list, err := m.provider.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	out := make([]MigrationState, 0, len(list))
	for _, s := range list {
		out = append(out, MigrationState{
			Version:   s.Source.Version,
			Name:      s.Source.Path,
			Applied:   s.State == goose.StateApplied,
			AppliedAt: s.AppliedAt,
		})
	}
	return out, nil
}

// Version returns the newest applied migration's version.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	return m.provider.GetDBVersion(ctx)
}

// MigrationsDigest identifies the embedded migrations: it changes whenever one is added or edited.
func MigrationsDigest() string {
	h := sha256.New()
	entries, _ := fs.ReadDir(migrationFiles, "migrations") // embedded: cannot fail
	for _, e := range entries {
		b, _ := migrationFiles.ReadFile("migrations/" + e.Name())
		h.Write([]byte(e.Name()))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}
