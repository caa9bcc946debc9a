// Package graph is Tailor's GraphQL layer: thin resolvers over the stores and loaders, the
// HTTP handler and the error presenter. Files named *.generated.go are written by gqlgen.
package graph

//go:generate go tool gqlgen generate

import (
	"context"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// ContentLister lists and finds content for a viewer.
type ContentLister interface {
	List(ctx context.Context, q postgres.ContentListQuery) (postgres.ContentList, error)
	Count(ctx context.Context, v access.Viewer, f content.Filter) (int, error)
	BySlug(ctx context.Context, v access.Viewer, slug string, withBody bool) (*content.Content, error)
	BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, withBody bool) (*content.Content, *user.User, error)
	ShelfPage(ctx context.Context, v access.Viewer, userID int64, s postgres.Shelf, p relay.Page) ([]postgres.ShelfItem, bool, error)
	ShelfCount(ctx context.Context, v access.Viewer, userID int64, s postgres.Shelf) (int, error)
	Search(ctx context.Context, q postgres.SearchQuery) (postgres.SearchPage, error)
}

// TopicLister lists and finds topics.
type TopicLister interface {
	List(ctx context.Context, p relay.Page) (postgres.TopicList, error)
	Count(ctx context.Context) (int, error)
	BySlug(ctx context.Context, slug string) (*content.Topic, error)
	IDsBySlugs(ctx context.Context, slugs []string) ([]int64, error)
}

// UserKeeper finds users and keeps their preferences and follows.
type UserKeeper interface {
	ByHandle(ctx context.Context, handle string) (*user.User, error)
	PreferencesByUserIDs(ctx context.Context, ids []int64) ([]*user.Preferences, error)
	UpdatePreferences(ctx context.Context, userID int64, p user.PreferencesPatch) error
	Follow(ctx context.Context, follower, author int64) error
	Unfollow(ctx context.Context, follower, author int64) error
}

// HabitRecorder records interactions.
type HabitRecorder interface {
	Record(ctx context.Context, v access.Viewer, contentID int64, k habits.Kind, dwell time.Duration) error
}

// Resolver holds what the resolvers depend on. Relations go through loaders.For(ctx).
type Resolver struct {
	ContentStore ContentLister
	TopicStore   TopicLister
	UserStore    UserKeeper
	// Auth signs people in and out and manages API keys.
	Auth *auth.Service
	// Editor writes content.
	Editor *content.Editor
	// Habits records interactions.
	Habits HabitRecorder
	// Feed ranks viewers' feeds.
	FeedRanker *feed.Service
	// PageSize bounds every connection's page.
	PageSize relay.Limits
}
