// Package sqlstats counts the SQL statements run on behalf of one request, so tests and the
// benchmark can check that a request's statements grow with its depth only. The storage
// layer counts; the HTTP layer asks.
package sqlstats

import (
	"context"
	"sync/atomic"
)

// Counter counts the SQL statements run with a context that carries it.
type Counter struct{ n atomic.Int64 }

// Count returns the number of statements counted so far.
func (c *Counter) Count() int64 { return c.n.Load() }

type counterKey struct{}

// WithCounter returns a context whose statements are counted by the returned counter.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// Statement counts one statement run with ctx, when ctx carries a counter.
func Statement(ctx context.Context) {
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		c.n.Add(1)
	}
}
