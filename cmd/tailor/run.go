package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strings"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/postgres"
)

const usage = `Usage: tailor <command> [flags]

Commands:
  serve     run the GraphQL server (--demo creates, migrates and seeds the database first)
  migrate   apply or inspect schema migrations: up, down, status
  seed      write the deterministic demo dataset into an empty database
  schema    print the GraphQL schema (SDL); "schema diff OLD NEW" lists the changes and fails on breaking ones
  worker    run the notification worker alone (fan-out, mail, webhooks, digests)
  eval      measure the feed against baselines on a seeded database with a time-based hold-out
  documents trusted documents: load FILE stores a persisted-documents manifest

Configuration comes from environment variables; see the README.`

// run is the whole program: it parses args, reads configuration through getenv and writes
// command output to stdout.
func run(ctx context.Context, args []string, getenv func(string) string, stdout io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stdout, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load(getenv)
	if err != nil {
		return err
	}
	cmd, rest := args[0], args[1:]
	switch cmd {
	case "serve":
		return serve(ctx, cfg, rest, getenv, stdout)
	case "migrate":
		return migrate(ctx, cfg, rest, stdout)
	case "seed":
		return seedCommand(ctx, cfg, rest, stdout)
	case "eval":
		return evalCommand(ctx, cfg, rest, stdout)
	case "worker":
		return workerCommand(ctx, cfg, rest, stdout)
	case "documents":
		return documentsCommand(ctx, cfg, rest, stdout)
	case "schema":
		return schemaCommand(ctx, rest, stdout)
	case "help", "-h", "--help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stdout, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if strings.EqualFold(cfg.LogFormat, "json") {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// newFlags returns a flag set that reports errors instead of exiting.
func newFlags(name string, out io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(out)
	return fs
}

func openDB(ctx context.Context, cfg config.Config) (*sqlx.DB, error) {
	return postgres.Open(ctx, cfg.DatabaseURL, cfg.DBMaxConns)
}

// migrateUp applies every pending migration to db and returns how many it applied.
func migrateUp(ctx context.Context, db *sqlx.DB, logger *slog.Logger) (int, error) {
	m, err := postgres.NewMigrator(db.DB, logger)
	if err != nil {
		return 0, err
	}
	return m.Up(ctx)
}

func migrate(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	if len(args) != 1 {
		return errors.New("usage: tailor migrate up|down|status")
	}
	logger := newLogger(cfg, stdout)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := postgres.NewMigrator(db.DB, logger)
	if err != nil {
		return err
	}
	switch args[0] {
	case "up":
		n, err := m.Up(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "applied %d migration(s)\n", n)
		return nil
	case "down":
		return m.Down(ctx)
	case "status":
		list, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range list {
			state := "pending"
			if s.Applied {
				state = "applied " + s.AppliedAt.UTC().Format("2006-01-02 15:04:05Z")
			}
			fmt.Fprintf(stdout, "%05d  %-30s  %s\n", s.Version, s.Name, state)
		}
		return nil
	}
	return fmt.Errorf("unknown migrate command %q: use up, down or status", args[0])
}
