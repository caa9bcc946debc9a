package feed

import (
	"slices"

	"github.com/tailorhq/tailor/internal/content"
)

// Profile is what ranking reads of a viewer beyond each item: stated topic weights, decayed
// topic habits, muted topics and preferred languages and kinds.
type Profile struct {
	TopicWeights    map[int64]float64
	TopicAffinities map[int64]float64
	MutedTopics     map[int64]bool
	// Languages and Kinds are empty when the viewer states no preference.
	Languages []string
	Kinds     []content.Kind
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
	out := cands[:0]
	for _, c := range cands {
		muted := false
		c.TopicWeights = make([]float64, len(c.TopicIDs))
		c.TopicAffinities = make([]float64, len(c.TopicIDs))
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
