// Package feed ranks the content a viewer may see and explains every choice.
package feed

import (
	"fmt"
	"time"

	"github.com/tailorhq/tailor/internal/content"
)

// ReasonKind is why an item is in a feed.
type ReasonKind string

// The reason kinds.
const (
	LikedTopic        ReasonKind = "liked_topic"
	DislikedTopic     ReasonKind = "disliked_topic"
	FollowedAuthor    ReasonKind = "followed_author"
	AuthorAffinity    ReasonKind = "author_affinity"
	Fresh             ReasonKind = "fresh"
	Popular           ReasonKind = "popular"
	PreferredLanguage ReasonKind = "preferred_language"
	OtherLanguage     ReasonKind = "other_language"
	PreferredKind     ReasonKind = "preferred_kind"
	AlreadySeen       ReasonKind = "already_seen"
	RepeatedTopic     ReasonKind = "repeated_topic"
	RepeatedAuthor    ReasonKind = "repeated_author"
)

// ReasonKinds lists every reason kind; an item carries at most one reason of each. Stored
// feeds name a kind by its place in this list: new kinds go at the end.
func ReasonKinds() []ReasonKind {
	return []ReasonKind{LikedTopic, DislikedTopic, FollowedAuthor, AuthorAffinity, Fresh, Popular,
		PreferredLanguage, OtherLanguage, PreferredKind, AlreadySeen, RepeatedTopic, RepeatedAuthor}
}

// repeated explains a repetition penalty for n items above: one, or many.
func repeated(n float64, one, many string) string {
	if n == 1 {
		return "An item placed above it " + one + "; pushed down to vary the feed"
	}
	return fmt.Sprintf("%d items placed above it %s; pushed down to vary the feed", int(n), many)
}

// Reason is one term of an item's score. Stored feeds keep the compact fields; the
// explanation is written again when a page is read.
type Reason struct {
	Kind     ReasonKind `json:"k"`
	Weight   float64    `json:"w"`
	TopicID  int64      `json:"t,omitempty"`
	AuthorID int64      `json:"a,omitempty"`
	// Value is the preference or affinity behind a topic or author reason.
	Value       float64 `json:"v,omitempty"`
	Explanation string  `json:"-"`
}

// Explain writes r's explanation for item c as seen at instant now.
func (r *Reason) Explain(c *content.Content, now time.Time) {
	switch r.Kind {
	case LikedTopic:
		r.Explanation = fmt.Sprintf("Filed under a topic you like (preference %.2f)", r.Value)
	case DislikedTopic:
		r.Explanation = fmt.Sprintf("Filed under a topic you dislike (preference %.2f)", r.Value)
	case FollowedAuthor:
		r.Explanation = "You follow the author"
	case AuthorAffinity:
		r.Explanation = fmt.Sprintf("You often engage with this author (affinity %.2f)", r.Value)
	case Fresh:
		r.Explanation = "Published " + ago(now.Sub(c.SortedAt))
	case Popular:
		r.Explanation = fmt.Sprintf("Popular: %d views, %d likes, %d bookmarks", c.Views, c.Likes, c.Bookmarks)
	case PreferredLanguage:
		r.Explanation = "In a language you read (" + c.Language + ")"
	case OtherLanguage:
		r.Explanation = "Not in a language you read (" + c.Language + ")"
	case PreferredKind:
		r.Explanation = "A kind of content you prefer (" + string(c.Kind) + ")"
	case AlreadySeen:
		r.Explanation = "You have seen it already"
	case RepeatedTopic:
		r.Explanation = repeated(r.Value, "shares its topic", "share its topic")
	case RepeatedAuthor:
		r.Explanation = repeated(r.Value, "is by the same author", "are by the same author")
	}
}
