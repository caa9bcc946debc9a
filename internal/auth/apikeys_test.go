package auth

import (
	"bytes"
	"crypto/sha256"
	"regexp"
	"strings"
	"testing"
)

var apiKeyFormat = regexp.MustCompile(`^tlr_([a-z0-9]{12})_([0-9a-f]{64})$`)

func TestNewAPIKeySecret(t *testing.T) {
	seen := map[string]bool{}
	seenPrefix := map[string]bool{}
	for i := range 50 {
		prefix, secret, hash, err := newAPIKeySecret()
		if err != nil {
			t.Fatalf("newAPIKeySecret: %v", err)
		}
		m := apiKeyFormat.FindStringSubmatch(secret)
		if m == nil {
			t.Fatalf("secret %q does not match %s", secret, apiKeyFormat)
		}
		if m[1] != prefix {
			t.Errorf("secret %q carries prefix %q, returned prefix %q", secret, m[1], prefix)
		}
		sum := sha256.Sum256([]byte(secret))
		if !bytes.Equal(hash, sum[:]) {
			t.Errorf("hash = %x, want sha256 of the whole secret %x", hash, sum)
		}
		gotPrefix, gotHash, ok := parseAPIKey(secret)
		if !ok || gotPrefix != prefix || !bytes.Equal(gotHash, hash) {
			t.Errorf("parseAPIKey(%q) = %q, %x, %v; want %q, %x, true", secret, gotPrefix, gotHash, ok, prefix, hash)
		}
		if seen[secret] || seenPrefix[prefix] {
			t.Fatalf("key %d repeats an earlier secret or prefix: %q", i, secret)
		}
		seen[secret], seenPrefix[prefix] = true, true
	}
}

func TestParseAPIKey(t *testing.T) {
	good := "tlr_abcdefghij12_" + strings.Repeat("0123456789abcdef", 4)
	goodSum := sha256.Sum256([]byte(good))
	tests := []struct {
		name       string
		secret     string
		wantOK     bool
		wantPrefix string
	}{
		{name: "well formed", secret: good, wantOK: true, wantPrefix: "abcdefghij12"},
		{name: "empty", secret: ""},
		{name: "prefix only", secret: "tlr_"},
		{name: "wrong prefix", secret: "tlx_abcdefghij12_" + strings.Repeat("a", 64)},
		{name: "upper-case prefix", secret: "TLR_abcdefghij12_" + strings.Repeat("a", 64)},
		{name: "no tlr prefix at all", secret: "abcdefghij12_" + strings.Repeat("a", 64)},
		{name: "bearer token passed as a key", secret: "eyJhbGciOiJIUzI1NiJ9.e30.sig"},
		{name: "missing separator", secret: "tlr_abcdefghij12" + strings.Repeat("a", 64)},
		{name: "key prefix 11 chars", secret: "tlr_abcdefghij1_" + strings.Repeat("a", 64)},
		{name: "key prefix 13 chars", secret: "tlr_abcdefghij123_" + strings.Repeat("a", 64)},
		{name: "body 63 chars", secret: "tlr_abcdefghij12_" + strings.Repeat("a", 63)},
		{name: "body 65 chars", secret: "tlr_abcdefghij12_" + strings.Repeat("a", 65)},
		{name: "empty body", secret: "tlr_abcdefghij12_"},
		{name: "trailing newline", secret: good + "\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			prefix, hash, ok := parseAPIKey(tt.secret)
			if ok != tt.wantOK {
				t.Fatalf("parseAPIKey(%q) ok = %v, want %v", tt.secret, ok, tt.wantOK)
			}
			if !ok {
				if prefix != "" || hash != nil {
					t.Errorf("parseAPIKey(%q) returned %q, %x alongside a refusal", tt.secret, prefix, hash)
				}
				return
			}
			if prefix != tt.wantPrefix || !bytes.Equal(hash, goodSum[:]) {
				t.Errorf("parseAPIKey(%q) = %q, %x; want %q, %x", tt.secret, prefix, hash, tt.wantPrefix, goodSum)
			}
		})
	}
	t.Run("one changed character changes the hash", func(t *testing.T) {
		other := good[:len(good)-1] + "0"
		_, h1, _ := parseAPIKey(good)
		p2, h2, ok := parseAPIKey(other)
		if !ok || p2 != "abcdefghij12" || bytes.Equal(h1, h2) {
			t.Errorf("parseAPIKey(%q) = %q, %x, %v; want the same prefix and a different hash", other, p2, h2, ok)
		}
	})
}
