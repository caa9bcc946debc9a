// Package auth signs people in and out, issues and checks access tokens and integrator API
// keys, and tells every request who its viewer is.
package auth

import (
	"context"
	"crypto/subtle"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/password"
	"github.com/tailorhq/tailor/internal/user"
)

// Store keeps accounts, revoked tokens and API keys.
type Store interface {
	CreateUser(ctx context.Context, s NewUser) (*user.User, error)
	Credentials(ctx context.Context, login string) (userID int64, hash string, err error)
	Session(ctx context.Context, userID int64, tokenID string) (Session, error)
	RevokeToken(ctx context.Context, userID int64, tokenID string, expiresAt time.Time) error
	RevokeAllTokens(ctx context.Context, userID int64) error
	SetRole(ctx context.Context, userID int64, role user.Role) (*user.User, error)
	CreateAPIKey(ctx context.Context, k NewAPIKey) (*APIKey, error)
	APIKeyByPrefix(ctx context.Context, prefix string) (*StoredAPIKey, error)
	TouchAPIKey(ctx context.Context, keyID int64, olderThan time.Duration) error
	RevokeAPIKey(ctx context.Context, keyID, ownerID int64) (*APIKey, error)
}

// NewUser is an account about to be stored.
type NewUser struct {
	Email, Handle, DisplayName, PasswordHash string
}

// Session is what the store knows about a token's user.
type Session struct {
	Found   bool
	Role    user.Role
	Revoked bool
	// ValidAfter refuses tokens issued earlier (after "log out everywhere" or a role change).
	ValidAfter time.Time
	// User is the account, read in the same statement.
	User *user.User
}

// APIKey is an integrator key as its owner sees it; the secret is never kept.
type APIKey struct {
	ID         int64          `db:"id"`
	UserID     int64          `db:"user_id"`
	Name       string         `db:"name"`
	Prefix     string         `db:"prefix"`
	Scopes     []access.Scope `db:"-"`
	CreatedAt  time.Time      `db:"created_at"`
	LastUsedAt *time.Time     `db:"last_used_at"`
	RevokedAt  *time.Time     `db:"revoked_at"`
	// PointsPerWindow is the key's own rate-limit budget; nil takes the default.
	PointsPerWindow *int64 `db:"points_per_window"`
	// The key's use since it was created, as of the rate limits' last sync.
	UsageRequests      int64   `db:"usage_requests"`
	UsagePoints        int64   `db:"usage_points"`
	UsageLastOperation *string `db:"usage_last_operation"`
}

// NewAPIKey is a key about to be stored.
type NewAPIKey struct {
	UserID     int64
	Name       string
	Prefix     string
	SecretHash []byte
	Scopes     []access.Scope `db:"-"`
	// PointsPerWindow is the key's own rate-limit budget; nil takes the default.
	PointsPerWindow *int64
}

// StoredAPIKey is a key with what is needed to check a presented secret.
type StoredAPIKey struct {
	APIKey
	SecretHash []byte
	OwnerRole  user.Role
}

// Service is Tailor's identity service.
type Service struct {
	store    Store
	attempts AttemptStore
	policy   AttemptPolicy
	tokens   *Tokens
	logger   *slog.Logger
	// decoy is a hash checked when the login names nobody, so both failures take as long.
	decoy string
}

// NewService returns a Service over store that issues tokens with tokens and limits password
// guessing and account creation with policy, counting attempts in attempts.
func NewService(store Store, attempts AttemptStore, policy AttemptPolicy, tokens *Tokens, logger *slog.Logger) (*Service, error) {
	decoy, err := password.Hash("decoy password for unknown logins")
	if err != nil {
		return nil, err
	}
	return &Service{store: store, attempts: attempts, policy: policy, tokens: tokens, logger: logger, decoy: decoy}, nil
}

// Grant is a signed-in session: an access token and the user it belongs to.
type Grant struct {
	Token     string
	ExpiresAt time.Time
	User      *user.User
	// Viewer is who the token identifies.
	Viewer access.Viewer
}

// errWrongCredentials is the one answer to a failed log-in, whatever the reason.
func errWrongCredentials() error {
	return apperr.New(apperr.Unauthenticated, "the login or password is wrong")
}

// SignUp creates a reader account and signs it in. Problems with the input come back as
// apperr.FieldErrors; a client address that creates accounts too fast is told to wait.
func (s *Service) SignUp(ctx context.Context, in SignUp) (Grant, error) {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	if errs := in.validate(); len(errs) > 0 {
		return Grant{}, errs
	}
	keys := []attemptKey{{addressKey("signup", access.ClientFrom(ctx)), s.policy.SignUpFree}}
	if err := s.throttle(ctx, keys); err != nil {
		return Grant{}, err
	}
	if err := s.fail(ctx, keys); err != nil {
		return Grant{}, err
	}
	hash, err := password.Hash(in.Password)
	if err != nil {
		return Grant{}, err
	}
	u, err := s.store.CreateUser(ctx, NewUser{Email: in.Email, Handle: in.Handle, DisplayName: in.DisplayName, PasswordHash: hash})
	if err != nil {
		return Grant{}, err
	}
	s.logger.InfoContext(ctx, "account created", "user_id", u.ID)
	return s.grant(u)
}

// LogIn signs in with a handle or an email and a password. Failures are counted per account
// and per client address; past a few, each attempt must wait longer than the last, and a
// waiting attempt is refused with RATE_LIMITED before its password is even checked.
func (s *Service) LogIn(ctx context.Context, login, pw string, find func(context.Context, int64) (*user.User, error)) (Grant, error) {
	login = strings.TrimSpace(login)
	id, hash, err := s.store.Credentials(ctx, login)
	if err != nil {
		return Grant{}, err
	}
	address := access.ClientFrom(ctx)
	keys := []attemptKey{{accountKey(id, login), s.policy.AccountFree}, {addressKey("login", address), s.policy.AddressFree}}
	if err := s.throttle(ctx, keys); err != nil {
		s.logger.WarnContext(ctx, "log-in refused: too many failures", "login", login, "address", address)
		return Grant{}, err
	}
	ok := false
	if id == 0 || hash == "" {
		_, _ = password.Matches(pw, s.decoy)
	} else if ok, err = password.Matches(pw, hash); err != nil {
		return Grant{}, err
	}
	if !ok {
		s.logger.WarnContext(ctx, "log-in failed", "login", login, "address", address, "known_account", id != 0)
		if err := s.fail(ctx, keys); err != nil {
			return Grant{}, err
		}
		return Grant{}, errWrongCredentials()
	}
	if err := s.attempts.Forget(ctx, keys[0].name); err != nil {
		return Grant{}, err
	}
	u, err := find(ctx, id)
	if err != nil || u == nil {
		return Grant{}, fmt.Errorf("log in: load user %d: %w", id, err)
	}
	return s.grant(u)
}

// grant issues a token for u. The request that signed in keeps its own viewer; the token
// identifies u from the next request on.
func (s *Service) grant(u *user.User) (Grant, error) {
	token, claims, err := s.tokens.Issue(u.ID)
	if err != nil {
		return Grant{}, err
	}
	return Grant{Token: token, ExpiresAt: claims.ExpiresAt, User: u,
		Viewer: access.Viewer{UserID: u.ID, Role: u.Role, TokenID: claims.ID, TokenExpiresAt: claims.ExpiresAt, Account: u}}, nil
}

// LogOut revokes the token v signed in with, or every token of v's user when everywhere is set.
func (s *Service) LogOut(ctx context.Context, v access.Viewer, everywhere bool) error {
	if v.TokenID == "" {
		return apperr.New(apperr.Forbidden, "log out with the access token to revoke; API keys are revoked with revokeApiKey")
	}
	if everywhere {
		return s.store.RevokeAllTokens(ctx, v.UserID)
	}
	return s.store.RevokeToken(ctx, v.UserID, v.TokenID, v.TokenExpiresAt)
}

// errBadCredentials is what a request with an unusable Authorization header is told.
func errBadCredentials() error {
	return apperr.New(apperr.Unauthenticated, "the access token or API key is invalid, expired or revoked; log in again or use a valid key")
}

// Authenticate turns an Authorization header into the request's viewer. No header means an
// anonymous viewer; a header that does not prove an identity is refused.
func (s *Service) Authenticate(ctx context.Context, header string) (access.Viewer, error) {
	if header == "" {
		return access.Viewer{}, nil
	}
	scheme, credential, ok := strings.Cut(header, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(credential) == "" {
		return access.Viewer{}, apperr.New(apperr.Unauthenticated, "send credentials as 'Authorization: Bearer <access token or API key>'")
	}
	credential = strings.TrimSpace(credential)
	if strings.HasPrefix(credential, APIKeyPrefix) {
		return s.authenticateKey(ctx, credential)
	}
	claims, err := s.tokens.Verify(credential)
	if err != nil {
		return access.Viewer{}, errBadCredentials()
	}
	sess, err := s.store.Session(ctx, claims.UserID, claims.ID)
	if err != nil {
		return access.Viewer{}, err
	}
	if !sess.Found || sess.Revoked || claims.IssuedAt.Before(sess.ValidAfter) {
		return access.Viewer{}, errBadCredentials()
	}
	return access.Viewer{UserID: claims.UserID, Role: sess.Role, TokenID: claims.ID, TokenExpiresAt: claims.ExpiresAt, Account: sess.User}, nil
}

// lastUsedResolution bounds how often a key's lastUsedAt is written.
const lastUsedResolution = time.Minute

func (s *Service) authenticateKey(ctx context.Context, secret string) (access.Viewer, error) {
	prefix, hash, ok := parseAPIKey(secret)
	if !ok {
		return access.Viewer{}, errBadCredentials()
	}
	k, err := s.store.APIKeyByPrefix(ctx, prefix)
	if err != nil {
		return access.Viewer{}, err
	}
	if k == nil || k.RevokedAt != nil || subtle.ConstantTimeCompare(k.SecretHash, hash) != 1 {
		return access.Viewer{}, errBadCredentials()
	}
	if k.LastUsedAt == nil || time.Since(*k.LastUsedAt) > lastUsedResolution {
		if err := s.store.TouchAPIKey(ctx, k.ID, lastUsedResolution); err != nil {
			s.logger.WarnContext(ctx, "could not record api key use", "key_id", k.ID, "err", err)
		}
	}
	v := access.Viewer{UserID: k.UserID, Role: k.OwnerRole, KeyID: k.ID, KeyScopes: k.Scopes}
	if k.PointsPerWindow != nil {
		v.KeyBudget = *k.PointsPerWindow
	}
	return v, nil
}

// MaxListedKeys is how many of a user's keys, newest first, are listed.
const MaxListedKeys = 100

// MayManageKeys reports whether v may list, create and revoke API keys: people signed in with
// an access token may; API keys, whatever their scopes, may not.
func MayManageKeys(v access.Viewer) bool { return !v.Anonymous() && !v.ViaAPIKey() }

func errKeysNeedToken() error {
	return apperr.New(apperr.Forbidden, "API keys are managed by people signed in with an access token, not by API keys")
}

// CreateAPIKey makes a key for v's user and returns it with its secret, which is never shown
// again. Keys are made by people signed in with a token, not by other keys.
func (s *Service) CreateAPIKey(ctx context.Context, v access.Viewer, name string, scopes []access.Scope, pointsPerWindow *int64) (*APIKey, string, error) {
	if !MayManageKeys(v) {
		return nil, "", errKeysNeedToken()
	}
	var errs apperr.FieldErrors
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		errs.Add("name", apperr.FieldRequired, "name the key after the integration that will use it")
	case len([]rune(name)) > 100:
		errs.Add("name", apperr.FieldTooLong, "a key name is at most 100 characters")
	}
	if len(scopes) == 0 {
		errs.Add("scopes", apperr.FieldRequired, "give the key at least one scope")
	}
	if pointsPerWindow != nil && *pointsPerWindow < 1 {
		errs.Add("pointsPerWindow", apperr.FieldInvalid, "a key's budget is at least 1 point per window; omit it for the default")
	}
	if len(errs) > 0 {
		return nil, "", errs
	}
	prefix, secret, hash, err := newAPIKeySecret()
	if err != nil {
		return nil, "", err
	}
	k, err := s.store.CreateAPIKey(ctx, NewAPIKey{UserID: v.UserID, Name: name, Prefix: prefix, SecretHash: hash, Scopes: dedupe(scopes), PointsPerWindow: pointsPerWindow})
	if err != nil {
		return nil, "", err
	}
	s.logger.InfoContext(ctx, "api key created", "user_id", v.UserID, "key_id", k.ID, "prefix", prefix)
	return k, secret, nil
}

// RevokeAPIKey revokes one of v's keys (an admin may revoke anyone's). A key that is not
// v's is reported as not found.
func (s *Service) RevokeAPIKey(ctx context.Context, v access.Viewer, keyID int64) (*APIKey, error) {
	if !MayManageKeys(v) {
		return nil, errKeysNeedToken()
	}
	owner := v.UserID
	if v.HasRole(user.RoleAdmin) {
		owner = 0
	}
	k, err := s.store.RevokeAPIKey(ctx, keyID, owner)
	if err != nil {
		return nil, err
	}
	if k == nil {
		return nil, apperr.FieldErrors{{Field: "id", Code: apperr.FieldNotFound, Message: "you have no API key with this ID"}}
	}
	return k, nil
}

// ChangeRole sets a user's role; only admins may, and not their own (so an admin always remains).
func (s *Service) ChangeRole(ctx context.Context, v access.Viewer, userID int64, role user.Role) (*user.User, error) {
	if !v.HasRole(user.RoleAdmin) || v.ViaAPIKey() {
		return nil, apperr.New(apperr.Forbidden, "only an admin signed in with an access token can change roles")
	}
	if userID == v.UserID {
		return nil, apperr.FieldErrors{{Field: "userId", Code: apperr.FieldInvalid, Message: "admins cannot change their own role"}}
	}
	u, err := s.store.SetRole(ctx, userID, role)
	if err != nil {
		return nil, err
	}
	if u == nil {
		return nil, apperr.FieldErrors{{Field: "userId", Code: apperr.FieldNotFound, Message: "no user has this ID"}}
	}
	s.logger.InfoContext(ctx, "role changed", "user_id", userID, "role", role, "by", v.UserID)
	return u, nil
}

func dedupe(scopes []access.Scope) []access.Scope {
	seen := map[access.Scope]bool{}
	out := scopes[:0:0]
	for _, sc := range scopes {
		if !seen[sc] {
			seen[sc] = true
			out = append(out, sc)
		}
	}
	return out
}

// Copy returns s with a copy of its account of its own, so a session kept for later requests
// never shares its account with a request that might change it.
func (s Session) Copy() Session {
	if s.User != nil {
		u := *s.User
		s.User = &u
	}
	return s
}

// ConfirmPassword checks that pw is the password of v's account, before an action that asks
// for it again. Only people signed in with an access token may; a wrong password is a
// BAD_USER_INPUT error on input.password, counted against the account like a failed log-in,
// so a stolen token guesses no faster than a log-in form.
func (s *Service) ConfirmPassword(ctx context.Context, v access.Viewer, pw string) error {
	if v.Anonymous() || v.ViaAPIKey() || v.Account == nil {
		return apperr.New(apperr.Forbidden, "confirming a password needs you signed in with an access token")
	}
	id, hash, err := s.store.Credentials(ctx, v.Account.Handle)
	if err != nil {
		return err
	}
	keys := []attemptKey{{accountKey(v.UserID, ""), s.policy.AccountFree}}
	if err := s.throttle(ctx, keys); err != nil {
		return err
	}
	ok := false
	if id == v.UserID && hash != "" {
		if ok, err = password.Matches(pw, hash); err != nil {
			return err
		}
	}
	if !ok {
		if err := s.fail(ctx, keys); err != nil {
			return err
		}
		return apperr.Invalid("input.password", "the password is wrong")
	}
	return s.attempts.Forget(ctx, keys[0].name)
}
