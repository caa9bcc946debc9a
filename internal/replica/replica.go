// Package replica says which reads a read replica, which replays the primary's writes a little
// late, may answer.
package replica

import "context"

type pinKey struct{}

// Pin returns a context whose reads go to the primary: an operation that writes, or that
// reacts to a write, must see it, which a replica may not have replayed yet.
func Pin(ctx context.Context) context.Context { return context.WithValue(ctx, pinKey{}, true) }

// Pinned reports whether ctx's reads must go to the primary.
func Pinned(ctx context.Context) bool {
	pinned, _ := ctx.Value(pinKey{}).(bool)
	return pinned
}
