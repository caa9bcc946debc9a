// Package pgtest gives a test package its own PostgreSQL database, cloned from a template that
// holds the migrated schema, and drops it afterwards. The server is named by
// TAILOR_TEST_DATABASE_URL (default: the local server as user postgres).
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/postgres"
)

// DefaultServerURL is used when TAILOR_TEST_DATABASE_URL is unset.
const DefaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// templateLock serializes template creation and cloning across test processes.
const templateLock = 7_361_002

// Database is a throwaway database for one test package.
type Database struct {
	// URL connects to the database.
	URL   string
	DB    *sqlx.DB
	name  string
	admin *sql.DB
}

// New creates a fresh, migrated database. Call Close when the package's tests are done.
func New(ctx context.Context) (*Database, error) {
	serverURL := os.Getenv("TAILOR_TEST_DATABASE_URL")
	if serverURL == "" {
		serverURL = DefaultServerURL
	}
	admin, err := sql.Open("postgres", serverURL)
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	admin.SetMaxOpenConns(1) // one session, so the advisory lock is held by the statements below
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return nil, fmt.Errorf("pgtest: PostgreSQL is not reachable at %s: %w", serverURL, err)
	}
	name := "tailor_test_" + randomSuffix()
	if err := cloneTemplate(ctx, admin, serverURL, name); err != nil {
		admin.Close()
		return nil, err
	}
	dbURL := withDatabase(serverURL, name)
	db, err := postgres.Open(ctx, dbURL, 10)
	if err != nil {
		admin.Close()
		return nil, err
	}
	d := &Database{URL: dbURL, DB: db, name: name, admin: admin}
	// Migrating the clone applies nothing new but sets up what depends on the server (the
	// ordered search index where RUM is installed), as serve does.
	m, err := postgres.NewMigrator(db.DB, slog.New(slog.DiscardHandler))
	if err == nil {
		_, err = m.Up(ctx)
	}
	if err != nil {
		d.Close()
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	return d, nil
}

// Close drops the database.
func (d *Database) Close() error {
	d.DB.Close()
	defer d.admin.Close()
	_, err := d.admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(d.name) + " WITH (FORCE)")
	return err
}

// cloneTemplate makes sure the template for the current migrations exists, then clones it.
func cloneTemplate(ctx context.Context, admin *sql.DB, serverURL, name string) error {
	conn, err := admin.Conn(ctx)
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", templateLock); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", templateLock)

	template := "tailor_template_" + postgres.MigrationsDigest()[:12]
	var exists bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", template).Scan(&exists); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if !exists {
		if err := createTemplate(ctx, conn, serverURL, template); err != nil {
			return err
		}
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)+" TEMPLATE "+pq.QuoteIdentifier(template)); err != nil {
		return fmt.Errorf("pgtest: clone template: %w", err)
	}
	return nil
}

func createTemplate(ctx context.Context, conn *sql.Conn, serverURL, template string) error {
	var stale []string
	rows, err := conn.QueryContext(ctx, "SELECT datname FROM pg_database WHERE datname LIKE 'tailor_template_%'")
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			rows.Close()
			return fmt.Errorf("pgtest: %w", err)
		}
		stale = append(stale, n)
	}
	rows.Close()
	for _, n := range stale {
		if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(n)+" WITH (FORCE)"); err != nil {
			return fmt.Errorf("pgtest: drop stale template: %w", err)
		}
	}
	building := template + "_building"
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(building)+" WITH (FORCE)"); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	if _, err := conn.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(building)); err != nil {
		return fmt.Errorf("pgtest: create template: %w", err)
	}
	db, err := sql.Open("postgres", withDatabase(serverURL, building))
	if err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	m, err := postgres.NewMigrator(db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err == nil {
		_, err = m.Up(ctx)
	}
	db.Close()
	if err != nil {
		return fmt.Errorf("pgtest: migrate template: %w", err)
	}
	// Renaming last means a template that exists is always complete.
	if _, err := conn.ExecContext(ctx, "ALTER DATABASE "+pq.QuoteIdentifier(building)+" RENAME TO "+pq.QuoteIdentifier(template)); err != nil {
		return fmt.Errorf("pgtest: %w", err)
	}
	return nil
}

func withDatabase(serverURL, name string) string {
	u, err := url.Parse(serverURL)
	if err != nil {
		return serverURL
	}
	u.Path = "/" + name
	return u.String()
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
