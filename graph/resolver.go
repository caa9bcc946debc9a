// Package graph is Tailor's GraphQL layer: thin resolvers over the stores and loaders, the
// HTTP handler and the error presenter. Files named *.generated.go are written by gqlgen.
package graph

//go:generate go tool gqlgen generate

import (
	"context"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// ContentLister lists and finds content for a viewer.
type ContentLister interface {
	List(ctx context.Context, q postgres.ContentListQuery) (postgres.ContentList, error)
	Count(ctx context.Context, v access.Viewer, f content.Filter) (int, error)
	BySlug(ctx context.Context, v access.Viewer, slug string, withBody bool) (*content.Content, error)
}

// TopicLister lists and finds topics.
type TopicLister interface {
	List(ctx context.Context, p relay.Page) (postgres.TopicList, error)
	Count(ctx context.Context) (int, error)
	BySlug(ctx context.Context, slug string) (*content.Topic, error)
	IDsBySlugs(ctx context.Context, slugs []string) ([]int64, error)
}

// UserFinder finds users by handle.
type UserFinder interface {
	ByHandle(ctx context.Context, handle string) (*user.User, error)
}

// Resolver holds what the resolvers depend on. Relations go through loaders.For(ctx).
type Resolver struct {
	ContentStore ContentLister
	TopicStore   TopicLister
	UserStore    UserFinder
	// Auth signs people in and out and manages API keys.
	Auth *auth.Service
	// Editor writes content.
	Editor *content.Editor
	// PageSize bounds every connection's page.
	PageSize relay.Limits
}
