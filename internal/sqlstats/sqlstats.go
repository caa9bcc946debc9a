// Package sqlstats counts the SQL statements run on behalf of one request, and the time they
// take, so tests, the benchmark and the metrics can check that a request's statements grow
// with its depth only. The storage layer counts; the HTTP layer asks.
package sqlstats

import (
	"context"
	"sync/atomic"
	"time"
)

// Counter counts the SQL statements run with a context that carries it, and their time.
type Counter struct {
	n     atomic.Int64
	nanos atomic.Int64
}

// Count returns the number of statements counted so far.
func (c *Counter) Count() int64 { return c.n.Load() }

// Duration returns the time the statements counted so far took, each until the database
// answered it (the rows a query returns are read afterwards and are not included).
func (c *Counter) Duration() time.Duration { return time.Duration(c.nanos.Load()) }

type counterKey struct{}

// WithCounter returns a context whose statements are counted by the returned counter. When
// ctx carries a counter already, that one is returned, so every layer of a request that asks
// sees the same count.
func WithCounter(ctx context.Context) (context.Context, *Counter) {
	if c, ok := ctx.Value(counterKey{}).(*Counter); ok {
		return ctx, c
	}
	c := &Counter{}
	return context.WithValue(ctx, counterKey{}, c), c
}

// Statement counts one statement run with ctx, when ctx carries a counter, and returns the
// function to call when the database has answered it, which adds the statement's time.
func Statement(ctx context.Context) (done func()) {
	c, ok := ctx.Value(counterKey{}).(*Counter)
	if !ok {
		return nothing
	}
	c.n.Add(1)
	start := time.Now()
	return func() { c.nanos.Add(int64(time.Since(start))) }
}

func nothing() {}
