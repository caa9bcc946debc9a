package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/password"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/seed"
)

// datasetFlags lets the flags of fs set the dataset's sizes and seed in opts.
func datasetFlags(fs *flag.FlagSet, opts *seed.Options) {
	fs.IntVar(&opts.Users, "users", opts.Users, "number of users")
	fs.IntVar(&opts.Topics, "topics", opts.Topics, "number of topics")
	fs.IntVar(&opts.Contents, "contents", opts.Contents, "number of content items (up to 1,000,000)")
	fs.IntVar(&opts.Interactions, "interactions", opts.Interactions, "number of interactions")
	fs.Int64Var(&opts.Seed, "seed", opts.Seed, "random seed; the same seed writes the same data")
}

// openSeeded opens the database of cfg, migrates it and writes the dataset of opts into it.
func openSeeded(ctx context.Context, cfg config.Config, opts seed.Options, logger *slog.Logger) (*sqlx.DB, seed.Stats, error) {
	db, err := openDB(ctx, cfg)
	if err != nil {
		return nil, seed.Stats{}, err
	}
	if _, err := migrateUp(ctx, db, logger); err != nil {
		db.Close()
		return nil, seed.Stats{}, err
	}
	opts.HashPassword = password.Hash
	stats, err := seed.Run(ctx, db, opts, logger)
	if err != nil {
		db.Close()
		return nil, seed.Stats{}, err
	}
	return db, stats, nil
}

func seedCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	opts := seed.DefaultOptions()
	fs := newFlags("seed", stdout)
	datasetFlags(fs, &opts)
	create := fs.Bool("create-db", false, "create the database first when it does not exist")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := newLogger(cfg, stdout)
	if *create {
		if _, err := postgres.EnsureDatabase(ctx, cfg.DatabaseURL); err != nil {
			return err
		}
	}
	db, stats, err := openSeeded(ctx, cfg, opts, logger)
	if err != nil {
		return err
	}
	db.Close()
	fmt.Fprintf(stdout, "seeded %d users, %d topics, %d contents and %d interactions in %s\n",
		stats.Users, stats.Topics, stats.Contents, stats.Interactions, stats.Elapsed.Round(1e6))
	return nil
}
