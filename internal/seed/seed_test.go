package seed

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/postgres"
)

// The server the tests create their databases on; TAILOR_TEST_DATABASE_URL overrides it.
const defaultServerURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

var (
	serverURL string
	admin     *sql.DB
	dbPrefix  string

	createdMu    sync.Mutex
	created      []string
	createdRoles []string
)

func TestMain(m *testing.M) {
	serverURL = os.Getenv("TAILOR_TEST_DATABASE_URL")
	if serverURL == "" {
		serverURL = defaultServerURL
	}
	var err error
	if admin, err = sql.Open("postgres", serverURL); err != nil {
		fmt.Fprintln(os.Stderr, "seed tests:", err)
		os.Exit(1)
	}
	suffix := make([]byte, 4)
	_, _ = rand.Read(suffix)
	dbPrefix = fmt.Sprintf("tailor_seed_test_%d_%s", os.Getpid(), hex.EncodeToString(suffix))
	code := m.Run()
	for _, name := range created {
		if _, err := admin.Exec("DROP DATABASE IF EXISTS " + pq.QuoteIdentifier(name) + " WITH (FORCE)"); err != nil {
			fmt.Fprintln(os.Stderr, "seed tests: drop", name+":", err)
			code = 1
		}
	}
	for _, role := range createdRoles { // after the databases, which held its privileges
		if _, err := admin.Exec("DROP ROLE IF EXISTS " + pq.QuoteIdentifier(role)); err != nil {
			fmt.Fprintln(os.Stderr, "seed tests: drop role", role+":", err)
			code = 1
		}
	}
	admin.Close()
	os.Exit(code)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// freshDB creates and migrates a new database, dropped when the test binary ends.
func freshDB(t *testing.T) *sqlx.DB {
	t.Helper()
	ctx := context.Background()
	createdMu.Lock()
	name := fmt.Sprintf("%s_%d", dbPrefix, len(created))
	created = append(created, name)
	createdMu.Unlock()
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(name)); err != nil {
		t.Fatalf("create database: %v", err)
	}
	db := connect(t, name, "")
	m, err := postgres.NewMigrator(db.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	return db
}

// connect opens database name, as role when it is not empty.
func connect(t *testing.T, name, role string) *sqlx.DB {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	if role != "" {
		u.User = url.User(role)
	}
	db, err := postgres.Open(context.Background(), u.String(), 4)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func hashPassword(p string) (string, error) { return "hash:" + p, nil }

func smallOptions() Options {
	return Options{Users: 50, Topics: 10, Contents: 500, Interactions: 2000, Seed: 7, HashPassword: hashPassword}
}

func count(t *testing.T, db *sqlx.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.Get(&n, query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

func tableCounts(t *testing.T, db *sqlx.DB) map[string]int {
	t.Helper()
	out := map[string]int{}
	for _, table := range seededTables {
		out[table] = count(t, db, "SELECT count(*) FROM "+table)
	}
	return out
}

// checksums fingerprints every seeded table, IDs included.
func checksums(t *testing.T, db *sqlx.DB) map[string]string {
	t.Helper()
	queries := map[string]string{
		"users":             `SELECT md5(string_agg(concat_ws('|', id, handle, email, display_name, bio, role, password_hash, is_demo, created_at, updated_at), ',' ORDER BY id)) FROM users`,
		"topics":            `SELECT md5(string_agg(concat_ws('|', id, slug, name, description, created_at), ',' ORDER BY id)) FROM topics`,
		"contents":          `SELECT md5(string_agg(concat_ws('|', id, slug, author_id, title, summary, body, kind, language, status, visibility, published_at, created_at, updated_at), ',' ORDER BY id)) FROM contents`,
		"content_topics":    `SELECT md5(string_agg(concat_ws('|', content_id, topic_id, position), ',' ORDER BY content_id, topic_id)) FROM content_topics`,
		"preferences":       `SELECT md5(string_agg(concat_ws('|', user_id, languages, kinds, email_notifications, in_app_notifications, locale, time_zone, updated_at), ',' ORDER BY user_id)) FROM preferences`,
		"topic_preferences": `SELECT md5(string_agg(concat_ws('|', user_id, topic_id, weight), ',' ORDER BY user_id, topic_id)) FROM topic_preferences`,
		"follows":           `SELECT md5(string_agg(concat_ws('|', follower_id, author_id, created_at), ',' ORDER BY follower_id, author_id)) FROM follows`,
		"muted_topics":      `SELECT md5(string_agg(concat_ws('|', user_id, topic_id), ',' ORDER BY user_id, topic_id)) FROM muted_topics`,
		"muted_authors":     `SELECT md5(string_agg(concat_ws('|', user_id, author_id), ',' ORDER BY user_id, author_id)) FROM muted_authors`,
		"interactions":      `SELECT md5(string_agg(concat_ws('|', id, user_id, content_id, kind, dwell_ms, created_at), ',' ORDER BY id)) FROM interactions`,
	}
	out := map[string]string{}
	for table, q := range queries {
		var sum sql.NullString
		if err := db.Get(&sum, q); err != nil {
			t.Fatalf("checksum %s: %v", table, err)
		}
		out[table] = sum.String
	}
	return out
}

// schema lists the indexes and constraints of the public schema, which Run drops and rebuilds.
func schema(t *testing.T, db *sqlx.DB) []string {
	t.Helper()
	var defs []string
	if err := db.Select(&defs, `SELECT indexdef FROM pg_indexes WHERE schemaname = 'public'
		UNION ALL
		SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint
		WHERE connamespace = 'public'::regnamespace
		ORDER BY 1`); err != nil {
		t.Fatal(err)
	}
	if len(defs) < 20 {
		t.Fatalf("only %d indexes and constraints", len(defs))
	}
	return defs
}

func TestRunSmall(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	ctx := context.Background()
	opts := smallOptions()
	before := schema(t, db)
	st, err := Run(ctx, db, opts, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if after := schema(t, db); !slices.Equal(before, after) {
		t.Errorf("Run changed the schema:\nbefore %q\nafter  %q", before, after)
	}
	if st.Users != 50 || st.Topics != 10 || st.Contents != 500 || st.Interactions != 2000 {
		t.Errorf("stats = %+v", st)
	}
	got := tableCounts(t, db)
	want := map[string]int{"users": 50, "topics": 10, "contents": 500, "interactions": 2000,
		"preferences": 50, "content_topics": st.ContentTopics, "topic_preferences": st.TopicPreferences, "follows": st.Follows}
	for table, n := range want {
		if got[table] != n {
			t.Errorf("%s: %d rows, want %d", table, got[table], n)
		}
	}
	if st.ContentTopics < 500 || st.TopicPreferences < 100 || st.Follows == 0 {
		t.Errorf("implausible stats %+v", st)
	}
	if got["muted_topics"] == 0 || got["muted_authors"] == 0 {
		t.Errorf("no mutes: %v", got)
	}

	t.Run("demo accounts", func(t *testing.T) {
		type row struct {
			Handle, Email, DisplayName, Role string
			PasswordHash                     sql.NullString
		}
		var rows []row
		if err := db.Select(&rows, `SELECT handle, email, display_name AS displayname, role, password_hash AS passwordhash
			FROM users ORDER BY id LIMIT 5`); err != nil {
			t.Fatal(err)
		}
		for i, h := range []string{"admin", "editor", "author", "member", "reader"} {
			r := rows[i]
			if r.Handle != h || r.Role != h || r.Email != h+"@demo.tailor.test" || r.PasswordHash.String != "hash:tailor-demo" {
				t.Errorf("demo account %d = %+v", i, r)
			}
		}
		if rows[0].DisplayName != "Ada Admin" {
			t.Errorf("admin display name %q", rows[0].DisplayName)
		}
		if n := count(t, db, `SELECT count(*) FROM users WHERE NOT is_demo`); n != 0 {
			t.Errorf("%d non-demo users", n)
		}
		if n := count(t, db, `SELECT count(*) FROM users WHERE password_hash IS NOT NULL`); n != 5 {
			t.Errorf("%d users with a password, want the 5 demo accounts", n)
		}
		if n := count(t, db, `SELECT count(*) FROM users WHERE email NOT LIKE handle || '@%'`); n != 0 {
			t.Errorf("%d users whose email is not <handle>@...", n)
		}
		if n := count(t, db, `SELECT count(*) FROM users WHERE role = 'author'`); n < 4 {
			t.Errorf("only %d authors", n)
		}
	})

	t.Run("showcase items of the demo author", func(t *testing.T) {
		for _, q := range []string{
			`status = 'draft' AND published_at IS NULL`,
			`status = 'scheduled' AND published_at > $2 + interval '30 days'`,
			`status = 'published' AND visibility = 'members' AND published_at < $2`,
			`status = 'published' AND visibility = 'private' AND published_at < $2`,
		} {
			n := count(t, db, `SELECT count(*) FROM contents c JOIN users u ON u.id = c.author_id
				WHERE u.handle = $1 AND $2::timestamptz IS NOT NULL AND `+q, "author", ReferenceTime())
			if n == 0 {
				t.Errorf("the demo author has no item with %s", q)
			}
		}
		if n := count(t, db, `SELECT count(*) FROM contents c JOIN users u ON u.id = c.author_id WHERE u.handle = 'author'`); n < 10 {
			t.Errorf("the demo author owns only %d items", n)
		}
	})

	t.Run("contents", func(t *testing.T) {
		if n := count(t, db, `SELECT count(*) FROM contents c WHERE (SELECT count(*) FROM content_topics ct WHERE ct.content_id = c.id) NOT BETWEEN 1 AND 3`); n != 0 {
			t.Errorf("%d contents without 1..3 topics", n)
		}
		if n := count(t, db, `SELECT count(*) FROM (SELECT content_id FROM content_topics GROUP BY content_id
			HAVING min(position) <> 0 OR max(position) <> count(*) - 1 OR count(DISTINCT position) <> count(*)) x`); n != 0 {
			t.Errorf("%d contents whose topic positions are not 0..n-1", n)
		}
		if n := count(t, db, `SELECT count(*) FROM contents WHERE status IN ('published', 'scheduled') AND published_at IS NULL`); n != 0 {
			t.Errorf("%d published or scheduled items without published_at", n)
		}
		if n := count(t, db, `SELECT count(*) FROM contents WHERE status = 'draft' AND published_at IS NOT NULL`); n != 0 {
			t.Errorf("%d drafts with published_at", n)
		}
		if n := count(t, db, `SELECT count(*) FROM contents WHERE status = 'published' AND published_at > $1`, ReferenceTime()); n != 0 {
			t.Errorf("%d published items after the reference time", n)
		}
		if n := count(t, db, `SELECT count(*) FROM contents WHERE published_at IS NOT NULL AND created_at >= published_at`); n != 0 {
			t.Errorf("%d items created after publication", n)
		}
		if n := count(t, db, `SELECT count(*) FROM contents c JOIN users u ON u.id = c.author_id WHERE u.role NOT IN ('author', 'editor', 'admin')`); n != 0 {
			t.Errorf("%d items by users who may not write", n)
		}
		published := count(t, db, `SELECT count(*) FROM contents WHERE status = 'published'`)
		if published < 400 {
			t.Errorf("only %d of 500 published", published)
		}
		for _, kind := range []string{"article", "video", "podcast", "link"} {
			if count(t, db, `SELECT count(*) FROM contents WHERE kind = $1`, kind) == 0 {
				t.Errorf("no %s", kind)
			}
		}
		if count(t, db, `SELECT count(DISTINCT language) FROM contents`) < 3 {
			t.Error("too few languages")
		}
		// Zipf-like: the biggest topic holds far more items than the smallest.
		var big, small int
		if err := db.QueryRow(`SELECT max(n), min(n) FROM (SELECT count(*) n FROM content_topics GROUP BY topic_id) x`).Scan(&big, &small); err != nil {
			t.Fatal(err)
		}
		if big < 3*small {
			t.Errorf("topic sizes not skewed: biggest %d, smallest %d", big, small)
		}
		var slugs []string
		if err := db.Select(&slugs, `SELECT slug FROM contents ORDER BY id`); err != nil {
			t.Fatal(err)
		}
		re := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*-[0-9]+$`)
		for i, s := range slugs {
			if !re.MatchString(s) || len(s) > 200 {
				t.Errorf("slug %d %q", i, s)
			}
		}
		var body string
		if err := db.Get(&body, `SELECT body FROM contents WHERE kind = 'article' AND language = 'en' ORDER BY id LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if len(body) < 800 {
			t.Errorf("short article body (%d bytes): %q", len(body), body)
		}
	})

	t.Run("preferences and follows", func(t *testing.T) {
		if n := count(t, db, `SELECT count(*) FROM users u WHERE (SELECT count(*) FROM topic_preferences tp WHERE tp.user_id = u.id) NOT BETWEEN 2 AND 6`); n != 0 {
			t.Errorf("%d users without 2..6 topic preferences", n)
		}
		if n := count(t, db, `SELECT count(*) FROM topic_preferences WHERE weight < 0`); n == 0 {
			t.Error("no negative topic preferences")
		}
		if n := count(t, db, `SELECT count(*) FROM follows f WHERE NOT EXISTS (SELECT 1 FROM contents c WHERE c.author_id = f.author_id)`); n != 0 {
			t.Errorf("%d follows of users without contents", n)
		}
		if n := count(t, db, `SELECT count(*) FROM follows f JOIN users a ON a.id = f.follower_id JOIN users b ON b.id = f.author_id
			WHERE a.handle IN ('member', 'reader') AND b.handle = 'author'`); n != 2 {
			t.Errorf("the demo member and reader do not both follow the demo author (%d)", n)
		}
	})

	t.Run("interactions", func(t *testing.T) {
		if n := count(t, db, `SELECT count(*) FROM interactions i JOIN contents c ON c.id = i.content_id
			WHERE c.status <> 'published' OR i.created_at <= c.published_at OR i.created_at >= $1`, ReferenceTime()); n != 0 {
			t.Errorf("%d interactions outside their content's publication", n)
		}
		if n := count(t, db, `SELECT count(*) FROM interactions WHERE (kind = 'view') <> (dwell_ms IS NOT NULL)`); n != 0 {
			t.Errorf("%d interactions with dwell_ms on the wrong kind", n)
		}
		if n := count(t, db, `SELECT count(DISTINCT kind) FROM interactions`); n != 5 {
			t.Errorf("%d interaction kinds, want 5", n)
		}
		if views := count(t, db, `SELECT count(*) FROM interactions WHERE kind = 'view'`); views < 1400 {
			t.Errorf("only %d views of 2000", views)
		}
	})

	t.Run("second run refuses", func(t *testing.T) {
		before := checksums(t, db)
		if _, err := Run(ctx, db, opts, quiet); !errors.Is(err, ErrNotEmpty) {
			t.Fatalf("second Run: %v, want ErrNotEmpty", err)
		}
		if after := checksums(t, db); fmt.Sprint(after) != fmt.Sprint(before) {
			t.Error("second Run changed the data")
		}
	})
}

func TestRunIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	opts := smallOptions()
	a, b, c := freshDB(t), freshDB(t), freshDB(t)
	if _, err := Run(ctx, a, opts, quiet); err != nil {
		t.Fatal(err)
	}
	if _, err := Run(ctx, b, opts, quiet); err != nil {
		t.Fatal(err)
	}
	sa, sb := checksums(t, a), checksums(t, b)
	for table, sum := range sa {
		if sum == "" {
			t.Errorf("%s: empty", table)
		}
		if sb[table] != sum {
			t.Errorf("%s differs between two runs with the same seed", table)
		}
	}
	opts.Seed = 8
	if _, err := Run(ctx, c, opts, quiet); err != nil {
		t.Fatal(err)
	}
	if sc := checksums(t, c); sc["contents"] == sa["contents"] || sc["interactions"] == sa["interactions"] {
		t.Error("a different seed gave the same data")
	}
}

func TestRunRefusesRealUsers(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	db.MustExec(`INSERT INTO users (handle, email, display_name, is_demo) VALUES ('grace', 'grace@example.org', 'Grace Hopper', false)`)
	_, err := Run(context.Background(), db, smallOptions(), quiet)
	if !errors.Is(err, ErrNotDemo) {
		t.Fatalf("Run: %v, want ErrNotDemo", err)
	}
	got := tableCounts(t, db)
	for table, n := range got {
		if want := map[bool]int{true: 1}[table == "users"]; n != want {
			t.Errorf("%s: %d rows, want %d", table, n, want)
		}
	}
}

// A role that may write the tables but does not own them cannot drop their indexes; Run then
// loads with the indexes in place, to the same result.
func TestRunAsNonOwner(t *testing.T) {
	t.Parallel()
	owner := freshDB(t)
	var dbName string
	if err := owner.Get(&dbName, "SELECT current_database()"); err != nil {
		t.Fatal(err)
	}
	role := dbName + "_writer"
	createdMu.Lock()
	createdRoles = append(createdRoles, role)
	createdMu.Unlock()
	owner.MustExec("CREATE ROLE " + pq.QuoteIdentifier(role) + " LOGIN")
	owner.MustExec("GRANT ALL ON ALL TABLES IN SCHEMA public TO " + pq.QuoteIdentifier(role))
	owner.MustExec("GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO " + pq.QuoteIdentifier(role))
	before := schema(t, owner)

	db := connect(t, dbName, role)
	var log bytes.Buffer
	st, err := Run(context.Background(), db, smallOptions(), slog.New(slog.NewTextHandler(&log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "not the owner") {
		t.Errorf("no warning about loading with the indexes in place:\n%s", log.String())
	}
	if got := tableCounts(t, owner); got["contents"] != st.Contents || got["interactions"] != st.Interactions {
		t.Errorf("counts %v, stats %+v", got, st)
	}
	if after := schema(t, owner); !slices.Equal(before, after) {
		t.Error("Run changed the schema")
	}

	// Same data as an owner's run.
	ref := freshDB(t)
	if _, err := Run(context.Background(), ref, smallOptions(), quiet); err != nil {
		t.Fatal(err)
	}
	a, b := checksums(t, owner), checksums(t, ref)
	for table := range a {
		if a[table] != b[table] {
			t.Errorf("%s differs between the owner's and the writer's run", table)
		}
	}
}

// cancelOn cancels a context when the seed logs that a given table was written.
type cancelOn struct {
	slog.Handler
	table  string
	cancel context.CancelFunc
}

func (h cancelOn) Handle(ctx context.Context, r slog.Record) error {
	r.Attrs(func(a slog.Attr) bool {
		if a.Key == "table" && a.Value.String() == h.table {
			h.cancel()
		}
		return true
	})
	return nil
}

func TestRunFailureLeavesNothing(t *testing.T) {
	t.Parallel()
	db := freshDB(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	before := schema(t, db)
	logger := slog.New(cancelOn{Handler: slog.NewTextHandler(io.Discard, nil), table: "contents", cancel: cancel})
	if _, err := Run(ctx, db, smallOptions(), logger); !errors.Is(err, context.Canceled) {
		t.Fatalf("Run: %v, want context.Canceled", err)
	}
	for table, n := range tableCounts(t, db) {
		if n != 0 {
			t.Errorf("%s: %d rows left behind", table, n)
		}
	}
	if after := schema(t, db); !slices.Equal(before, after) {
		t.Errorf("a failed Run changed the schema:\nbefore %q\nafter  %q", before, after)
	}
	// The database is still seedable afterwards.
	if _, err := Run(context.Background(), db, smallOptions(), quiet); err != nil {
		t.Fatalf("Run after a failed run: %v", err)
	}
}

func TestOptions(t *testing.T) {
	d := DefaultOptions()
	if d.Users != 300 || d.Topics != 40 || d.Contents != 3000 || d.Interactions != 20000 || d.Seed != 1 {
		t.Errorf("DefaultOptions() = %+v", d)
	}
	if MaxTopics < 60 {
		t.Errorf("only %d built-in topics", MaxTopics)
	}
	o, err := Options{HashPassword: hashPassword}.withDefaults()
	if err != nil || o.Users != 300 || o.Contents != 3000 || o.Seed != 1 {
		t.Errorf("zero options: %+v, %v", o, err)
	}
	for _, bad := range []Options{
		{},
		{HashPassword: hashPassword, Users: 4},
		{HashPassword: hashPassword, Topics: MaxTopics + 1},
		{HashPassword: hashPassword, Contents: 3},
		{HashPassword: hashPassword, Contents: MaxContents + 1},
		{HashPassword: hashPassword, Interactions: -1},
	} {
		if _, err := bad.withDefaults(); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	// A failing hash stops Run before it touches the database.
	boom := errors.New("boom")
	_, err = Run(context.Background(), nil, Options{HashPassword: func(string) (string, error) { return "", boom }}, nil)
	if !errors.Is(err, boom) {
		t.Errorf("Run with a failing hash: %v", err)
	}
}

func TestBuiltinTopics(t *testing.T) {
	slugRE := regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	seen := map[string]bool{}
	for _, tp := range builtinTopics {
		if !slugRE.MatchString(tp.Slug) || seen[tp.Slug] || tp.Name == "" || tp.Description == "" || len(tp.Terms) < 2 {
			t.Errorf("bad topic %+v", tp)
		}
		seen[tp.Slug] = true
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	opts := smallOptions()
	a, b := makePlan(opts), makePlan(opts)
	if fmt.Sprint(a.users) != fmt.Sprint(b.users) || fmt.Sprint(a.contents) != fmt.Sprint(b.contents) ||
		fmt.Sprint(a.interactions) != fmt.Sprint(b.interactions) {
		t.Fatal("two plans from the same options differ")
	}
	handle := regexp.MustCompile(`^[a-z0-9_]{3,30}$`)
	for _, u := range a.users {
		if !handle.MatchString(u.handle) {
			t.Errorf("handle %q", u.handle)
		}
	}
	for i := range a.contents {
		t1, s1, b1 := a.contentText(i+1, &a.contents[i])
		t2, s2, b2 := b.contentText(i+1, &b.contents[i])
		if t1 != t2 || s1 != s2 || b1 != b2 {
			t.Fatalf("content %d text differs", i)
		}
	}
}
