package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/eval"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/seed"
	"github.com/tailorhq/tailor/internal/user"
)

// evalCommand seeds a scratch database, hides the newest part of its interaction log and
// measures the feed and the baselines against what users went on to like.
func evalCommand(ctx context.Context, cfg config.Config, args []string, stdout io.Writer) error {
	so, eo := seed.DefaultOptions(), eval.DefaultOptions()
	fs := newFlags("eval", stdout)
	datasetFlags(fs, &so)
	fs.IntVar(&eo.Sample, "sample", eo.Sample, "how many active users to evaluate")
	fs.Float64Var(&eo.Holdout, "holdout", eo.Holdout, "share of the interaction log, newest last, to hide (0 to 1)")
	database := fs.String("database", "tailor_eval", "scratch database to create (dropped first if it exists) on DATABASE_URL's server")
	out := fs.String("out", "", "directory to write the report to as <date>-eval.md (besides standard output)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if eo.Holdout <= 0 || eo.Holdout >= 1 || eo.Sample < 1 {
		return fmt.Errorf("eval: -holdout must be between 0 and 1 and -sample positive")
	}
	eo.Seed = so.Seed
	dsn, err := postgres.WithDatabase(cfg.DatabaseURL, *database)
	if err != nil {
		return err
	}
	if err := postgres.RecreateDatabase(ctx, dsn); err != nil {
		return err
	}
	cfg.DatabaseURL = dsn
	logger := newLogger(cfg, io.Discard)
	db, _, err := openSeeded(ctx, cfg, so, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	cutoff, truth, err := eval.Prepare(ctx, db, eo, postgres.RebuildHabits)
	if err != nil {
		return err
	}
	ranker := feed.NewService(postgres.NewFeedStore(db), func() time.Time { return cutoff },
		feed.Options{Diversity: feed.DefaultDiversity.Scaled(cfg.FeedDiversity), Pages: relay.Limits{Default: 20, Max: 100}})
	first := 20
	rank := func(ctx context.Context, userID int64, _ time.Time) ([]int64, error) {
		var role user.Role
		if err := db.GetContext(ctx, &role, `SELECT role FROM users WHERE id = $1`, userID); err != nil {
			return nil, err
		}
		page, err := ranker.Page(ctx, access.Viewer{UserID: userID, Role: role}, &first, nil)
		if err != nil {
			return nil, err
		}
		ids := make([]int64, len(page.Items))
		for i, it := range page.Items {
			ids[i] = it.Content.ID
		}
		return ids, nil
	}
	report, err := eval.Run(ctx, db, eo, cutoff, truth, rank)
	if err != nil {
		return err
	}
	command := "tailor eval " + strings.Join(args, " ")
	dataset := fmt.Sprintf("the seed's synthetic data, %d users, %d topics, %d contents, %d interactions (seed %d)",
		so.Users, so.Topics, so.Contents, so.Interactions, so.Seed)
	if err := eval.WriteMarkdown(stdout, report, strings.TrimSpace(command), dataset); err != nil {
		return err
	}
	if *out == "" {
		return nil
	}
	f, err := os.Create(filepath.Join(*out, time.Now().UTC().Format("2006-01-02")+"-eval.md"))
	if err != nil {
		return err
	}
	if err := eval.WriteMarkdown(f, report, strings.TrimSpace(command), dataset); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
