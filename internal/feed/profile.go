package feed

import (
	"cmp"
	"slices"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
)

// likedTopics is how many of the viewer's best-liked topics give candidates.
const likedTopics = 8

// Profile is what a viewer has said and done that ranking reads, as of one instant.
type Profile struct {
	// TopicWeights are stated; TopicAffinities and AuthorAffinities are decayed habit scores.
	TopicWeights     map[int64]float64
	TopicAffinities  map[int64]float64
	AuthorAffinities map[int64]float64
	MutedTopics      map[int64]bool
	MutedAuthors     map[int64]bool
	// Followed holds the authors the viewer follows (the newest follows, as many as give
	// candidates).
	Followed map[int64]bool
	// States are the viewer's states for items, by item ID.
	States map[int64]State
	// Languages and Kinds are empty when the viewer states no preference.
	Languages []string
	Kinds     []content.Kind
	// Version changes whenever any of the above does (views aside): a ranking stored at one
	// version may be shown again only while it is current.
	Version int64
}

// State is a viewer's standing relation to an item, as ranking reads it.
type State struct {
	Seen, Liked, Bookmarked, Hidden bool
}

// likedTopics returns the viewer's best-liked topics, best first, of those liked at all.
func (p Profile) likedTopics() []int64 {
	interest := make(map[int64]float64, len(p.TopicWeights)+len(p.TopicAffinities))
	for t, w := range p.TopicWeights {
		interest[t] = habits.TopicInterest(w, p.TopicAffinities[t])
	}
	for t, a := range p.TopicAffinities {
		if _, stated := p.TopicWeights[t]; !stated {
			interest[t] = habits.TopicInterest(0, a)
		}
	}
	var liked []int64
	for t, x := range interest {
		if x > 0 {
			liked = append(liked, t)
		}
	}
	slices.SortFunc(liked, func(a, b int64) int {
		if c := cmp.Compare(interest[b], interest[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return liked[:min(len(liked), likedTopics)]
}

// candidates gathers viewer's candidates under p: the catalogue's global lists and the lists
// of the viewer's best-liked topics, and the newest items of followed authors (followedItems).
// The viewer's own items, hidden ones and those of a muted topic or author are left out.
func (p Profile) candidates(viewer int64, cat *Catalogue, followedItems []Listing) []Candidate {
	listings := slices.Clone(followedItems)
	listings = append(listings, cat.Listings[:cat.global]...)
	for _, t := range p.likedTopics() {
		listings = append(listings, cat.topic(t)...)
	}
	seen := make(map[int64]bool, len(listings))
	cands := make([]Candidate, 0, len(listings))
	for _, l := range listings {
		id, author := l.Content.ID, l.Content.AuthorID
		st := p.States[id]
		if seen[id] || author == viewer || st.Hidden || p.MutedAuthors[author] {
			continue
		}
		seen[id] = true
		cands = append(cands, Candidate{Content: l.Content, Popularity: l.Popularity, TopicIDs: l.TopicIDs,
			Followed: p.Followed[author], AuthorAffinity: p.AuthorAffinities[author],
			Seen: st.Seen, Liked: st.Liked, Bookmarked: st.Bookmarked})
	}
	return p.apply(cands)
}

// apply completes cands with what p says of each, leaving out the items of a muted topic.
func (p Profile) apply(cands []Candidate) []Candidate {
	yes, no := true, false
	match := func(ok bool) *bool {
		if ok {
			return &yes
		}
		return &no
	}
	n := 0
	for _, c := range cands {
		n += len(c.TopicIDs)
	}
	values := make([]float64, 2*n)
	out := cands[:0]
	for _, c := range cands {
		k := len(c.TopicIDs)
		c.TopicWeights, c.TopicAffinities, values = values[:k:k], values[k:2*k:2*k], values[2*k:]
		muted := false
		for i, t := range c.TopicIDs {
			muted = muted || p.MutedTopics[t]
			c.TopicWeights[i], c.TopicAffinities[i] = p.TopicWeights[t], p.TopicAffinities[t]
		}
		if muted {
			continue
		}
		if len(p.Languages) > 0 {
			c.LanguageMatch = match(slices.Contains(p.Languages, c.Content.Language))
		}
		if len(p.Kinds) > 0 {
			c.KindMatch = match(slices.Contains(p.Kinds, c.Content.Kind))
		}
		out = append(out, c)
	}
	return out
}
