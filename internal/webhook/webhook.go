// Package webhook signs and delivers Tailor's webhook payloads to integrators, following the
// Standard Webhooks conventions (https://www.standardwebhooks.com): every request carries
// webhook-id, webhook-timestamp and webhook-signature headers, the signature is an HMAC-SHA256
// of "<id>.<timestamp>.<body>" under a "whsec_" secret, and receivers reject stale timestamps.
//
// The package stores nothing: callers keep webhooks, secrets and deliveries, and call Deliver
// once per attempt.
package webhook

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// The request headers of the Standard Webhooks conventions.
const (
	// HeaderID carries the message id; it is the same on every attempt, so receivers can use
	// it as an idempotency key.
	HeaderID = "webhook-id"
	// HeaderTimestamp carries the attempt's time in unix seconds.
	HeaderTimestamp = "webhook-timestamp"
	// HeaderSignature carries one or more space-separated "v1,<base64>" signatures.
	HeaderSignature = "webhook-signature"
)

// Tolerance is how far a webhook-timestamp may be from the receiver's clock, in either
// direction, before Verify refuses the request as a possible replay.
const Tolerance = 5 * time.Minute

const (
	secretPrefix   = "whsec_"
	secretBytes    = 32
	minSecretBytes = 24
	maxSecretBytes = 64
	signatureV1    = "v1"
)

var (
	// ErrInvalidSecret means a secret is not "whsec_" followed by the standard base64 encoding
	// of 24 to 64 bytes.
	ErrInvalidSecret = errors.New("webhook: invalid secret")
	// ErrInvalidID means a message id is empty or holds a character that could blur where the
	// id ends in the signed content or break the header.
	ErrInvalidID = errors.New("webhook: invalid message id")
	// ErrMissingHeaders means a request lacks webhook-id, webhook-timestamp or
	// webhook-signature, or the timestamp is not an integer.
	ErrMissingHeaders = errors.New("webhook: missing or malformed webhook headers")
	// ErrTimestampOutOfRange means webhook-timestamp is more than Tolerance away from now.
	ErrTimestampOutOfRange = errors.New("webhook: timestamp out of range")
	// ErrBadSignature means no v1 signature in webhook-signature matches the request.
	ErrBadSignature = errors.New("webhook: no matching signature")
)

// NewSecret returns a fresh signing secret: "whsec_" followed by the standard base64 encoding of
// 32 random bytes. It is shown to the integrator once and stored by the caller.
func NewSecret() (string, error) {
	key := make([]byte, secretBytes)
	if _, err := rand.Read(key); err != nil {
		return "", fmt.Errorf("webhook: new secret: %w", err)
	}
	return secretPrefix + base64.StdEncoding.EncodeToString(key), nil
}

// ParseSecret returns the HMAC key a secret stands for: the base64-decoded part after "whsec_".
// It fails with ErrInvalidSecret unless the key is 24 to 64 bytes long.
func ParseSecret(s string) ([]byte, error) {
	encoded, ok := strings.CutPrefix(s, secretPrefix)
	if !ok {
		return nil, fmt.Errorf("%w: missing %q prefix", ErrInvalidSecret, secretPrefix)
	}
	key, err := base64.StdEncoding.DecodeString(encoded)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidSecret, err)
	}
	if len(key) < minSecretBytes || len(key) > maxSecretBytes {
		return nil, fmt.Errorf("%w: key is %d bytes, want %d to %d", ErrInvalidSecret, len(key), minSecretBytes, maxSecretBytes)
	}
	return key, nil
}

// Sign returns the webhook-signature header value ("v1,<base64>") for a message id, the
// attempt's time (to the second) and the exact body that will be sent. The id must be non-empty
// printable ASCII without spaces or '.'; otherwise Sign fails with ErrInvalidID.
func Sign(secret string, id string, at time.Time, body []byte) (string, error) {
	key, err := ParseSecret(secret)
	if err != nil {
		return "", err
	}
	if err := checkID(id); err != nil {
		return "", err
	}
	return signatureV1 + "," + base64.StdEncoding.EncodeToString(mac(key, id, at.Unix(), body)), nil
}

// Verify checks a received webhook the way a receiver should: all three headers are present,
// webhook-timestamp is within Tolerance of now, and at least one v1 signature in
// webhook-signature matches body under secret (compared in constant time). It returns nil or
// an error wrapping ErrMissingHeaders, ErrTimestampOutOfRange, ErrBadSignature or
// ErrInvalidSecret. body must be the raw bytes received, before any JSON decoding.
func Verify(secret string, header http.Header, body []byte, now time.Time) error {
	key, err := ParseSecret(secret)
	if err != nil {
		return err
	}
	id, stamp, signatures := header.Get(HeaderID), header.Get(HeaderTimestamp), header.Get(HeaderSignature)
	if id == "" || stamp == "" || signatures == "" {
		return ErrMissingHeaders
	}
	unix, err := strconv.ParseInt(stamp, 10, 64)
	if err != nil {
		return fmt.Errorf("%w: %s is not unix seconds", ErrMissingHeaders, HeaderTimestamp)
	}
	// Compared as bounds rather than a difference so that absurd timestamps cannot overflow.
	tolerance := int64(Tolerance / time.Second)
	if unix < now.Unix()-tolerance || unix > now.Unix()+tolerance {
		return fmt.Errorf("%w: %s is %d, now is %d", ErrTimestampOutOfRange, HeaderTimestamp, unix, now.Unix())
	}
	want := mac(key, id, unix, body)
	for _, candidate := range strings.Fields(signatures) {
		version, encoded, ok := strings.Cut(candidate, ",")
		if !ok || version != signatureV1 {
			// Other schemes (v1a is ed25519) may sit beside ours during a migration.
			continue
		}
		got, err := base64.StdEncoding.DecodeString(encoded)
		if err != nil {
			continue
		}
		if hmac.Equal(got, want) {
			return nil
		}
	}
	return ErrBadSignature
}

func mac(key []byte, id string, unix int64, body []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(id))
	h.Write([]byte{'.'})
	h.Write(strconv.AppendInt(nil, unix, 10))
	h.Write([]byte{'.'})
	h.Write(body)
	return h.Sum(nil)
}

// checkID refuses ids with '.', which would let "a.1" + "2" and "a" + "1.2" sign alike, and
// characters that cannot travel in a header.
func checkID(id string) error {
	if id == "" {
		return fmt.Errorf("%w: empty", ErrInvalidID)
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; c <= ' ' || c >= 0x7f || c == '.' {
			return fmt.Errorf("%w: %q has a forbidden character at byte %d", ErrInvalidID, id, i)
		}
	}
	return nil
}
