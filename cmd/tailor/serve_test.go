package main

import (
	"context"
	"errors"
	"io"
	"testing"
)

// TestServeNeedsASigningKey checks that a production start without a signing key of its own
// is refused before anything else happens, and that development starts may go on without one.
func TestServeNeedsASigningKey(t *testing.T) {
	// Nothing listens on port 1: a start that gets past the key check fails on the database.
	const unreachable = "postgres://postgres@127.0.0.1:1/tailor?sslmode=disable&connect_timeout=1"
	tests := []struct {
		name  string
		args  []string
		env   map[string]string
		noKey bool
	}{
		{"production without a key", []string{"serve"}, nil, true},
		{"development mode", []string{"serve"}, map[string]string{"TAILOR_DEV": "true"}, false},
		{"demo", []string{"serve", "--demo"}, nil, false},
		{"a key of its own", []string{"serve"}, map[string]string{"TAILOR_TOKEN_SIGNING_KEY": "prod-1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			getenv := func(k string) string {
				if k == "DATABASE_URL" {
					return unreachable
				}
				return tc.env[k]
			}
			err := run(context.Background(), tc.args, getenv, io.Discard)
			if err == nil {
				t.Fatal("serve started against an unreachable database")
			}
			if got := errors.Is(err, errNoSigningKey); got != tc.noKey {
				t.Errorf("err = %v; refused for want of a key: %v, want %v", err, got, tc.noKey)
			}
		})
	}
}
