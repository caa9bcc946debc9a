// Package ratelimit gives every caller a budget of points per window, which each request
// spends by its cost (the complexity model's score, computed before anything runs). Each
// replica counts spending in memory, so a request costs no statement, and reconciles it with
// the shared count in the database every sync, so that all replicas enforce one budget: what
// a caller spends on one is spent on the others within a sync.
package ratelimit

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/user"
)

// Store keeps the spending every replica shares.
type Store interface {
	// Add adds each caller's spending to its count in the window starting at window (a count
	// of an earlier window starts again), and to an API key's use, and returns each caller's
	// count after it.
	Add(ctx context.Context, window time.Time, spending []Spending) (map[string]int64, error)
}

// Spending is what one caller spent on this replica since the last sync.
type Spending struct {
	Caller   string
	Points   int64
	Requests int64
	// LastOperation is the name of the caller's latest operation, if it had one.
	LastOperation string
}

// Budgets are the points per window of each kind of caller; a key may carry its own.
type Budgets struct {
	Anonymous int64
	SignedIn  int64
	// ByRole overrides SignedIn for the roles it names.
	ByRole map[user.Role]int64
	APIKey int64
}

// Caller is whoever spends: an API key, a signed-in user or an anonymous client address.
type Caller struct {
	Key   string
	Limit int64
}

// CallerOf says whose budget v's request spends, and how large it is. Admins are not limited.
func (b Budgets) CallerOf(v access.Viewer, address string) (Caller, bool) {
	switch {
	case v.ViaAPIKey():
		limit := b.APIKey
		if v.KeyBudget > 0 {
			limit = v.KeyBudget
		}
		return Caller{Key: "key:" + strconv.FormatInt(v.KeyID, 10), Limit: limit}, true
	case v.HasRole(user.RoleAdmin):
		return Caller{}, false
	case !v.Anonymous():
		limit, ok := b.ByRole[v.Role]
		if !ok {
			limit = b.SignedIn
		}
		return Caller{Key: "user:" + strconv.FormatInt(v.UserID, 10), Limit: limit}, true
	}
	return Caller{Key: "address:" + address, Limit: b.Anonymous}, true
}

// Verdict is what a request was allowed and what is left.
type Verdict struct {
	Allowed   bool
	Limit     int64
	Cost      int64
	Remaining int64
	ResetAt   time.Time
	// RetryAfter is how long a refused caller waits for the next window.
	RetryAfter time.Duration
}

// Limiter enforces budgets.
type Limiter struct {
	store  Store
	window time.Duration
	now    func() time.Time
	logger *slog.Logger

	mu      sync.Mutex
	buckets map[string]*bucket
}

type bucket struct {
	window   time.Time
	shared   int64 // every replica's spending, as of the last sync
	pending  int64 // this replica's spending since
	requests int64 // this replica's requests since
	lastOp   string
}

// New returns a limiter over store with windows of the given length.
func New(store Store, window time.Duration, now func() time.Time, logger *slog.Logger) *Limiter {
	return &Limiter{store: store, window: window, now: now, logger: logger, buckets: make(map[string]*bucket)}
}

// Spend charges cost to c for an operation named operation (may be empty) when c's budget
// allows it, and says what is left either way.
func (l *Limiter) Spend(c Caller, cost int64, operation string) Verdict {
	now := l.now()
	start := now.Truncate(l.window)
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[c.Key]
	if b == nil || !b.window.Equal(start) {
		b = &bucket{window: start}
		l.buckets[c.Key] = b
	}
	used := b.shared + b.pending
	v := Verdict{Limit: c.Limit, Cost: cost, ResetAt: start.Add(l.window)}
	if used+cost > c.Limit {
		v.Remaining, v.RetryAfter = max(c.Limit-used, 0), v.ResetAt.Sub(now)
		return v
	}
	b.pending += cost
	b.requests++
	if operation != "" {
		b.lastOp = operation
	}
	v.Allowed, v.Remaining = true, c.Limit-used-cost
	return v
}

// Run reconciles this replica's spending with the shared count every `every` until ctx ends.
func (l *Limiter) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := l.Sync(ctx); err != nil && ctx.Err() == nil {
				l.logger.Warn("rate limits could not be shared; this replica counts alone until they can", "err", err)
			}
		}
	}
}

// Sync adds this replica's spending to the shared count and learns every caller's total in
// the current window, for callers it has seen in it.
func (l *Limiter) Sync(ctx context.Context) error {
	start := l.now().Truncate(l.window)
	l.mu.Lock()
	var spending []Spending
	for k, b := range l.buckets {
		if !b.window.Equal(start) {
			delete(l.buckets, k)
			continue
		}
		spending = append(spending, Spending{Caller: k, Points: b.pending, Requests: b.requests, LastOperation: b.lastOp})
		b.requests, b.lastOp = 0, ""
	}
	l.mu.Unlock()
	if len(spending) == 0 {
		return nil
	}
	totals, err := l.store.Add(ctx, start, spending)
	if err != nil {
		l.mu.Lock()
		for _, s := range spending {
			if b := l.buckets[s.Caller]; b != nil && b.window.Equal(start) {
				b.requests += s.Requests
			}
		}
		l.mu.Unlock()
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, s := range spending {
		if b := l.buckets[s.Caller]; b != nil && b.window.Equal(start) {
			b.pending -= s.Points
			b.shared = totals[s.Caller]
		}
	}
	return nil
}
