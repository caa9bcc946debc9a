package auth

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/tailorhq/tailor/internal/apperr"
)

// AttemptStore counts failed attempts per key ("login-account:42", "login-address:192.0.2.7")
// where every replica sees the same counts.
type AttemptStore interface {
	// Attempts returns, for each key with failures younger than forget, how many there are and
	// when the last one happened, with the store's clock.
	Attempts(ctx context.Context, keys []string, forget time.Duration) (map[string]Attempts, time.Time, error)
	// Fail records one failure on each key; failures older than forget start the count anew.
	Fail(ctx context.Context, keys []string, forget time.Duration) error
	// Forget clears a key's failures.
	Forget(ctx context.Context, key string) error
}

// Attempts is a key's record of recent failures.
type Attempts struct {
	Failures int
	Last     time.Time
}

// AttemptPolicy bounds password guessing and account creation: past a number of free
// attempts, each further failure doubles the wait before the next attempt is heard.
type AttemptPolicy struct {
	// AccountFree is how many failed log-ins an account takes before back-off starts.
	AccountFree int
	// AddressFree is how many failed log-ins one client address makes before back-off starts.
	AddressFree int
	// SignUpFree is how many accounts one client address creates before back-off starts.
	SignUpFree int
	// FirstWait is the first back-off; it doubles with every further attempt, up to MaxWait.
	FirstWait time.Duration
	MaxWait   time.Duration
	// Forget is how long after the last failure a key starts afresh.
	Forget time.Duration
}

// DefaultAttemptPolicy lets a person mistype a password a few times and a household or an
// office share an address, while an attacker waits 15 minutes per guess within minutes.
func DefaultAttemptPolicy() AttemptPolicy {
	return AttemptPolicy{AccountFree: 5, AddressFree: 20, SignUpFree: 10, FirstWait: time.Second, MaxWait: 15 * time.Minute, Forget: time.Hour}
}

// wait is how long after the last of failures attempts one may try again.
func (p AttemptPolicy) wait(failures, free int) time.Duration {
	over := failures - free
	if over <= 0 {
		return 0
	}
	d := p.FirstWait
	for i := 1; i < over && d < p.MaxWait; i++ {
		d *= 2
	}
	return min(d, p.MaxWait)
}

// attemptKey names what an attempt is counted against.
type attemptKey struct {
	name string
	free int
}

// accountKey names an account's failures: by ID when the login names one, else by the login
// itself, so guessing at unknown names is limited too.
func accountKey(userID int64, login string) string {
	if userID != 0 {
		return "login-account:" + strconv.FormatInt(userID, 10)
	}
	sum := sha256.Sum256([]byte(strings.ToLower(login)))
	return "login-name:" + hex.EncodeToString(sum[:16])
}

// addressKey names the failures of one client address for one purpose.
func addressKey(purpose, address string) string {
	if len(address) > 100 {
		address = address[:100]
	}
	return purpose + "-address:" + address
}

// throttle refuses with RATE_LIMITED when any key must still wait.
func (s *Service) throttle(ctx context.Context, keys []attemptKey) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	seen, now, err := s.attempts.Attempts(ctx, names, s.policy.Forget)
	if err != nil {
		return err
	}
	var wait time.Duration
	for _, k := range keys {
		if a, ok := seen[k.name]; ok {
			wait = max(wait, a.Last.Add(s.policy.wait(a.Failures, k.free)).Sub(now))
		}
	}
	if wait > 0 {
		return apperr.Throttled(wait, "too many attempts; try again in %s", roundWait(wait))
	}
	return nil
}

func (s *Service) fail(ctx context.Context, keys []attemptKey) error {
	names := make([]string, len(keys))
	for i, k := range keys {
		names[i] = k.name
	}
	return s.attempts.Fail(ctx, names, s.policy.Forget)
}

func roundWait(d time.Duration) string {
	if d < time.Minute {
		return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second))) + " seconds"
	}
	return strconv.Itoa(int((d+time.Minute-1)/time.Minute)) + " minutes"
}
