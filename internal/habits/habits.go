// Package habits turns what people do with content (views, likes, bookmarks, hides, shares)
// into standing state, popularity counters and slowly decaying affinities for topics and authors.
package habits

import (
	"math"
	"time"
)

// Kind is what a user did with an item.
type Kind string

// The interaction kinds.
const (
	View       Kind = "view"
	Like       Kind = "like"
	Unlike     Kind = "unlike"
	Bookmark   Kind = "bookmark"
	Unbookmark Kind = "unbookmark"
	Hide       Kind = "hide"
	Unhide     Kind = "unhide"
	Share      Kind = "share"
)

// MaxDwell bounds the dwell time one view may report.
const MaxDwell = 24 * time.Hour

// ViewWindow is how long after one view another view of the same item by the same person
// counts for nothing: reloading a page, or fifty views sent at once, is one view.
const ViewWindow = 30 * time.Minute

// DecayTime is the time constant of affinity decay: a signal keeps 1/e of its weight after it.
const DecayTime = 30 * 24 * time.Hour

// Decay returns a score of the given age worth, decayed to now.
func Decay(score float64, age time.Duration) float64 {
	if age <= 0 {
		return score
	}
	return score * math.Exp(-age.Seconds()/DecayTime.Seconds())
}

// The weight of a view: every view that counts is worth ViewSignal, and DwellSignal more in
// proportion to its dwell time, up to FullDwell.
const (
	ViewSignal  = 0.1
	DwellSignal = 0.3
	FullDwell   = 5 * time.Minute
)

// Kinds lists every interaction kind.
func Kinds() []Kind { return []Kind{View, Like, Unlike, Bookmark, Unbookmark, Hide, Unhide, Share} }

// KeptWithoutHabits reports whether k changes anything for someone who asked Tailor not to
// record their habits: likes, bookmarks and hides (and their undoing) still set the item's
// state, which their shelves and feed choices need; views and shares leave no trace.
func KeptWithoutHabits(k Kind) bool {
	switch k {
	case View, Share:
		return false
	}
	return true
}

// Toggles maps each kind that switches a state on to the kind that switches it off.
func Toggles() map[Kind]Kind { return map[Kind]Kind{Like: Unlike, Bookmark: Unbookmark, Hide: Unhide} }

// Signal is how much one interaction moves the user's affinity for the item's topics and
// author. Views count more the longer they lasted; toggles count only when they change state.
func Signal(k Kind, dwell time.Duration) float64 {
	switch k {
	case View:
		return ViewSignal + DwellSignal*math.Min(dwell.Seconds()/FullDwell.Seconds(), 1)
	case Like:
		return 1.0
	case Unlike:
		return -1.0
	case Bookmark:
		return 0.8
	case Unbookmark:
		return -0.8
	case Hide:
		return -1.5
	case Unhide:
		return 1.5
	case Share:
		return 1.2
	}
	return 0
}

// AffinityScale is the decayed score at which an affinity reaches tanh(1), about 0.76.
const AffinityScale = 3.0

// HabitShare is how much a habit counts next to a stated topic weight (which runs from -1 to 1).
const HabitShare = 0.5

// Affinity squashes a decayed score into (-1, 1): a handful of strong signals approach 1.
func Affinity(decayed float64) float64 { return math.Tanh(decayed / AffinityScale) }

// TopicInterest is a viewer's interest in a topic: the weight they stated for it plus the
// share of their habits' affinity for it (decayed score decayed).
func TopicInterest(weight, decayed float64) float64 { return weight + HabitShare*Affinity(decayed) }

// State is a user's standing relation to one item.
type State struct {
	Views        int        `db:"views"`
	DwellMs      int64      `db:"dwell_ms"`
	ViewedAt     *time.Time `db:"viewed_at"`
	LikedAt      *time.Time `db:"liked_at"`
	BookmarkedAt *time.Time `db:"bookmarked_at"`
	HiddenAt     *time.Time `db:"hidden_at"`
}

// Change is what one interaction did: the new state, how the item's counters move and how
// much the user's affinities move (zero when a toggle changed nothing).
type Change struct {
	State     State
	Views     int
	Likes     int
	Bookmarks int
	Signal    float64
}

// Apply records interaction k (with its dwell time, for views) at instant now on state s.
// Repeated likes, bookmarks and hides change nothing and count once; a view within
// ViewWindow of the previous one adds its dwell time but counts for nothing else.
func Apply(s State, k Kind, dwell time.Duration, now time.Time) Change {
	c := Change{State: s}
	toggle := func(field **time.Time, on bool) bool {
		if (*field != nil) == on {
			return false
		}
		if on {
			t := now
			*field = &t
		} else {
			*field = nil
		}
		return true
	}
	changed := false
	switch k {
	case View:
		t := now
		changed = s.ViewedAt == nil || now.Sub(*s.ViewedAt) >= ViewWindow
		c.State.ViewedAt, c.State.DwellMs = &t, s.DwellMs+dwell.Milliseconds()
		if changed {
			c.State.Views, c.Views = s.Views+1, 1
		}
	case Like, Unlike:
		if changed = toggle(&c.State.LikedAt, k == Like); changed {
			c.Likes = map[bool]int{true: 1, false: -1}[k == Like]
		}
	case Bookmark, Unbookmark:
		if changed = toggle(&c.State.BookmarkedAt, k == Bookmark); changed {
			c.Bookmarks = map[bool]int{true: 1, false: -1}[k == Bookmark]
		}
	case Hide, Unhide:
		changed = toggle(&c.State.HiddenAt, k == Hide)
	case Share:
		changed = true
	}
	if changed {
		c.Signal = Signal(k, dwell)
	}
	return c
}

// ViewerState is what one person has done with one item, as a client sees it.
type ViewerState struct {
	ContentID  int64 `db:"content_id"`
	Viewed     bool  `db:"viewed"`
	Liked      bool  `db:"liked"`
	Bookmarked bool  `db:"bookmarked"`
	Hidden     bool  `db:"hidden"`
}
