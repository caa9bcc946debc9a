// Package seed writes a deterministic demo dataset: demo accounts for every role, generated
// people, topics, contents with their topics, preferences, follows, mutes and interactions.
//
// The same Options always give the same rows, IDs included when the database is fresh: every
// random choice comes from a math/rand/v2 PCG stream seeded by Options.Seed, and every timestamp
// is computed from a fixed reference instant (see ReferenceTime), never from the clock. Rows are
// bulk-loaded with COPY inside one transaction, so a failure leaves nothing behind.
package seed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/postgres"
)

// ErrNotDemo is returned when the database holds a user that is not demo data: seeding it could
// mix invented people with real ones, so Run refuses.
var ErrNotDemo = errors.New("seed: the database holds real (non-demo) users")

// ErrNotEmpty is returned when the database already holds a dataset (any user, topic or content).
var ErrNotEmpty = errors.New("seed: the database already holds data")

// The limits Run accepts.
const (
	MaxUsers        = 1_000_000
	MaxContents     = 1_000_000
	MaxInteractions = 20_000_000
)

// Options sizes the dataset. A zero field takes its default (see DefaultOptions).
type Options struct {
	Users        int   // users including the five demo accounts; default 300
	Topics       int   // default 40, at most MaxTopics
	Contents     int   // default 3000, at least 4, at most 1,000,000
	Interactions int   // default 20000; the benchmark scale uses 1,000,000
	Seed         int64 // random seed, default 1
	// HashPassword turns the demo password into the stored hash (supplied by the caller).
	HashPassword func(password string) (string, error)
}

// DefaultOptions returns the default sizes, with no HashPassword.
func DefaultOptions() Options {
	return Options{Users: 300, Topics: 40, Contents: 3000, Interactions: 20000, Seed: 1}
}

// Stats counts what Run wrote.
type Stats struct {
	Users, Topics, Contents, ContentTopics, Interactions, TopicPreferences, Follows int
	Elapsed                                                                         time.Duration
}

func (o Options) withDefaults() (Options, error) {
	d := DefaultOptions()
	if o.Users == 0 {
		o.Users = d.Users
	}
	if o.Topics == 0 {
		o.Topics = d.Topics
	}
	if o.Contents == 0 {
		o.Contents = d.Contents
	}
	if o.Interactions == 0 {
		o.Interactions = d.Interactions
	}
	if o.Seed == 0 {
		o.Seed = d.Seed
	}
	switch {
	case o.HashPassword == nil:
		return o, errors.New("seed: Options.HashPassword is required")
	case o.Users < demoCount || o.Users > MaxUsers:
		return o, fmt.Errorf("seed: Users must be between %d and %d, not %d", demoCount, MaxUsers, o.Users)
	case o.Topics < 1 || o.Topics > MaxTopics:
		return o, fmt.Errorf("seed: Topics must be between 1 and %d, not %d", MaxTopics, o.Topics)
	case o.Contents < 4 || o.Contents > MaxContents:
		return o, fmt.Errorf("seed: Contents must be between 4 and %d, not %d", MaxContents, o.Contents)
	case o.Interactions < 0 || o.Interactions > MaxInteractions:
		return o, fmt.Errorf("seed: Interactions must be between 0 and %d, not %d", MaxInteractions, o.Interactions)
	}
	return o, nil
}

// Run writes the dataset into db, which must be migrated. It refuses with ErrNotDemo when the
// users table holds a row with is_demo = false, and with ErrNotEmpty when any user (or topic or
// content) is already present. Everything is written in one transaction, then the tables are
// analyzed. A nil logger logs nothing.
//
// To load quickly, Run drops the seeded tables' foreign keys and plain indexes inside its
// transaction and rebuilds them from their catalog definitions after the rows are in, so the
// seeded tables are locked against other sessions, readers included, until it commits.
// When the connected role does not own the tables, it loads with them in place instead.
func Run(ctx context.Context, db *sqlx.DB, opts Options, logger *slog.Logger) (Stats, error) {
	begin := time.Now()
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	opts, err := opts.withDefaults()
	if err != nil {
		return Stats{}, err
	}
	hash, err := opts.HashPassword(DemoPassword)
	if err != nil {
		return Stats{}, fmt.Errorf("seed: hash the demo password: %w", err)
	}

	t := time.Now()
	p := makePlan(opts)
	logger.Info("seed: dataset generated", "users", len(p.users), "contents", len(p.contents),
		"interactions", len(p.interactions), "duration", time.Since(t).Round(time.Millisecond))

	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return Stats{}, fmt.Errorf("seed: begin: %w", err)
	}
	defer tx.Rollback()
	// The seeded rows are history, not news: no event is written for them.
	if _, err := tx.ExecContext(ctx, "SET LOCAL tailor.events = 'off'"); err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	if err := checkEmpty(ctx, tx); err != nil {
		return Stats{}, err
	}
	w := &writer{ctx: ctx, tx: tx, logger: logger}
	restore, err := w.deferIndexes()
	if err != nil {
		return Stats{}, err
	}
	if err := w.writeAll(p, hash); err != nil {
		return Stats{}, err
	}
	t = time.Now()
	if err := postgres.RebuildHabits(ctx, tx); err != nil {
		return Stats{}, fmt.Errorf("seed: %w", err)
	}
	logger.Info("seed: states, counters and affinities derived from interactions", "duration", time.Since(t).Round(time.Millisecond))
	if err := restore(); err != nil {
		return Stats{}, err
	}
	if err := tx.Commit(); err != nil {
		return Stats{}, fmt.Errorf("seed: commit: %w", err)
	}

	t = time.Now()
	if _, err := db.ExecContext(ctx, "ANALYZE "+strings.Join(seededTables, ", ")); err != nil {
		logger.Warn("seed: analyze failed", "err", err)
	} else {
		logger.Info("seed: tables analyzed", "duration", time.Since(t).Round(time.Millisecond))
	}
	st := Stats{
		Users: len(p.users), Topics: p.topics, Contents: len(p.contents), ContentTopics: p.contentTopics,
		Interactions: len(p.interactions), TopicPreferences: len(p.topicPrefs), Follows: len(p.follows),
		Elapsed: time.Since(begin),
	}
	logger.Info("seed: done", "elapsed", st.Elapsed.Round(time.Millisecond))
	return st, nil
}

var seededTables = []string{"users", "topics", "contents", "content_topics", "preferences",
	"topic_preferences", "follows", "muted_topics", "muted_authors", "interactions",
	"content_states", "topic_affinities", "author_affinities"}

// checkEmpty locks the users table against concurrent writers (and concurrent seeds), then
// makes sure there is nothing to collide with.
func checkEmpty(ctx context.Context, tx *sqlx.Tx) error {
	if _, err := tx.ExecContext(ctx, "LOCK TABLE users IN SHARE ROW EXCLUSIVE MODE"); err != nil {
		return fmt.Errorf("seed: lock users: %w", err)
	}
	var realUsers, anyData bool
	err := tx.QueryRowxContext(ctx, `SELECT
		EXISTS (SELECT 1 FROM users WHERE NOT is_demo),
		EXISTS (SELECT 1 FROM users) OR EXISTS (SELECT 1 FROM topics) OR EXISTS (SELECT 1 FROM contents)`).
		Scan(&realUsers, &anyData)
	switch {
	case err != nil:
		return fmt.Errorf("seed: inspect database: %w", err)
	case realUsers:
		return ErrNotDemo
	case anyData:
		return ErrNotEmpty
	}
	return nil
}

// deferIndexes drops the foreign keys and the plain (non-unique, constraint-free) indexes of the
// seeded tables, to be recreated by the returned function once the rows are in: building an index
// or validating a foreign key once over the loaded rows is several times faster than maintaining
// them row by row (1M interactions: ~25 s with, ~5 s without). The definitions are read from the
// catalog, so whatever the migrations declare is restored exactly, within this transaction.
func (w *writer) deferIndexes() (restore func() error, err error) {
	var owner bool
	if err := w.tx.GetContext(w.ctx, &owner, `SELECT coalesce(bool_and(pg_has_role(current_user, c.relowner, 'USAGE')), false)
		FROM pg_class c WHERE c.oid IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)`, pq.Array(seededTables)); err != nil {
		return nil, fmt.Errorf("seed: check table ownership: %w", err)
	}
	if !owner { // only an owner may drop and recreate; load with the indexes in place instead
		w.logger.Warn("seed: not the owner of the tables; loading with indexes and foreign keys in place (slower)")
		return func() error { return nil }, nil
	}
	type object struct{ Table, Name, Def string }
	var fks, indexes []object
	err = w.tx.SelectContext(w.ctx, &fks, `SELECT conrelid::regclass::text AS table, conname AS name,
			pg_get_constraintdef(oid) AS def
		FROM pg_constraint
		WHERE contype = 'f' AND conrelid IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)
		ORDER BY 1, 2`, pq.Array(seededTables))
	if err == nil {
		err = w.tx.SelectContext(w.ctx, &indexes, `SELECT i.indrelid::regclass::text AS table,
				i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS def
			FROM pg_index i
			WHERE i.indrelid IN (SELECT to_regclass(t) FROM unnest($1::text[]) t)
				AND NOT i.indisunique AND NOT i.indisprimary
				AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
			ORDER BY 1, 2`, pq.Array(seededTables))
	}
	if err != nil {
		return nil, fmt.Errorf("seed: read index definitions: %w", err)
	}
	var drops []string
	for _, fk := range fks {
		drops = append(drops, "ALTER TABLE "+fk.Table+" DROP CONSTRAINT "+pq.QuoteIdentifier(fk.Name))
	}
	for _, ix := range indexes {
		drops = append(drops, "DROP INDEX "+ix.Name)
	}
	drops = append(drops, "SET LOCAL maintenance_work_mem = '256MB'")
	for _, stmt := range drops {
		if _, err := w.tx.ExecContext(w.ctx, stmt); err != nil {
			return nil, fmt.Errorf("seed: %s: %w", stmt, err)
		}
	}
	return func() error {
		t := time.Now()
		var creates []string
		for _, ix := range indexes {
			creates = append(creates, ix.Def)
		}
		for _, fk := range fks {
			creates = append(creates, "ALTER TABLE "+fk.Table+" ADD CONSTRAINT "+pq.QuoteIdentifier(fk.Name)+" "+fk.Def)
		}
		for _, stmt := range creates {
			if _, err := w.tx.ExecContext(w.ctx, stmt); err != nil {
				return fmt.Errorf("seed: %s: %w", stmt, err)
			}
		}
		w.logger.Info("seed: indexes and foreign keys rebuilt", "indexes", len(indexes), "foreign_keys", len(fks),
			"duration", time.Since(t).Round(time.Millisecond))
		return nil
	}, nil
}

// writer copies a plan into the database.
type writer struct {
	ctx    context.Context
	tx     *sqlx.Tx
	logger *slog.Logger
}

func unixTime(unix int64) time.Time { return time.Unix(unix, 0).UTC() }

func (w *writer) writeAll(p *plan, hash string) error {
	// Users, then their IDs in insertion order.
	userIDs, err := w.copyWithIDs("users", []string{"handle", "email", "display_name", "bio", "role",
		"password_hash", "is_demo", "created_at", "updated_at"}, len(p.users), func(i int, row []any) {
		u := &p.users[i]
		email, pw := u.handle+"@example.com", any(nil)
		if i < demoCount {
			email, pw = u.handle+"@"+DemoEmailDomain, hash
		}
		row[0], row[1], row[2], row[3], row[4] = u.handle, email, u.name, u.bio, u.role
		row[5], row[6], row[7], row[8] = pw, true, unixTime(u.created), unixTime(u.updated)
	})
	if err != nil {
		return err
	}
	topicIDs, err := w.copyWithIDs("topics", []string{"slug", "name", "description", "created_at"}, p.topics,
		func(i int, row []any) {
			t := &builtinTopics[i]
			row[0], row[1], row[2], row[3] = t.Slug, t.Name, t.Description, unixTime(p.users[demoAdmin].created+int64(i+1)*60)
		})
	if err != nil {
		return err
	}
	contentIDs, err := w.copyWithIDs("contents", []string{"slug", "author_id", "title", "summary", "body", "kind",
		"language", "status", "visibility", "published_at", "created_at", "updated_at"}, len(p.contents),
		func(i int, row []any) {
			c := &p.contents[i]
			seq := i + 1
			title, summary, body := p.contentText(seq, c)
			suffix := "-" + strconv.Itoa(seq)
			slug := slugify(title, 200-len(suffix))
			if slug == "" {
				slug = "item"
			}
			var published any
			if c.published != 0 {
				published = unixTime(c.published)
			}
			row[0], row[1], row[2], row[3], row[4] = slug+suffix, userIDs[c.author], title, summary, body
			row[5], row[6], row[7], row[8] = c.kind, c.lang, c.status, c.vis
			row[9], row[10], row[11] = published, unixTime(c.created), unixTime(c.updated)
		})
	if err != nil {
		return err
	}

	// content_topics: one row per (content, topic), in content order.
	type ct struct{ content, pos int }
	cts := make([]ct, 0, p.contentTopics)
	for i := range p.contents {
		for pos := 0; pos < p.contents[i].nTopics; pos++ {
			cts = append(cts, ct{i, pos})
		}
	}
	if err := w.copy("content_topics", []string{"content_id", "topic_id", "position"}, len(cts), func(i int, row []any) {
		x := cts[i]
		row[0], row[1], row[2] = contentIDs[x.content], topicIDs[p.contents[x.content].topics[x.pos]], int64(x.pos)
	}); err != nil {
		return err
	}

	if err := w.copy("preferences", []string{"user_id", "languages", "kinds", "email_notifications",
		"in_app_notifications", "locale", "time_zone", "updated_at"}, len(p.preferences), func(i int, row []any) {
		pr := &p.preferences[i]
		row[0], row[1], row[2], row[3] = userIDs[i], pr.languages, pr.kinds, pr.email
		row[4], row[5], row[6], row[7] = pr.inApp, pr.locale, pr.timeZone, unixTime(pr.updated)
	}); err != nil {
		return err
	}
	if err := w.copy("topic_preferences", []string{"user_id", "topic_id", "weight"}, len(p.topicPrefs), func(i int, row []any) {
		tp := &p.topicPrefs[i]
		row[0], row[1], row[2] = userIDs[tp.user], topicIDs[tp.topic], tp.weight
	}); err != nil {
		return err
	}
	if err := w.copy("follows", []string{"follower_id", "author_id", "created_at"}, len(p.follows), func(i int, row []any) {
		f := &p.follows[i]
		row[0], row[1], row[2] = userIDs[f.a], userIDs[f.b], unixTime(f.created)
	}); err != nil {
		return err
	}
	if err := w.copy("muted_topics", []string{"user_id", "topic_id"}, len(p.mutedTopics), func(i int, row []any) {
		m := &p.mutedTopics[i]
		row[0], row[1] = userIDs[m.a], topicIDs[m.b]
	}); err != nil {
		return err
	}
	if err := w.copy("muted_authors", []string{"user_id", "author_id"}, len(p.mutedAuthors), func(i int, row []any) {
		m := &p.mutedAuthors[i]
		row[0], row[1] = userIDs[m.a], userIDs[m.b]
	}); err != nil {
		return err
	}
	return w.copy("interactions", []string{"user_id", "content_id", "kind", "dwell_ms", "created_at"}, len(p.interactions),
		func(i int, row []any) {
			x := &p.interactions[i]
			var dwell any
			if x.dwell >= 0 {
				dwell = int64(x.dwell)
			}
			row[0], row[1], row[2], row[3], row[4] = userIDs[x.user], contentIDs[x.content], x.kind, dwell, unixTime(x.at)
		})
}

// copy streams n rows into table with COPY FROM STDIN; row fills the values of row i.
func (w *writer) copy(table string, columns []string, n int, row func(i int, row []any)) error {
	t := time.Now()
	quoted := make([]string, len(columns))
	for i, c := range columns {
		quoted[i] = pq.QuoteIdentifier(c)
	}
	stmt, err := w.tx.PrepareContext(w.ctx, "COPY "+pq.QuoteIdentifier(table)+" ("+strings.Join(quoted, ", ")+") FROM STDIN")
	if err != nil {
		return fmt.Errorf("seed: copy %s: %w", table, err)
	}
	defer stmt.Close()
	vals := make([]any, len(columns))
	for i := 0; i < n; i++ {
		if i%4096 == 0 {
			if err := w.ctx.Err(); err != nil {
				return fmt.Errorf("seed: copy %s: %w", table, err)
			}
		}
		row(i, vals)
		if _, err := stmt.ExecContext(w.ctx, vals...); err != nil {
			return fmt.Errorf("seed: copy %s: %w", table, err)
		}
	}
	if _, err := stmt.ExecContext(w.ctx); err != nil {
		return fmt.Errorf("seed: copy %s: %w", table, err)
	}
	w.logger.Info("seed: table written", "table", table, "rows", n, "duration", time.Since(t).Round(time.Millisecond))
	return nil
}

// copyWithIDs copies rows into a table with an identity key, then returns the keys in insertion
// order (the table was empty, so ascending IDs are exactly the new rows in the order sent).
func (w *writer) copyWithIDs(table string, columns []string, n int, row func(i int, row []any)) ([]int64, error) {
	if err := w.copy(table, columns, n, row); err != nil {
		return nil, err
	}
	var ids []int64
	if err := w.tx.SelectContext(w.ctx, &ids, "SELECT id FROM "+pq.QuoteIdentifier(table)+" ORDER BY id"); err != nil {
		return nil, fmt.Errorf("seed: read %s ids: %w", table, err)
	}
	if len(ids) != n {
		return nil, fmt.Errorf("seed: %s holds %d rows after copying %d", table, len(ids), n)
	}
	return ids, nil
}
