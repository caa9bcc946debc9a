// Package graph is Tailor's GraphQL layer: thin resolvers over the services of internal/,
// the HTTP handler, the operation limits and the error presenter. Files named *.generated.go
// are written by gqlgen.
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
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// ContentLister answers content and topic lists.
type ContentLister interface {
	List(ctx context.Context, v access.Viewer, r content.ListRequest) (content.List, content.Filter, error)
	Count(ctx context.Context, v access.Viewer, f content.Filter) (int, error)
	BySlug(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, error)
	BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, *user.User, error)
	Topics(ctx context.Context, args relay.PageArgs) (content.TopicList, error)
	CountTopics(ctx context.Context) (int, error)
	TopicBySlug(ctx context.Context, slug string) (*content.Topic, error)
	PageLimits() relay.Limits
}

// Searcher searches the catalogue.
type Searcher interface {
	Search(ctx context.Context, v access.Viewer, text string, first *int, after *string, f content.Fields) (search.Page, error)
}

// PreferenceKeeper keeps people's preferences and follows.
type PreferenceKeeper interface {
	ByHandle(ctx context.Context, handle string) (*user.User, error)
	UpdatePreferences(ctx context.Context, userID int64, p user.PreferencesPatch) (*user.Preferences, error)
	Follow(ctx context.Context, follower, author int64) error
	Unfollow(ctx context.Context, follower, author int64) error
}

// HabitRecorder records interactions and lists shelves.
type HabitRecorder interface {
	Record(ctx context.Context, v access.Viewer, contentID int64, k habits.Kind, dwellMs *int) error
	Shelf(ctx context.Context, v access.Viewer, userID int64, s habits.Shelf, first *int, after *string) (habits.ShelfPage, error)
	ShelfCount(ctx context.Context, v access.Viewer, userID int64, s habits.Shelf) (int, error)
}

// FeedRanker ranks viewers' feeds.
type FeedRanker interface {
	Page(ctx context.Context, v access.Viewer, first *int, after *string) (feed.Page, error)
}

// ContentEditor writes content.
type ContentEditor interface {
	Create(ctx context.Context, v access.Viewer, d content.Draft) (*content.Content, error)
	Update(ctx context.Context, v access.Viewer, id int64, p content.Patch) (*content.Content, error)
	Publish(ctx context.Context, v access.Viewer, id int64, at *time.Time) (*content.Content, error)
	Delete(ctx context.Context, v access.Viewer, id int64) error
}

// Notifier answers notifications and webhooks.
type Notifier interface {
	Notifications(ctx context.Context, v access.Viewer, userID int64, unreadOnly bool, p relay.Page) (notify.Page, error)
	Notification(ctx context.Context, v access.Viewer, id int64) (*notify.Notification, error)
	UnreadCount(ctx context.Context, v access.Viewer, userID int64) (*int, error)
	MarkRead(ctx context.Context, v access.Viewer, ids []int64, all bool) (int, error)
	Webhooks(ctx context.Context, v access.Viewer, userID int64) ([]*notify.Webhook, error)
	Webhook(ctx context.Context, v access.Viewer, id int64) (*notify.Webhook, error)
	CreateWebhook(ctx context.Context, v access.Viewer, in notify.WebhookInput) (*notify.Webhook, string, error)
	UpdateWebhook(ctx context.Context, v access.Viewer, id int64, in notify.WebhookInput) (*notify.Webhook, error)
	DeleteWebhook(ctx context.Context, v access.Viewer, id int64) (*notify.Webhook, error)
	Deliveries(ctx context.Context, v access.Viewer, w *notify.Webhook, p relay.Page) (notify.DeliveryPage, error)
	Redeliver(ctx context.Context, v access.Viewer, deliveryID int64) (*notify.Delivery, error)
	DeadDeliveries(ctx context.Context, v access.Viewer, p relay.Page) (notify.DeliveryPage, error)
}

// PrivacyKeeper exports and erases the viewer's own data.
type PrivacyKeeper interface {
	Export(ctx context.Context, v access.Viewer) (string, error)
	DeleteAccount(ctx context.Context, v access.Viewer, password string) error
}

// LiveEvents streams what happens to subscribers.
type LiveEvents interface {
	Notifications(ctx context.Context, v access.Viewer) *notify.Subscription[*notify.Notification]
	Published(ctx context.Context, v access.Viewer, topics []int64) *notify.Subscription[*content.Content]
}

// Services are what the resolvers call; cmd/tailor wires them over the stores.
type Services struct {
	Catalog  ContentLister
	Searcher Searcher
	People   PreferenceKeeper
	Habits   HabitRecorder
	Ranker   FeedRanker
	Editor   ContentEditor
	Notify   Notifier
	Live     LiveEvents
	Privacy  PrivacyKeeper
	// Auth signs people in and out, manages API keys and identifies every request's viewer.
	Auth *auth.Service
}

// Resolver holds what the resolvers depend on. Relations go through loaders.For(ctx).
type Resolver struct {
	Services
}
