package feed

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
)

// MaxItems is how many items one feed snapshot holds.
const MaxItems = 300

// The weights of the score's terms. Each term's share shows as a Reason.
const (
	topicWeight       = 1.5
	followedWeight    = 1.0
	authorWeight      = 0.6
	freshWeight       = 0.8
	freshTime         = 7 * 24 * time.Hour
	popularWeight     = 0.6
	popularSaturation = 8.0 // the popularity (log of weighted engagement) that earns the full share
	languageBonus     = 0.2
	languagePenalty   = -0.8
	kindBonus         = 0.3
	seenPenalty       = -0.7
	minShare          = 0.01
)

// Candidate is an item that may enter the feed, with what the viewer's profile says about it.
type Candidate struct {
	Content *content.Content
	// Popularity is the log of the item's weighted engagement.
	Popularity float64
	// TopicIDs are the item's topics; TopicWeights and TopicAffinities are, for each, the
	// viewer's stated weight and decayed habit score (zero when none).
	TopicIDs        []int64
	TopicWeights    []float64
	TopicAffinities []float64
	Followed        bool
	// AuthorAffinity is the viewer's decayed habit score for the author.
	AuthorAffinity float64
	// LanguageMatch and KindMatch are nil when the viewer states no preference.
	LanguageMatch *bool
	KindMatch     *bool
	Seen          bool
	// Liked and Bookmarked complete the viewer's state for the item.
	Liked, Bookmarked bool
}

// Item is one item of a feed page, with the viewer's state for it.
type Item struct {
	Content  *content.Content
	Position int
	Score    float64
	Reasons  []Reason
	Viewed   bool
	Liked    bool
	// Bookmarked tells whether the viewer bookmarked the item.
	Bookmarked bool
}

// Ranked is an item's place in a feed: its score and the reasons that sum to it.
type Ranked struct {
	ContentID int64
	Score     float64
	Reasons   []Reason
}

// Rank scores candidates for one viewer at instant now and returns the best MaxItems, best
// first (ties broken by newer ID), spread over topics and authors as d says. Anonymous feeds
// use freshness and popularity only.
func Rank(cands []Candidate, now time.Time, d Diversity) []Ranked {
	items := make([]placing, len(cands))
	for i := range cands {
		c := &cands[i]
		items[i] = placing{ranked: Ranked{ContentID: c.Content.ID, Score: score(*c, now)}, cand: c,
			topics: c.TopicIDs, author: c.Content.AuthorID}
	}
	return diversify(items, d, MaxItems, now)
}

// explain lists the terms of c's score, largest share first.
func explain(c Candidate, now time.Time) []Reason {
	rs := make([]Reason, 0, 6)
	terms(c, now, func(r Reason) { rs = append(rs, r) })
	slices.SortStableFunc(rs, func(a, b Reason) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	return rs
}

// score is the sum of the terms of c's score, as explain lists them.
func score(c Candidate, now time.Time) float64 {
	sum := 0.0
	terms(c, now, func(r Reason) { sum += r.Weight })
	return sum
}

// terms passes each term of c's score to emit, rounded, leaving out those too small to show.
func terms(c Candidate, now time.Time, emit func(Reason)) {
	add := func(r Reason) {
		if math.Abs(r.Weight) >= minShare {
			r.Weight = round4(r.Weight)
			emit(r)
		}
	}
	bestTopic, worstTopic := int64(0), int64(0)
	best, worst := 0.0, 0.0
	for i, t := range c.TopicIDs {
		pref := habits.TopicInterest(c.TopicWeights[i], c.TopicAffinities[i])
		if pref > best {
			best, bestTopic = pref, t
		}
		if pref < worst {
			worst, worstTopic = pref, t
		}
	}
	if bestTopic != 0 {
		add(Reason{Kind: LikedTopic, TopicID: bestTopic, Weight: topicWeight * best, Value: round(best)})
	}
	if worstTopic != 0 {
		add(Reason{Kind: DislikedTopic, TopicID: worstTopic, Weight: topicWeight * worst, Value: round(worst)})
	}
	if c.Followed {
		add(Reason{Kind: FollowedAuthor, AuthorID: c.Content.AuthorID, Weight: followedWeight})
	}
	if a := habits.Affinity(c.AuthorAffinity); a > 0 {
		add(Reason{Kind: AuthorAffinity, AuthorID: c.Content.AuthorID, Weight: authorWeight * a, Value: round(a)})
	}
	age := now.Sub(c.Content.SortedAt)
	add(Reason{Kind: Fresh, Weight: freshWeight * math.Exp(-math.Max(age.Hours(), 0)/freshTime.Hours())})
	add(Reason{Kind: Popular, Weight: popularWeight * math.Min(c.Popularity/popularSaturation, 1)})
	if c.LanguageMatch != nil {
		if *c.LanguageMatch {
			add(Reason{Kind: PreferredLanguage, Weight: languageBonus})
		} else {
			add(Reason{Kind: OtherLanguage, Weight: languagePenalty})
		}
	}
	if c.KindMatch != nil && *c.KindMatch {
		add(Reason{Kind: PreferredKind, Weight: kindBonus})
	}
	if c.Seen {
		add(Reason{Kind: AlreadySeen, Weight: seenPenalty})
	}
}

func round(x float64) float64 { return math.Round(x*100) / 100 }

func ago(d time.Duration) string {
	switch {
	case d < time.Hour:
		return "within the hour"
	case d < 48*time.Hour:
		return fmt.Sprintf("%d hours ago", int(d.Hours()))
	default:
		return fmt.Sprintf("%d days ago", int(d.Hours()/24))
	}
}
