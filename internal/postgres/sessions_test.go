package postgres_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/user"
)

// TestCachedSessions runs two replicas' session caches over one database. A session is
// remembered (a change PostgreSQL does not announce, made with triggers off, stays unseen),
// and every announced change reaches both replicas: at once on the replica that made it,
// within the announcement's delivery on the other.
func TestCachedSessions(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	logger := slog.New(slog.DiscardHandler)
	replica := func() *postgres.CachedSessions {
		c := postgres.NewCachedSessions(postgres.NewAccountStore(db.DB), time.Hour, 100, logger)
		go func() {
			if err := c.Listen(ctx, db.URL); err != nil {
				t.Error(err)
			}
		}()
		return c
	}
	a, b := replica(), replica()
	eventually(t, "both replicas listen", func() bool { return a.Listening() && b.Listening() })

	// unannounced changes the account with triggers off, as nothing in Tailor does.
	unannounced := func(t *testing.T, id int64, name string) {
		t.Helper()
		conn, err := db.DB.Connx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
			t.Fatal(err)
		}
		defer conn.ExecContext(ctx, `RESET session_replication_role`)
		if _, err := conn.ExecContext(ctx, `UPDATE users SET display_name = $2 WHERE id = $1`, id, name); err != nil {
			t.Fatal(err)
		}
	}
	session := func(t *testing.T, c *postgres.CachedSessions, id int64, jti string) auth.Session {
		t.Helper()
		s, err := c.Session(ctx, id, jti)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	cases := []struct {
		name string
		// change is made through replica b or straight in the database.
		change func(t *testing.T, id int64, jti string)
		// changed tells whether a session shows the change.
		changed func(s auth.Session) bool
		// sameReplica is whether b sees it as soon as change returns.
		sameReplica bool
	}{
		{"token revoked through a replica", func(t *testing.T, id int64, jti string) {
			if err := b.RevokeToken(ctx, id, jti, time.Now().Add(time.Hour)); err != nil {
				t.Fatal(err)
			}
		}, func(s auth.Session) bool { return s.Revoked }, true},
		{"every token revoked through a replica", func(t *testing.T, id int64, jti string) {
			if err := b.RevokeAllTokens(ctx, id); err != nil {
				t.Fatal(err)
			}
		}, func(s auth.Session) bool { return !s.ValidAfter.IsZero() }, true},
		{"role changed through a replica", func(t *testing.T, id int64, jti string) {
			if _, err := b.SetRole(ctx, id, user.RoleEditor); err != nil {
				t.Fatal(err)
			}
		}, func(s auth.Session) bool { return s.Role == user.RoleEditor }, true},
		{"account edited in the database", func(t *testing.T, id int64, jti string) {
			if _, err := db.DB.ExecContext(ctx, `UPDATE users SET display_name = 'Renamed' WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}, func(s auth.Session) bool { return s.User.DisplayName == "Renamed" }, false},
		{"account deleted in the database", func(t *testing.T, id int64, jti string) {
			if _, err := db.DB.ExecContext(ctx, `DELETE FROM users WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
		}, func(s auth.Session) bool { return !s.Found }, false},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var id int64
			if err := db.DB.GetContext(ctx, &id, `INSERT INTO users (handle, email, display_name, role)
				VALUES ('user' || $1::int, 'user' || $1::int || '@example.com', 'Before', 'reader') RETURNING id`, i); err != nil {
				t.Fatal(err)
			}
			jti := "token-0123456789-" + tc.name[:5]
			for _, c := range []*postgres.CachedSessions{a, b} {
				if s := session(t, c, id, jti); !s.Found || s.Revoked || s.User.DisplayName != "Before" {
					t.Fatalf("first read: %+v", s)
				}
			}
			// Remembered: a change nobody announces is not seen, and a bump of the feed
			// version (announced by no trigger) does not make the replicas forget.
			if _, err := db.DB.ExecContext(ctx, `UPDATE users SET feed_version = feed_version + 1 WHERE id = $1`, id); err != nil {
				t.Fatal(err)
			}
			unannounced(t, id, "Unannounced")
			time.Sleep(50 * time.Millisecond)
			for _, c := range []*postgres.CachedSessions{a, b} {
				if s := session(t, c, id, jti); s.User.DisplayName != "Before" {
					t.Fatalf("a remembered session was read again: %+v", s.User)
				}
			}

			tc.change(t, id, jti)
			if tc.sameReplica {
				if s := session(t, b, id, jti); !tc.changed(s) {
					t.Fatalf("the replica that made the change still answers %+v", s)
				}
			}
			eventually(t, "the change reaches both replicas", func() bool {
				return tc.changed(session(t, a, id, jti)) && tc.changed(session(t, b, id, jti))
			})
		})
	}

	t.Run("an old session is read again in the background", func(t *testing.T) {
		c := postgres.NewCachedSessions(postgres.NewAccountStore(db.DB), 50*time.Millisecond, 100, logger)
		go func() {
			if err := c.Listen(ctx, db.URL); err != nil {
				t.Error(err)
			}
		}()
		eventually(t, "the replica listens", c.Listening)
		var id int64
		if err := db.DB.GetContext(ctx, &id, `INSERT INTO users (handle, email, display_name, role)
			VALUES ('aging', 'aging@example.com', 'Before', 'reader') RETURNING id`); err != nil {
			t.Fatal(err)
		}
		const jti = "token-0123456789-aging"
		session(t, c, id, jti)
		unannounced(t, id, "After")
		time.Sleep(60 * time.Millisecond)
		if s := session(t, c, id, jti); s.User.DisplayName != "Before" {
			t.Fatalf("an old session was read on the request instead of in the background: %+v", s.User)
		}
		eventually(t, "the background read is remembered", func() bool {
			return session(t, c, id, jti).User.DisplayName == "After"
		})
	})

	t.Run("a lost announcement connection forgets everything", func(t *testing.T) {
		var id int64
		if err := db.DB.GetContext(ctx, &id, `INSERT INTO users (handle, email, display_name, role)
			VALUES ('lost', 'lost@example.com', 'Before', 'reader') RETURNING id`); err != nil {
			t.Fatal(err)
		}
		const jti = "token-0123456789-lost"
		if s := session(t, a, id, jti); s.User.DisplayName != "Before" {
			t.Fatalf("first read: %+v", s.User)
		}
		unannounced(t, id, "After")
		if _, err := db.DB.ExecContext(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
			WHERE datname = current_database() AND query LIKE 'LISTEN%'`); err != nil {
			t.Fatal(err)
		}
		eventually(t, "the replica reads the session again", func() bool {
			return session(t, a, id, jti).User.DisplayName == "After"
		})
		eventually(t, "the replica listens again", a.Listening)
	})
}

// eventually polls cond for up to five seconds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within 5 s", what)
}
