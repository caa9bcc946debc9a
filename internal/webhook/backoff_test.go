package webhook

import (
	"math"
	"math/rand/v2"
	"testing"
	"time"
)

// almostOne is the largest float64 below 1, the top of rnd's range.
var almostOne = math.Nextafter(1, 0)

func constant(r float64) func() float64 { return func() float64 { return r } }

func TestBackoff(t *testing.T) {
	tests := []struct {
		name    string
		attempt int
		rnd     float64
		want    time.Duration
	}{
		{name: "no jitter draw", attempt: 1, rnd: 0, want: 0},
		{name: "first retry, half", attempt: 1, rnd: 0.5, want: 5 * time.Second},
		{name: "third retry, half", attempt: 3, rnd: 0.5, want: 20 * time.Second},
		{name: "12th retry is below the cap", attempt: 12, rnd: 0.5, want: 10240 * time.Second},
		{name: "13th retry is capped", attempt: 13, rnd: 0.5, want: 3 * time.Hour},
		{name: "huge attempt is capped", attempt: math.MaxInt, rnd: 0.5, want: 3 * time.Hour},
		{name: "attempt 0 counts as 1", attempt: 0, rnd: 0.5, want: 5 * time.Second},
		{name: "negative attempt counts as 1", attempt: -3, rnd: 0.5, want: 5 * time.Second},
		{name: "rnd of 1 is out of range", attempt: 1, rnd: 1, want: 0},
		{name: "negative rnd is out of range", attempt: 1, rnd: -0.5, want: 0},
		{name: "NaN rnd is out of range", attempt: 1, rnd: math.NaN(), want: 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Backoff(tc.attempt, constant(tc.rnd)); got != tc.want {
				t.Errorf("Backoff(%d, %v) = %v, want %v", tc.attempt, tc.rnd, got, tc.want)
			}
		})
	}
}

func TestBackoffStaysBelowCeiling(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for attempt := 1; attempt <= 40; attempt++ {
		ceiling := BackoffCap
		if attempt <= 12 {
			ceiling = BackoffBase * time.Duration(1<<(attempt-1))
		}
		if top := Backoff(attempt, constant(almostOne)); top >= ceiling || top < ceiling-time.Millisecond {
			t.Errorf("attempt %d: top of range %v, want just below %v", attempt, top, ceiling)
		}
		for range 50 {
			if d := Backoff(attempt, rng.Float64); d < 0 || d >= ceiling {
				t.Fatalf("attempt %d: %v outside [0, %v)", attempt, d, ceiling)
			}
		}
	}
	for range 50 {
		if d := Backoff(1, nil); d < 0 || d >= BackoffBase {
			t.Fatalf("Backoff(1, nil) = %v, outside [0, %v)", d, BackoffBase)
		}
	}
}

// Keeps MaxAttempts' documentation honest.
func TestMaxAttemptsSpan(t *testing.T) {
	var span time.Duration
	for attempt := 1; attempt < MaxAttempts; attempt++ {
		span += Backoff(attempt, constant(almostOne))
	}
	want := 41*time.Hour + 22*time.Minute + 30*time.Second
	if span > want || span < want-time.Second {
		t.Errorf("%d attempts span up to %v, documented as %v", MaxAttempts, span, want)
	}
}
