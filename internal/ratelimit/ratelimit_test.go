package ratelimit

import (
	"log/slog"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/user"
)

func TestCallerOf(t *testing.T) {
	b := Budgets{Anonymous: 10, SignedIn: 20, APIKey: 30, ByRole: map[user.Role]int64{user.RoleEditor: 40}}
	for _, c := range []struct {
		name    string
		v       access.Viewer
		want    Caller
		limited bool
	}{
		{"anonymous, by address", access.Viewer{}, Caller{Key: "address:10.0.0.1", Limit: 10}, true},
		{"signed in", access.Viewer{UserID: 7, Role: user.RoleReader}, Caller{Key: "user:7", Limit: 20}, true},
		{"editor, with a budget of the role's own", access.Viewer{UserID: 8, Role: user.RoleEditor}, Caller{Key: "user:8", Limit: 40}, true},
		{"author, with the signed-in budget", access.Viewer{UserID: 10, Role: user.RoleAuthor}, Caller{Key: "user:10", Limit: 20}, true},
		{"admin", access.Viewer{UserID: 9, Role: user.RoleAdmin}, Caller{}, false},
		{"API key with the default", access.Viewer{UserID: 7, Role: user.RoleReader, KeyID: 3}, Caller{Key: "key:3", Limit: 30}, true},
		{"API key with its own budget", access.Viewer{UserID: 7, Role: user.RoleReader, KeyID: 4, KeyBudget: 5}, Caller{Key: "key:4", Limit: 5}, true},
		{"an admin's API key", access.Viewer{UserID: 9, Role: user.RoleAdmin, KeyID: 5}, Caller{Key: "key:5", Limit: 30}, true},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, limited := b.CallerOf(c.v, "10.0.0.1")
			if got != c.want || limited != c.limited {
				t.Errorf("CallerOf = %+v, %v; want %+v, %v", got, limited, c.want, c.limited)
			}
		})
	}
}

func TestSpend(t *testing.T) {
	now := time.Date(2026, 12, 2, 10, 0, 30, 0, time.UTC)
	l := New(nil, time.Minute, func() time.Time { return now }, slog.New(slog.DiscardHandler))
	c := Caller{Key: "user:1", Limit: 100}
	for i, want := range []Verdict{
		{Allowed: true, Limit: 100, Cost: 40, Remaining: 60},
		{Allowed: true, Limit: 100, Cost: 40, Remaining: 20},
		{Allowed: false, Limit: 100, Cost: 40, Remaining: 20, RetryAfter: 30 * time.Second},
		{Allowed: true, Limit: 100, Cost: 20, Remaining: 0},
	} {
		got := l.Spend(c, want.Cost, "Op")
		want.ResetAt = time.Date(2026, 12, 2, 10, 1, 0, 0, time.UTC)
		if got != want {
			t.Errorf("request %d: %+v, want %+v", i, got, want)
		}
	}
	now = now.Add(time.Minute)
	if got := l.Spend(c, 40, ""); !got.Allowed || got.Remaining != 60 {
		t.Errorf("in the next window: %+v", got)
	}
}
