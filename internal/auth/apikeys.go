package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// APIKeyPrefix starts every API key secret, so a leaked key is easy to recognise and scan for.
const APIKeyPrefix = "tlr_"

const keyAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// newAPIKeySecret returns a fresh key: its public prefix (which identifies it), the secret the
// integrator is shown once, and the SHA-256 of the secret that is stored. The secret carries
// 256 random bits, so a fast hash is as safe as a slow one and keeps every request cheap.
func newAPIKeySecret() (prefix, secret string, hash []byte, err error) {
	b := make([]byte, 12+32)
	if _, err := rand.Read(b); err != nil {
		return "", "", nil, fmt.Errorf("new api key: %w", err)
	}
	p := make([]byte, 12)
	for i := range p {
		p[i] = keyAlphabet[int(b[i])%len(keyAlphabet)]
	}
	prefix = string(p)
	secret = APIKeyPrefix + prefix + "_" + hex.EncodeToString(b[12:])
	sum := sha256.Sum256([]byte(secret))
	return prefix, secret, sum[:], nil
}

// parseAPIKey splits a presented secret into its prefix and hash.
func parseAPIKey(secret string) (prefix string, hash []byte, ok bool) {
	rest, found := strings.CutPrefix(secret, APIKeyPrefix)
	if !found {
		return "", nil, false
	}
	prefix, body, found := strings.Cut(rest, "_")
	if !found || len(prefix) != 12 || len(body) != 64 {
		return "", nil, false
	}
	sum := sha256.Sum256([]byte(secret))
	return prefix, sum[:], true
}
