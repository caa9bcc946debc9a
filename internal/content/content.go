// Package content holds what Tailor serves: content items, the topics they belong to, and the
// rules for listing them.
package content

import (
	"time"

	"github.com/tailorhq/tailor/internal/access"
)

// Kind is the form of a content item.
type Kind string

// The content kinds.
const (
	KindArticle Kind = "article"
	KindVideo   Kind = "video"
	KindPodcast Kind = "podcast"
	KindLink    Kind = "link"
)

// Valid reports whether k is one of the content kinds.
func (k Kind) Valid() bool {
	switch k {
	case KindArticle, KindVideo, KindPodcast, KindLink:
		return true
	}
	return false
}

// Status is where a content item is in its life.
type Status string

// The content statuses.
const (
	StatusDraft     Status = "draft"
	StatusScheduled Status = "scheduled"
	StatusPublished Status = "published"
	StatusArchived  Status = "archived"
)

// Visibility is who a published content item is for.
type Visibility string

// The visibilities.
const (
	VisibilityPublic  Visibility = "public"
	VisibilityMembers Visibility = "members"
	VisibilityPrivate Visibility = "private"
)

// Valid reports whether v is one of the visibilities.
func (v Visibility) Valid() bool {
	switch v {
	case VisibilityPublic, VisibilityMembers, VisibilityPrivate:
		return true
	}
	return false
}

// Content is one item: an article, video, podcast or link. Its body is read only when asked for.
type Content struct {
	ID          int64      `db:"id"`
	Slug        string     `db:"slug"`
	AuthorID    int64      `db:"author_id"`
	Title       string     `db:"title"`
	Summary     string     `db:"summary"`
	Kind        Kind       `db:"kind"`
	Language    string     `db:"language"`
	Status      Status     `db:"status"`
	Visibility  Visibility `db:"visibility"`
	PublishedAt *time.Time `db:"published_at"`
	CreatedAt   time.Time  `db:"created_at"`
	UpdatedAt   time.Time  `db:"updated_at"`
	SortedAt    time.Time  `db:"sorted_at"`
	// Views, Likes and Bookmarks are the maintained engagement counters.
	Views     int64 `db:"view_count"`
	Likes     int64 `db:"like_count"`
	Bookmarks int64 `db:"bookmark_count"`
	// Body is read only when a client asks for it; nil means it was not read.
	Body *string `db:"body"`
}

// Listed reports whether c is on public lists: published, and not private.
func (c *Content) Listed() bool {
	return c.Status == StatusPublished && c.Visibility != VisibilityPrivate
}

// VisibleTo reports whether v may see c (an item that is not deleted): listed items are open
// to everyone; the rest to their author, editors and admins. An API key without content:read
// sees what an anonymous visitor sees.
func (c *Content) VisibleTo(v access.Viewer) bool {
	v = v.ForContent()
	return c.Listed() || v.Owns(c.AuthorID) || v.SeesEverything()
}

// BodyOpenTo reports whether v may read the body of c, once c itself is visible to v:
// members-only bodies are for members, the author, editors and admins.
func (c *Content) BodyOpenTo(v access.Viewer) bool {
	v = v.ForContent()
	if c.Visibility != VisibilityMembers {
		return true
	}
	return v.IsMember() || v.Owns(c.AuthorID) || v.SeesEverything()
}

// Topic is a subject that content is filed under.
type Topic struct {
	ID          int64     `db:"id"`
	Slug        string    `db:"slug"`
	Name        string    `db:"name"`
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
}

// OrderField is the key a content list is sorted by.
type OrderField string

// The content orderings.
const (
	OrderPublishedAt OrderField = "published_at"
	OrderTitle       OrderField = "title"
)

// Order is a sort key and direction; ties are broken by ID in the same direction.
type Order struct {
	Field      OrderField
	Descending bool
}

// NewestFirst is the default ordering: the most recently published items first.
func NewestFirst() Order { return Order{Field: OrderPublishedAt, Descending: true} }

// Name identifies the ordering inside a cursor so a cursor from one ordering is refused by another.
func (o Order) Name() string {
	if o.Descending {
		return string(o.Field) + "-desc"
	}
	return string(o.Field) + "-asc"
}

// Filter narrows a content list. Empty fields do not filter.
type Filter struct {
	TopicIDs  []int64
	AuthorIDs []int64
	Kinds     []Kind
	Languages []string
	Statuses  []Status
}
