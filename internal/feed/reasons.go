// Package feed ranks the content a viewer may see and explains every choice.
package feed

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
)

// Reason is one term of an item's score.
type Reason struct {
	Kind        ReasonKind `json:"k"`
	Weight      float64    `json:"w"`
	TopicID     int64      `json:"t,omitempty"`
	AuthorID    int64      `json:"a,omitempty"`
	Explanation string     `json:"e"`
}
