package habits

import (
	"math"
	"testing"
	"time"
)

func TestApply(t *testing.T) {
	now := time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC)
	earlier := now.Add(-time.Hour)
	liked := State{LikedAt: &earlier}
	justNow := now.Add(-ViewWindow + time.Second)
	viewedJustNow := State{Views: 1, DwellMs: 1000, ViewedAt: &justNow}
	viewedEarlier := State{Views: 1, DwellMs: 1000, ViewedAt: &earlier}
	tests := []struct {
		name                    string
		state                   State
		kind                    Kind
		dwell                   time.Duration
		views, likes, bookmarks int
		signal                  float64
		check                   func(State) bool
	}{
		{"first view", State{}, View, 2 * time.Minute, 1, 0, 0, 0.1 + 0.3*0.4, func(s State) bool { return s.Views == 1 && s.DwellMs == 120000 && s.ViewedAt.Equal(now) }},
		{"long view caps its signal", State{}, View, time.Hour, 1, 0, 0, 0.4, nil},
		{"view within the window counts once", viewedJustNow, View, time.Minute, 0, 0, 0, 0, func(s State) bool { return s.Views == 1 && s.DwellMs == 61000 && s.ViewedAt.Equal(now) }},
		{"view after the window counts again", viewedEarlier, View, 0, 1, 0, 0, 0.1, func(s State) bool { return s.Views == 2 }},
		{"like", State{}, Like, 0, 0, 1, 0, 1, func(s State) bool { return s.LikedAt.Equal(now) }},
		{"repeated like counts once", liked, Like, 0, 0, 0, 0, 0, func(s State) bool { return s.LikedAt.Equal(earlier) }},
		{"unlike", liked, Unlike, 0, 0, -1, 0, -1, func(s State) bool { return s.LikedAt == nil }},
		{"unlike without a like", State{}, Unlike, 0, 0, 0, 0, 0, nil},
		{"bookmark", State{}, Bookmark, 0, 0, 0, 1, 0.8, func(s State) bool { return s.BookmarkedAt != nil }},
		{"hide", State{}, Hide, 0, 0, 0, 0, -1.5, func(s State) bool { return s.HiddenAt != nil }},
		{"unhide without hiding", State{}, Unhide, 0, 0, 0, 0, 0, nil},
		{"share", State{}, Share, 0, 0, 0, 0, 1.2, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Apply(tc.state, tc.kind, tc.dwell, now)
			if c.Views != tc.views || c.Likes != tc.likes || c.Bookmarks != tc.bookmarks {
				t.Errorf("counters %d/%d/%d, want %d/%d/%d", c.Views, c.Likes, c.Bookmarks, tc.views, tc.likes, tc.bookmarks)
			}
			if math.Abs(c.Signal-tc.signal) > 1e-9 {
				t.Errorf("signal %g, want %g", c.Signal, tc.signal)
			}
			if tc.check != nil && !tc.check(c.State) {
				t.Errorf("state %+v", c.State)
			}
		})
	}
}

func TestDecayAndAffinity(t *testing.T) {
	if got := Decay(2, DecayTime); math.Abs(got-2/math.E) > 1e-9 {
		t.Errorf("a score decays to 1/e after DecayTime: got %g", got)
	}
	if Decay(2, -time.Hour) != 2 {
		t.Error("a score from the future must not grow")
	}
	if a := Affinity(0); a != 0 {
		t.Errorf("no signal is no affinity: %g", a)
	}
	if a := Affinity(30); a <= 0.99 || a >= 1 {
		t.Errorf("many strong signals approach 1: %g", a)
	}
	if a := Affinity(-3); a >= 0 {
		t.Errorf("negative signals give a negative affinity: %g", a)
	}
}
