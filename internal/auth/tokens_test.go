package auth

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func secret(b byte) []byte { return bytes.Repeat([]byte{b}, 32) }

func TestParseKey(t *testing.T) {
	raw := make([]byte, 40)
	for i := range raw {
		raw[i] = byte(250 - i) // bytes whose base64 uses + / (std) and - _ (url)
	}
	std := base64.StdEncoding.EncodeToString(raw)
	url := base64.RawURLEncoding.EncodeToString(raw)
	if !strings.ContainsAny(std, "+/") || !strings.ContainsAny(url, "-_") {
		t.Fatalf("test secret does not exercise both alphabets: %q %q", std, url)
	}
	tests := []struct {
		name    string
		in      string
		want    Key
		wantErr string
	}{
		{name: "std base64", in: "k1:" + std, want: Key{ID: "k1", Secret: raw}},
		{name: "url base64 without padding", in: "k2:" + url, want: Key{ID: "k2", Secret: raw}},
		{name: "surrounding space is trimmed", in: "  k3:" + std + "\n", want: Key{ID: "k3", Secret: raw}},
		{name: "exactly 32 bytes", in: "2024-01:" + base64.StdEncoding.EncodeToString(secret(7)), want: Key{ID: "2024-01", Secret: secret(7)}},
		{name: "31 bytes is too short", in: "k:" + base64.StdEncoding.EncodeToString(secret(7)[:31]), wantErr: `signing key "k": the secret must be at least 32 bytes`},
		{name: "empty secret", in: "k:", wantErr: `signing key "k": the secret must be at least 32 bytes`},
		{name: "missing colon", in: "k1" + std, wantErr: `a signing key must be written "<key id>:<base64 secret>"`},
		{name: "empty key id", in: ":" + std, wantErr: `a signing key must be written "<key id>:<base64 secret>"`},
		{name: "empty", in: "", wantErr: `a signing key must be written "<key id>:<base64 secret>"`},
		{name: "bad base64", in: "k1:not*base64*at*all*!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!", wantErr: `signing key "k1": the secret is not base64`},
		{name: "mixed alphabets", in: "k1:" + std[:10] + "-_" + std[12:], wantErr: `signing key "k1": the secret is not base64`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseKey(tt.in)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("ParseKey(%q) error = %v, want %q", tt.in, err, tt.wantErr)
				}
				if got.ID != "" || got.Secret != nil {
					t.Errorf("ParseKey returned %+v alongside an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseKey(%q): %v", tt.in, err)
			}
			if got.ID != tt.want.ID || !bytes.Equal(got.Secret, tt.want.Secret) {
				t.Errorf("ParseKey(%q) = %+v, want %+v", tt.in, got, tt.want)
			}
		})
	}
}

func TestNewKey(t *testing.T) {
	a, err := NewKey("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewKey("b")
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "a" || len(a.Secret) != minSecretBytes {
		t.Errorf("NewKey(a) = id %q, %d-byte secret; want id a, %d bytes", a.ID, len(a.Secret), minSecretBytes)
	}
	if bytes.Equal(a.Secret, b.Secret) {
		t.Error("two new keys share a secret")
	}
	back, err := ParseKey(a.ID + ":" + base64.StdEncoding.EncodeToString(a.Secret))
	if err != nil || !bytes.Equal(back.Secret, a.Secret) {
		t.Errorf("a new key written out does not parse back: %v", err)
	}
}

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

var epoch = time.Date(2025, 3, 1, 12, 0, 0, 500_000_000, time.UTC)

func TestIssueVerifyRoundTrip(t *testing.T) {
	clk := &clock{t: epoch}
	tokens := NewTokens(Key{ID: "cur", Secret: secret(1)}, nil, time.Hour, clk.now)
	tests := []struct {
		name   string
		userID int64
	}{
		{"first user", 1},
		{"large id", 1<<53 + 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tok, claims, err := tokens.Issue(tt.userID)
			if err != nil {
				t.Fatalf("Issue: %v", err)
			}
			wantIat := epoch.Truncate(time.Second)
			if claims.UserID != tt.userID || !claims.IssuedAt.Equal(wantIat) || !claims.ExpiresAt.Equal(wantIat.Add(time.Hour)) || claims.ID == "" {
				t.Errorf("Issue claims = %+v, want user %d issued %v expiring an hour later", claims, tt.userID, wantIat)
			}
			got, err := tokens.Verify(tok)
			if err != nil {
				t.Fatalf("Verify: %v", err)
			}
			if got.UserID != claims.UserID || got.ID != claims.ID || !got.IssuedAt.Equal(claims.IssuedAt) || !got.ExpiresAt.Equal(claims.ExpiresAt) {
				t.Errorf("Verify = %+v, want %+v", got, claims)
			}
			parsed, _, err := jwt.NewParser().ParseUnverified(tok, &jwt.RegisteredClaims{})
			if err != nil {
				t.Fatalf("ParseUnverified: %v", err)
			}
			if parsed.Header["kid"] != "cur" || parsed.Header["alg"] != "HS256" {
				t.Errorf("header = %v, want kid cur and alg HS256", parsed.Header)
			}
		})
	}
	t.Run("two tokens have different IDs", func(t *testing.T) {
		_, a, _ := tokens.Issue(1)
		_, b, _ := tokens.Issue(1)
		if a.ID == b.ID {
			t.Errorf("two tokens share the ID %q", a.ID)
		}
	})
}

// sign makes a token the way Issue does, with changes applied to the claims and header.
func sign(t *testing.T, method jwt.SigningMethod, key any, kid any, edit func(c *jwt.RegisteredClaims)) string {
	t.Helper()
	c := jwt.RegisteredClaims{
		Issuer:    Issuer,
		Subject:   "7",
		Audience:  jwt.ClaimStrings{Audience},
		ExpiresAt: jwt.NewNumericDate(epoch.Add(time.Hour)),
		IssuedAt:  jwt.NewNumericDate(epoch.Add(-time.Minute)),
		ID:        "tid",
	}
	if edit != nil {
		edit(&c)
	}
	tok := jwt.NewWithClaims(method, c)
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return s
}

func TestVerify(t *testing.T) {
	cur := Key{ID: "cur", Secret: secret(1)}
	prev := Key{ID: "prev", Secret: secret(2)}
	unknown := Key{ID: "gone", Secret: secret(3)}
	clk := &clock{t: epoch}
	tokens := NewTokens(cur, []Key{prev}, time.Hour, clk.now)
	oldTokens := NewTokens(prev, nil, time.Hour, clk.now)
	strangerTokens := NewTokens(unknown, nil, time.Hour, clk.now)
	sameIDOtherSecret := NewTokens(Key{ID: "cur", Secret: secret(9)}, nil, time.Hour, clk.now)

	issue := func(tk *Tokens) string {
		s, _, err := tk.Issue(7)
		if err != nil {
			t.Fatalf("Issue: %v", err)
		}
		return s
	}
	fresh := issue(tokens)
	tamper := func(tok string) string {
		parts := strings.Split(tok, ".")
		sig := []byte(parts[2])
		if sig[0] == 'A' {
			sig[0] = 'B'
		} else {
			sig[0] = 'A'
		}
		return parts[0] + "." + parts[1] + "." + string(sig)
	}
	swapPayload := func(tok string, userID string) string {
		parts := strings.Split(tok, ".")
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		payload = bytes.Replace(payload, []byte(`"sub":"7"`), []byte(`"sub":"`+userID+`"`), 1)
		return parts[0] + "." + base64.RawURLEncoding.EncodeToString(payload) + "." + parts[2]
	}

	tests := []struct {
		name   string
		token  string
		at     time.Time
		wantOK bool
	}{
		{name: "fresh token", token: fresh, at: epoch, wantOK: true},
		{name: "a second before expiry", token: fresh, at: epoch.Truncate(time.Second).Add(time.Hour - time.Second), wantOK: true},
		{name: "at expiry", token: fresh, at: epoch.Truncate(time.Second).Add(time.Hour)},
		{name: "after expiry", token: fresh, at: epoch.Add(2 * time.Hour)},
		{name: "before it was issued", token: fresh, at: epoch.Add(-time.Minute)},
		{name: "previous key still verifies", token: issue(oldTokens), at: epoch, wantOK: true},
		{name: "unknown key id", token: issue(strangerTokens), at: epoch},
		{name: "known key id, other secret", token: issue(sameIDOtherSecret), at: epoch},
		{name: "tampered signature", token: tamper(fresh), at: epoch},
		{name: "tampered subject", token: swapPayload(fresh, "8"), at: epoch},
		{name: "empty", token: "", at: epoch},
		{name: "garbage", token: "not.a.jwt", at: epoch},
		{name: "hand-made token verifies", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", nil), at: epoch, wantOK: true},
		{name: "no kid", token: sign(t, jwt.SigningMethodHS256, cur.Secret, nil, nil), at: epoch},
		{name: "kid not a string", token: sign(t, jwt.SigningMethodHS256, cur.Secret, 1, nil), at: epoch},
		{name: "HS384", token: sign(t, jwt.SigningMethodHS384, cur.Secret, "cur", nil), at: epoch},
		{name: "alg none", token: sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, "cur", nil), at: epoch},
		{name: "other issuer", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.Issuer = "someone" }), at: epoch},
		{name: "other audience", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"other"} }), at: epoch},
		{name: "no expiry", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.ExpiresAt = nil }), at: epoch},
		{name: "no issued at", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.IssuedAt = nil }), at: epoch},
		{name: "no token id", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.ID = "" }), at: epoch},
		{name: "subject not a number", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.Subject = "ada" }), at: epoch},
		{name: "subject zero", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.Subject = "0" }), at: epoch},
		{name: "subject negative", token: sign(t, jwt.SigningMethodHS256, cur.Secret, "cur", func(c *jwt.RegisteredClaims) { c.Subject = "-7" }), at: epoch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk.t = tt.at
			got, err := tokens.Verify(tt.token)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if got.UserID != 7 || got.ID == "" {
					t.Errorf("Verify = %+v, want user 7 with a token ID", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("Verify accepted the token: %+v", got)
			}
			if !errors.Is(err, errBadToken) {
				t.Errorf("error %v does not wrap errBadToken", err)
			}
			if got != (Claims{}) {
				t.Errorf("Verify returned %+v alongside an error", got)
			}
		})
	}
}
