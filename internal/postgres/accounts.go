package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/user"
)

// AccountStore keeps accounts, token revocations, API keys and signing keys.
type AccountStore struct {
	db *sqlx.DB
	// hot holds the session statement, which every signed-in request runs.
	hot *prepared
}

// NewAccountStore returns an AccountStore over db.
func NewAccountStore(db *sqlx.DB) *AccountStore { return &AccountStore{db: db, hot: newPrepared(db)} }

// CreateUser stores a new reader account with default preferences. A taken handle or email
// comes back as field errors.
func (s *AccountStore) CreateUser(ctx context.Context, nu auth.NewUser) (*user.User, error) {
	var u user.User
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &u, `INSERT INTO users (handle, email, display_name, password_hash)
			VALUES ($1, $2, $3, $4) RETURNING `+returningUser, nu.Handle, nu.Email, nu.DisplayName, nu.PasswordHash); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `INSERT INTO preferences (user_id, email_notifications, in_app_notifications, locale, time_zone)
			VALUES ($1, $2, $3, $4, $5)`, u.ID, user.DefaultEmail, user.DefaultInApp, user.DefaultLocale, user.DefaultTimeZone)
		return err
	})
	if err = refusal(err, "", ""); err != nil {
		if _, ok := apperr.AsFieldErrors(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("create user: %w", err)
	}
	return &u, nil
}

const returningUser = "id, handle, email, display_name, bio, role, created_at"

// Credentials returns the ID and password hash of the user whose handle or email is login,
// or a zero ID when there is none.
func (s *AccountStore) Credentials(ctx context.Context, login string) (int64, string, error) {
	var row struct {
		ID   int64          `db:"id"`
		Hash sql.NullString `db:"password_hash"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT id, password_hash FROM users WHERE handle = $1 OR lower(email) = lower($1) LIMIT 1`, login)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, "", nil
	}
	if err != nil {
		return 0, "", fmt.Errorf("credentials: %w", err)
	}
	return row.ID, row.Hash.String, nil
}

// Session returns what is needed to accept a token: the user's role, whether the token was
// revoked and the instant before which tokens are refused. One statement per request.
func (s *AccountStore) Session(ctx context.Context, userID int64, tokenID string) (auth.Session, error) {
	var row struct {
		user.User
		Revoked    bool         `db:"revoked"`
		ValidAfter sql.NullTime `db:"tokens_valid_after"`
	}
	err := s.hot.get(ctx, &row, `SELECT `+userColumns+`, u.tokens_valid_after,
		EXISTS (SELECT 1 FROM revoked_tokens r WHERE r.jti = $2) AS revoked
		FROM users u WHERE u.id = $1`, userID, tokenID)
	if errors.Is(err, sql.ErrNoRows) {
		return auth.Session{}, nil
	}
	if err != nil {
		return auth.Session{}, fmt.Errorf("session: %w", err)
	}
	return auth.Session{Found: true, Role: row.Role, Revoked: row.Revoked, ValidAfter: row.ValidAfter.Time, User: &row.User}, nil
}

// RevokeToken refuses one token from now on, and forgets revocations that have expired.
func (s *AccountStore) RevokeToken(ctx context.Context, userID int64, tokenID string, expiresAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `WITH expired AS (DELETE FROM revoked_tokens WHERE expires_at < now())
		INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`,
		tokenID, userID, expiresAt)
	if err != nil {
		return fmt.Errorf("revoke token: %w", err)
	}
	return nil
}

// RevokeAllTokens refuses every token the user holds now.
func (s *AccountStore) RevokeAllTokens(ctx context.Context, userID int64) error {
	// Tokens carry whole seconds; the next second keeps a token issued this very second out.
	if _, err := s.db.ExecContext(ctx, `UPDATE users SET tokens_valid_after = date_trunc('second', now()) + interval '1 second' WHERE id = $1`, userID); err != nil {
		return fmt.Errorf("revoke all tokens: %w", err)
	}
	return nil
}

// SetRole changes a user's role, or returns nil when there is no such user.
func (s *AccountStore) SetRole(ctx context.Context, userID int64, role user.Role) (*user.User, error) {
	var u user.User
	err := s.db.GetContext(ctx, &u, `UPDATE users SET role = $2, updated_at = now() WHERE id = $1 RETURNING `+returningUser, userID, role)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("set role: %w", err)
	}
	return &u, nil
}

const apiKeyColumns = "k.id, k.user_id, k.name, k.prefix, k.scopes, k.created_at, k.last_used_at, k.revoked_at, k.points_per_window, k.usage_requests, k.usage_points, k.usage_last_operation"

type apiKeyRow struct {
	auth.APIKey
	Scopes pq.StringArray `db:"scopes"`
}

func (r *apiKeyRow) key() *auth.APIKey {
	k := r.APIKey
	k.Scopes = make([]access.Scope, len(r.Scopes))
	for i, s := range r.Scopes {
		k.Scopes[i] = access.Scope(s)
	}
	return &k
}

// CreateAPIKey stores a new key.
func (s *AccountStore) CreateAPIKey(ctx context.Context, nk auth.NewAPIKey) (*auth.APIKey, error) {
	scopes := make([]string, len(nk.Scopes))
	for i, sc := range nk.Scopes {
		scopes[i] = string(sc)
	}
	var row apiKeyRow
	err := s.db.GetContext(ctx, &row, `INSERT INTO api_keys AS k (user_id, name, prefix, secret_hash, scopes, points_per_window)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+apiKeyColumns, nk.UserID, nk.Name, nk.Prefix, nk.SecretHash, pq.Array(scopes), nk.PointsPerWindow)
	if err != nil {
		return nil, fmt.Errorf("create api key: %w", err)
	}
	return row.key(), nil
}

// APIKeyByPrefix returns the key with the given prefix and its owner's role, or nil.
func (s *AccountStore) APIKeyByPrefix(ctx context.Context, prefix string) (*auth.StoredAPIKey, error) {
	var row struct {
		apiKeyRow
		SecretHash []byte    `db:"secret_hash"`
		OwnerRole  user.Role `db:"owner_role"`
	}
	err := s.db.GetContext(ctx, &row, `SELECT `+apiKeyColumns+`, k.secret_hash, u.role AS owner_role
		FROM api_keys k JOIN users u ON u.id = k.user_id WHERE k.prefix = $1`, prefix)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("api key: %w", err)
	}
	return &auth.StoredAPIKey{APIKey: *row.key(), SecretHash: row.SecretHash, OwnerRole: row.OwnerRole}, nil
}

// TouchAPIKey records that a key was used, at most once per olderThan.
func (s *AccountStore) TouchAPIKey(ctx context.Context, keyID int64, olderThan time.Duration) error {
	_, err := s.db.ExecContext(ctx, `UPDATE api_keys SET last_used_at = now()
		WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < now() - $2::interval)`, keyID, interval(olderThan))
	if err != nil {
		return fmt.Errorf("touch api key: %w", err)
	}
	return nil
}

// RevokeAPIKey revokes a key of ownerID (any owner when ownerID is 0) and returns it, or nil
// when there is no such key.
func (s *AccountStore) RevokeAPIKey(ctx context.Context, keyID, ownerID int64) (*auth.APIKey, error) {
	var row apiKeyRow
	err := s.db.GetContext(ctx, &row, `UPDATE api_keys k SET revoked_at = coalesce(k.revoked_at, now())
		WHERE k.id = $1 AND ($2 = 0 OR k.user_id = $2) RETURNING `+apiKeyColumns, keyID, ownerID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("revoke api key: %w", err)
	}
	return row.key(), nil
}

// APIKeysByUserIDs lists each user's newest auth.MaxListedKeys keys, newest first, in the order
// of userIDs.
func (s *AccountStore) APIKeysByUserIDs(ctx context.Context, userIDs []int64) ([][]*auth.APIKey, error) {
	var rows []apiKeyRow
	if err := s.db.SelectContext(ctx, &rows, `SELECT x.* FROM unnest($1::bigint[]) AS u(id) CROSS JOIN LATERAL (
		SELECT `+apiKeyColumns+` FROM api_keys k WHERE k.user_id = u.id
		ORDER BY k.created_at DESC, k.id DESC LIMIT $2) x`, pq.Array(distinct(userIDs)), auth.MaxListedKeys); err != nil {
		return nil, fmt.Errorf("api keys by user: %w", err)
	}
	byUser := map[int64][]*auth.APIKey{}
	for i := range rows {
		k := rows[i].key()
		byUser[k.UserID] = append(byUser[k.UserID], k)
	}
	out := make([][]*auth.APIKey, len(userIDs))
	for i, id := range userIDs {
		out[i] = byUser[id]
		if out[i] == nil {
			out[i] = []*auth.APIKey{}
		}
	}
	return out, nil
}

// DevelopmentSigningKey returns the signing key stored in the database, creating it with
// newKey when there is none, so every replica signs with the same key.
func (s *AccountStore) DevelopmentSigningKey(ctx context.Context, newKey func() (auth.Key, error)) (k auth.Key, created bool, err error) {
	err = withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7361003)`); err != nil {
			return err
		}
		var row struct {
			ID     string `db:"kid"`
			Secret []byte `db:"secret"`
		}
		err := tx.GetContext(ctx, &row, `SELECT kid, secret FROM signing_keys ORDER BY created_at DESC LIMIT 1`)
		if err == nil {
			k = auth.Key{ID: row.ID, Secret: row.Secret}
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if k, err = newKey(); err != nil {
			return err
		}
		created = true
		_, err = tx.ExecContext(ctx, `INSERT INTO signing_keys (kid, secret) VALUES ($1, $2)`, k.ID, k.Secret)
		return err
	})
	if err != nil {
		return auth.Key{}, false, fmt.Errorf("development signing key: %w", err)
	}
	return k, created, nil
}

// Attempts returns the recent failures recorded on keys, with the database's clock.
func (s *AccountStore) Attempts(ctx context.Context, keys []string, forget time.Duration) (map[string]auth.Attempts, time.Time, error) {
	var rows []struct {
		Key      sql.NullString `db:"key"`
		Failures sql.NullInt64  `db:"failures"`
		Last     sql.NullTime   `db:"last_failed_at"`
		Now      time.Time      `db:"now"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT n.now, a.key, a.failures, a.last_failed_at
		FROM (SELECT now() AS now) n LEFT JOIN auth_attempts a
			ON a.key = ANY($1) AND a.last_failed_at > n.now - $2::interval`, pq.Array(keys), interval(forget))
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("attempts: %w", err)
	}
	out := make(map[string]auth.Attempts, len(rows))
	var now time.Time
	for _, r := range rows {
		now = r.Now
		if r.Key.Valid {
			out[r.Key.String] = auth.Attempts{Failures: int(r.Failures.Int64), Last: r.Last.Time}
		}
	}
	return out, now, nil
}

// Fail records one failed attempt on each key; a key whose last failure is older than forget
// starts counting again from one. Keys nobody failed on for longer than forget are removed.
func (s *AccountStore) Fail(ctx context.Context, keys []string, forget time.Duration) error {
	_, err := s.db.ExecContext(ctx, `WITH forgotten AS (DELETE FROM auth_attempts WHERE last_failed_at < now() - $2::interval)
		INSERT INTO auth_attempts AS a (key, failures, last_failed_at)
		SELECT k, 1, now() FROM unnest($1::text[]) AS k
		ON CONFLICT (key) DO UPDATE SET
			failures = CASE WHEN a.last_failed_at > now() - $2::interval THEN a.failures + 1 ELSE 1 END,
			last_failed_at = now()`, pq.Array(keys), interval(forget))
	if err != nil {
		return fmt.Errorf("record failed attempt: %w", err)
	}
	return nil
}

// Forget clears the failures recorded on key.
func (s *AccountStore) Forget(ctx context.Context, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM auth_attempts WHERE key = $1`, key); err != nil {
		return fmt.Errorf("forget attempts: %w", err)
	}
	return nil
}

// interval renders d as a PostgreSQL interval literal.
func interval(d time.Duration) string {
	return fmt.Sprintf("%d milliseconds", d.Milliseconds())
}
