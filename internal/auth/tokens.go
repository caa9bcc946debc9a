package auth

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Key is a secret that signs access tokens, named by its key ID.
type Key struct {
	ID     string
	Secret []byte
}

// minSecretBytes is the shortest accepted HMAC-SHA256 secret.
const minSecretBytes = 32

// ParseKey reads a key written as "<key id>:<base64 secret>".
func ParseKey(s string) (Key, error) {
	id, secret, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || id == "" {
		return Key{}, errors.New(`a signing key must be written "<key id>:<base64 secret>"`)
	}
	var b []byte
	err := errors.New("not base64")
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if b, err = enc.DecodeString(secret); err == nil {
			break
		}
	}
	if err != nil {
		return Key{}, fmt.Errorf("signing key %q: the secret is not base64", id)
	}
	if len(b) < minSecretBytes {
		return Key{}, fmt.Errorf("signing key %q: the secret must be at least %d bytes", id, minSecretBytes)
	}
	return Key{ID: id, Secret: b}, nil
}

// NewKey returns a random key with the given ID.
func NewKey(id string) (Key, error) {
	b := make([]byte, minSecretBytes)
	if _, err := rand.Read(b); err != nil {
		return Key{}, fmt.Errorf("new signing key: %w", err)
	}
	return Key{ID: id, Secret: b}, nil
}

// Token audience and issuer of Tailor's access tokens.
const (
	Issuer   = "tailor"
	Audience = "tailor-api"
)

// Tokens issues and verifies signed access tokens (JWT, HS256). Tokens signed with a
// previous key keep verifying, so keys can be rotated without logging everyone out.
type Tokens struct {
	current Key
	keys    map[string][]byte
	ttl     time.Duration
	now     func() time.Time
}

// NewTokens signs with current and also verifies tokens signed with previous keys.
func NewTokens(current Key, previous []Key, ttl time.Duration, now func() time.Time) *Tokens {
	keys := map[string][]byte{}
	for _, k := range previous {
		keys[k.ID] = k.Secret
	}
	keys[current.ID] = current.Secret // the signing key wins over a previous key of the same ID
	return &Tokens{current: current, keys: keys, ttl: ttl, now: now}
}

// Claims is what a verified access token says.
type Claims struct {
	UserID    int64
	ID        string
	IssuedAt  time.Time
	ExpiresAt time.Time
}

// Issue returns a signed access token for the user and its claims.
func (t *Tokens) Issue(userID int64) (string, Claims, error) {
	id := make([]byte, 18)
	if _, err := rand.Read(id); err != nil {
		return "", Claims{}, fmt.Errorf("issue token: %w", err)
	}
	// JWT times have one-second precision; truncating keeps the claims equal to what is signed.
	now := t.now().Truncate(time.Second)
	c := Claims{UserID: userID, ID: base64.RawURLEncoding.EncodeToString(id), IssuedAt: now, ExpiresAt: now.Add(t.ttl)}
	tok := jwt.NewWithClaims(jwt.SigningMethodHS256, jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   strconv.FormatInt(userID, 10),
		Audience:  jwt.ClaimStrings{Audience},
		ExpiresAt: jwt.NewNumericDate(c.ExpiresAt),
		IssuedAt:  jwt.NewNumericDate(c.IssuedAt),
		ID:        c.ID,
	})
	tok.Header["kid"] = t.current.ID
	signed, err := tok.SignedString(t.current.Secret)
	if err != nil {
		return "", Claims{}, fmt.Errorf("issue token: %w", err)
	}
	return signed, c, nil
}

// errBadToken is every reason a token is refused; clients are told no more than that.
var errBadToken = errors.New("invalid token")

// Verify checks a token's signature, algorithm, key, issuer, audience and expiry.
func (t *Tokens) Verify(token string) (Claims, error) {
	var rc jwt.RegisteredClaims
	_, err := jwt.ParseWithClaims(token, &rc, func(tok *jwt.Token) (any, error) {
		kid, _ := tok.Header["kid"].(string)
		secret, ok := t.keys[kid]
		if !ok {
			return nil, errBadToken
		}
		return secret, nil
	},
		jwt.WithValidMethods([]string{jwt.SigningMethodHS256.Alg()}),
		jwt.WithIssuer(Issuer),
		jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(),
		jwt.WithIssuedAt(),
		jwt.WithTimeFunc(t.now),
	)
	if err != nil {
		return Claims{}, fmt.Errorf("%w: %w", errBadToken, err)
	}
	id, err := strconv.ParseInt(rc.Subject, 10, 64)
	if err != nil || id <= 0 || rc.ID == "" || rc.IssuedAt == nil {
		return Claims{}, errBadToken
	}
	return Claims{UserID: id, ID: rc.ID, IssuedAt: rc.IssuedAt.Time, ExpiresAt: rc.ExpiresAt.Time}, nil
}
