package password

import (
	"strings"
	"testing"
)

func TestHashAndMatches(t *testing.T) {
	const pw = "correct horse battery staple"
	h1, err := Hash(pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	h2, err := Hash(pw)
	if err != nil {
		t.Fatalf("Hash: %v", err)
	}
	t.Run("hash is encoded argon2id with the configured parameters", func(t *testing.T) {
		if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("hash %q does not carry the expected argon2id parameters", h1)
		}
		if strings.Contains(h1, pw) {
			t.Errorf("hash %q contains the password", h1)
		}
	})
	t.Run("two hashes of one password differ", func(t *testing.T) {
		if h1 == h2 {
			t.Errorf("two hashes of one password are equal: %q", h1)
		}
	})

	tests := []struct {
		name string
		pw   string
		hash string
		want bool
	}{
		{"right password", pw, h1, true},
		{"right password, second hash", pw, h2, true},
		{"wrong password", "correct horse battery stapler", h1, false},
		{"different case", strings.ToUpper(pw), h1, false},
		{"empty password", "", h1, false},
		{"prefix of the password", pw[:10], h2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Matches(tt.pw, tt.hash)
			if err != nil {
				t.Fatalf("Matches: %v", err)
			}
			if got != tt.want {
				t.Errorf("Matches(%q) = %v, want %v", tt.pw, got, tt.want)
			}
		})
	}
}

func TestMatchesMalformedHash(t *testing.T) {
	tests := []struct {
		name string
		hash string
	}{
		{"empty", ""},
		{"not a hash", "hunter2"},
		{"too few parts", "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA"},
		{"wrong version", "$argon2id$v=18$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"},
		{"bad salt base64", "$argon2id$v=19$m=19456,t=2,p=1$!!!$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"},
		{"bad params", "$argon2id$v=19$memory$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, err := Matches("correct horse battery staple", tt.hash)
			if err == nil {
				t.Fatalf("Matches(%q) returned no error", tt.hash)
			}
			if ok {
				t.Errorf("Matches(%q) = true alongside an error", tt.hash)
			}
			if !strings.HasPrefix(err.Error(), "check password: ") {
				t.Errorf("error %q does not say it came from checking a password", err)
			}
		})
	}
}
