package webhook

import (
	"math/rand/v2"
	"time"
)

// Retry schedule: the wait before a retry is drawn uniformly from [0, ceiling) ("full jitter",
// so that receivers recovering from an outage are not hit by every sender at once), where the
// ceiling starts at BackoffBase and doubles per failed attempt up to BackoffCap.
const (
	// BackoffBase is the ceiling of the wait after the first failed attempt.
	BackoffBase = 10 * time.Second
	// BackoffCap is the largest ceiling, reached from the 13th failed attempt on.
	BackoffCap = 6 * time.Hour
	// MaxAttempts is how many attempts, the first included, a message gets before the caller
	// gives up and marks the delivery dead. Its 17 waits have ceilings summing to 41 h 22 m 30 s,
	// so the last attempt comes at most that long after the first, and on average about
	// half as long (20 h 41 m): a receiver that is down for most of a day still gets the message.
	MaxAttempts = 18
)

// Backoff returns how long to wait after failed attempt number attempt (1 for the first
// delivery) before the next one. rnd returns a number in [0, 1), such as rand.Float64 from
// math/rand/v2; nil means that function. The result lies in [0, min(BackoffBase·2^(attempt-1),
// BackoffCap)). Attempts below 1 count as 1.
func Backoff(attempt int, rnd func() float64) time.Duration {
	if rnd == nil {
		rnd = rand.Float64
	}
	ceiling := BackoffCap
	// Beyond 2^19 the doubling is far past the cap; stopping there also avoids overflow.
	if attempt < 20 {
		ceiling = min(BackoffBase<<max(attempt-1, 0), BackoffCap)
	}
	r := rnd()
	if !(r >= 0 && r < 1) { // also catches NaN
		// A caller's generator outside [0, 1) must not stretch the wait past the ceiling.
		r = 0
	}
	return time.Duration(r * float64(ceiling))
}
