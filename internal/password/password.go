// Package password hashes and checks account passwords with argon2id.
package password

import (
	"fmt"

	"github.com/alexedwards/argon2id"
)

// MinLength and MaxLength bound an acceptable password, in bytes.
const (
	MinLength = 10
	MaxLength = 128
)

// params are OWASP's recommended argon2id settings (19 MiB, 2 passes, 1 lane).
func params() *argon2id.Params {
	return &argon2id.Params{Memory: 19 * 1024, Iterations: 2, Parallelism: 1, SaltLength: 16, KeyLength: 32}
}

// Hash returns the encoded argon2id hash of pw, salted at random.
func Hash(pw string) (string, error) {
	h, err := argon2id.CreateHash(pw, params())
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// Matches reports whether pw is the password behind hash.
func Matches(pw, hash string) (bool, error) {
	ok, err := argon2id.ComparePasswordAndHash(pw, hash)
	if err != nil {
		return false, fmt.Errorf("check password: %w", err)
	}
	return ok, nil
}
