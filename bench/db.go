package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/password"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/seed"
)

// benchLock serializes bench database set-up across concurrent harness runs.
const benchLock = 7_361_100

// metaTable records, in the bench database, what the database holds. It is written last, so a
// database whose seeding was interrupted has no row and is rebuilt.
const metaTable = "bench_meta"

// dbMeta is the row of metaTable.
type dbMeta struct {
	Scale        string    `db:"scale"`
	Users        int       `db:"users"`
	Topics       int       `db:"topics"`
	Contents     int       `db:"contents"`
	Interactions int       `db:"interactions"`
	Seed         int64     `db:"seed"`
	Migrations   string    `db:"migrations_digest"`
	SeededAt     time.Time `db:"seeded_at"`
}

func metaFor(s Scale) dbMeta {
	return dbMeta{
		Scale: s.Name, Users: s.Users, Topics: s.Topics, Contents: s.Contents,
		Interactions: s.Interactions, Seed: s.Seed, Migrations: postgres.MigrationsDigest(),
	}
}

// sameDataset reports whether two rows describe the same dataset and schema.
func (m dbMeta) sameDataset(o dbMeta) bool {
	m.SeededAt, o.SeededAt = time.Time{}, time.Time{}
	return m == o
}

// withDatabase returns serverURL pointed at database name.
func withDatabase(serverURL, name string) (string, error) {
	u, err := url.Parse(serverURL)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return "", fmt.Errorf("the PostgreSQL server URL %q must be a postgres:// URL", serverURL)
	}
	u.Path = "/" + name
	return u.String(), nil
}

// dbSetup says what prepareDatabase did.
type dbSetup struct {
	URL      string        `json:"-"`
	Reused   bool          `json:"reused"`
	Elapsed  time.Duration `json:"-"`
	SeededAt time.Time     `json:"seededAt"`
	// EarlierWrites is how many interactions earlier runs recorded (W5's writes) in the reused
	// database; the seed's interactions all lie before seed.ReferenceTime().
	EarlierWrites int64 `json:"interactionsWrittenByEarlierRuns"`
	// SnapshotsCleared is how many expired feed snapshots of earlier runs were deleted at the start.
	SnapshotsCleared int64 `json:"expiredFeedSnapshotsDeleted"`
	// BuildSeconds is how long this run took to build the database (drop, create, migrate,
	// seed, vacuum and analyze); 0 when it was reused.
	BuildSeconds float64 `json:"buildSeconds,omitempty"`
	// SizeBytes is pg_database_size of the bench database when the run started.
	SizeBytes int64 `json:"sizeBytes,omitempty"`
}

// databaseSize returns pg_database_size of the database at dbURL.
func databaseSize(ctx context.Context, dbURL string) (int64, error) {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return 0, fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	var n int64
	if err := db.GetContext(ctx, &n, "SELECT pg_database_size(current_database())"); err != nil {
		return 0, fmt.Errorf("bench database: size: %w", err)
	}
	return n, nil
}

// maxWriteShare is the share of a scale's seeded interactions that earlier runs' writes may
// add before the database is rebuilt, so that repeated runs measure nearly the same data.
const maxWriteShare = 0.05

// maxEarlierWrites returns how many interactions earlier runs may have added to sc's database.
func maxEarlierWrites(sc Scale) int64 { return int64(maxWriteShare * float64(sc.Interactions)) }

// earlierWrites counts the interactions recorded after the seed's reference time: the writes
// of earlier benchmark runs.
func earlierWrites(ctx context.Context, dbURL string) (int64, error) {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return 0, fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	var n int64
	if err := db.GetContext(ctx, &n, "SELECT count(*) FROM interactions WHERE created_at > $1", seed.ReferenceTime()); err != nil {
		return 0, fmt.Errorf("bench database: count earlier runs' interactions: %w", err)
	}
	return n, nil
}

// clearSnapshots deletes the expired feed snapshots: the gateway keeps one per first page of a
// feed, for 15 minutes, and deletes expired ones only as it saves new ones, so earlier runs'
// would otherwise stay until the next W1. Live ones are kept: they may belong to a run going on
// at the same time.
func clearSnapshots(ctx context.Context, dbURL string) (int64, error) {
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return 0, fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	res, err := db.ExecContext(ctx, "DELETE FROM feed_snapshots WHERE expires_at <= now()")
	if err != nil {
		return 0, fmt.Errorf("bench database: delete expired feed snapshots: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("bench database: delete expired feed snapshots: %w", err)
	}
	return n, nil
}

// prepareDatabase makes sure the bench database of sc exists and holds sc's dataset under the
// current migrations: it reuses the database when its bench_meta row matches, and otherwise
// drops it, creates it, migrates it, seeds it and vacuums and analyzes it.
func prepareDatabase(ctx context.Context, serverURL string, sc Scale, force bool, logger *slog.Logger) (dbSetup, error) {
	begin := time.Now()
	dbURL, err := withDatabase(serverURL, sc.Database)
	if err != nil {
		return dbSetup{}, err
	}
	adminURL, err := withDatabase(serverURL, "postgres")
	if err != nil {
		return dbSetup{}, err
	}
	admin, err := sql.Open("postgres", adminURL)
	if err != nil {
		return dbSetup{}, fmt.Errorf("bench database: %w", err)
	}
	defer admin.Close()
	conn, err := admin.Conn(ctx)
	if err != nil {
		return dbSetup{}, fmt.Errorf("bench database: PostgreSQL is not reachable at %s: %w", adminURL, err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", benchLock); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: lock: %w", err)
	}
	defer conn.ExecContext(context.Background(), "SELECT pg_advisory_unlock($1)", benchLock)

	want := metaFor(sc)
	if !force {
		have, ok, err := readMeta(ctx, conn, dbURL, sc.Database)
		if err != nil {
			return dbSetup{}, err
		}
		switch {
		case ok && have.sameDataset(want):
			written, err := earlierWrites(ctx, dbURL)
			if err != nil {
				return dbSetup{}, err
			}
			if limit := maxEarlierWrites(sc); written > limit {
				logger.Info("earlier runs' writes changed the bench database too much; rebuilding it", "database", sc.Database,
					"interactions_written", written, "limit", limit)
				break
			}
			cleared, err := clearSnapshots(ctx, dbURL)
			if err != nil {
				return dbSetup{}, err
			}
			logger.Info("reusing the bench database", "database", sc.Database, "seeded_at", have.SeededAt.Format(time.RFC3339),
				"interactions_written_by_earlier_runs", written, "expired_feed_snapshots_deleted", cleared)
			return dbSetup{URL: dbURL, Reused: true, Elapsed: time.Since(begin), SeededAt: have.SeededAt,
				EarlierWrites: written, SnapshotsCleared: cleared}, nil
		case ok:
			logger.Info("the bench database holds another dataset or schema; rebuilding it", "database", sc.Database)
		}
	}

	logger.Info("building the bench database; the standard scale takes a few minutes, the large one about ten", "scale", sc.String())
	if _, err := conn.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(sc.Database)+" WITH (FORCE)"); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: drop %s: %w", sc.Database, err)
	}
	if _, err := postgres.EnsureDatabase(ctx, dbURL); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: %w", err)
	}
	db, err := postgres.Open(ctx, dbURL, 4)
	if err != nil {
		return dbSetup{}, fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	m, err := postgres.NewMigrator(db.DB, logger)
	if err != nil {
		return dbSetup{}, fmt.Errorf("bench database: %w", err)
	}
	if _, err := m.Up(ctx); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: %w", err)
	}
	if _, err := seed.Run(ctx, db, sc.seedOptions(password.Hash), logger); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: seed: %w", err)
	}
	// VACUUM sets the visibility map after the bulk load, so index-only scans behave as they
	// would on a settled database; ANALYZE refreshes the planner's statistics.
	t := time.Now()
	if _, err := db.ExecContext(ctx, "VACUUM (ANALYZE)"); err != nil {
		return dbSetup{}, fmt.Errorf("bench database: vacuum analyze: %w", err)
	}
	logger.Info("bench database vacuumed and analyzed", "duration", time.Since(t).Round(time.Millisecond))
	want.SeededAt = time.Now().UTC()
	if err := writeMeta(ctx, db, want); err != nil {
		return dbSetup{}, err
	}
	return dbSetup{URL: dbURL, Elapsed: time.Since(begin), SeededAt: want.SeededAt, BuildSeconds: time.Since(begin).Seconds()}, nil
}

// readMeta returns the bench_meta row of the database, and false when the database or its row
// does not exist.
func readMeta(ctx context.Context, admin *sql.Conn, dbURL, name string) (dbMeta, bool, error) {
	var exists bool
	if err := admin.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists); err != nil {
		return dbMeta{}, false, fmt.Errorf("bench database: %w", err)
	}
	if !exists {
		return dbMeta{}, false, nil
	}
	db, err := sqlx.Open("postgres", dbURL)
	if err != nil {
		return dbMeta{}, false, fmt.Errorf("bench database: %w", err)
	}
	defer db.Close()
	var m dbMeta
	err = db.GetContext(ctx, &m, "SELECT scale, users, topics, contents, interactions, seed, migrations_digest, seeded_at FROM "+metaTable)
	var pqErr *pq.Error
	switch {
	case errors.As(err, &pqErr) && pqErr.Code == "42P01": // undefined_table: never finished
		return dbMeta{}, false, nil
	case errors.Is(err, sql.ErrNoRows):
		return dbMeta{}, false, nil
	case err != nil:
		return dbMeta{}, false, fmt.Errorf("bench database: read %s: %w", metaTable, err)
	}
	return m, true, nil
}

func writeMeta(ctx context.Context, db *sqlx.DB, m dbMeta) error {
	if _, err := db.ExecContext(ctx, `CREATE TABLE `+metaTable+` (
		scale text NOT NULL, users int NOT NULL, topics int NOT NULL, contents int NOT NULL,
		interactions int NOT NULL, seed bigint NOT NULL, migrations_digest text NOT NULL,
		seeded_at timestamptz NOT NULL)`); err != nil {
		return fmt.Errorf("bench database: create %s: %w", metaTable, err)
	}
	_, err := db.NamedExecContext(ctx, `INSERT INTO `+metaTable+` (scale, users, topics, contents, interactions, seed, migrations_digest, seeded_at)
		VALUES (:scale, :users, :topics, :contents, :interactions, :seed, :migrations_digest, :seeded_at)`, m)
	if err != nil {
		return fmt.Errorf("bench database: write %s: %w", metaTable, err)
	}
	return nil
}

// sample holds the IDs and slugs the workloads' requests are built from, drawn from the bench
// database with a fixed random seed.
type sample struct {
	// TopicIDs are the database IDs of every topic.
	TopicIDs []int64
	// Slugs are slugs of published public items, drawn at random.
	Slugs []string
	// ContentIDs are database IDs of published public items, drawn at random (W5's writes).
	ContentIDs []int64
	// CommonWord is the most common word of the corpus (W7's search), by the planner's
	// statistics of the search column.
	CommonWord string
}

// loadSample reads the sample from db: every topic, and n slugs and n IDs of published public
// items drawn with rng (the slugs first, so they are the same as before IDs were drawn).
func loadSample(ctx context.Context, db *sqlx.DB, rng *rand.Rand, n int) (sample, error) {
	var s sample
	if err := db.SelectContext(ctx, &s.TopicIDs, "SELECT id FROM topics ORDER BY id"); err != nil {
		return s, fmt.Errorf("sample topics: %w", err)
	}
	var items []struct {
		ID   int64  `db:"id"`
		Slug string `db:"slug"`
	}
	if err := db.SelectContext(ctx, &items, `SELECT id, slug FROM contents
		WHERE status = 'published' AND visibility = 'public' AND deleted_at IS NULL ORDER BY id`); err != nil {
		return s, fmt.Errorf("sample slugs: %w", err)
	}
	if len(s.TopicIDs) == 0 || len(items) == 0 {
		return s, errors.New("sample: the bench database holds no topics or no published public content")
	}
	s.Slugs = make([]string, n)
	for i := range s.Slugs {
		s.Slugs[i] = items[rng.IntN(len(items))].Slug
	}
	s.ContentIDs = make([]int64, n)
	for i := range s.ContentIDs {
		s.ContentIDs[i] = items[rng.IntN(len(items))].ID
	}
	if _, err := db.ExecContext(ctx, "ANALYZE contents"); err != nil {
		return s, fmt.Errorf("sample: analyze contents: %w", err)
	}
	err := db.GetContext(ctx, &s.CommonWord, `SELECT m.word FROM pg_stats s,
		unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(word, freq)
		WHERE s.schemaname = current_schema() AND s.tablename = 'contents' AND s.attname = 'search' AND m.word ~ '^[a-z]{3,}$'
		ORDER BY m.freq DESC LIMIT 1`)
	if err != nil {
		return s, fmt.Errorf("sample: the most common word: %w", err)
	}
	return s, nil
}

// formatBytes renders a size the way pg_size_pretty does, in binary units.
func formatBytes(n int64) string {
	switch {
	case n >= 10<<30:
		return fmt.Sprintf("%d GB", (n+1<<29)>>30)
	case n >= 10<<20:
		return fmt.Sprintf("%d MB", (n+1<<19)>>20)
	case n >= 10<<10:
		return fmt.Sprintf("%d kB", (n+1<<9)>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
