// Package notify tells people what happened that they care about, through the channels they
// chose: in-app notifications, live subscriptions, email (at once or in a digest) and, for
// integrators, signed webhooks. Events are written to an outbox in the transaction of their
// cause; a worker fans each out to its audience and delivers what must leave the database.
package notify

import (
	"time"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/user"
)

// Kind is what a notification is about.
type Kind string

// The notification kinds.
const (
	// KindContentPublished: an item was published under a topic the user likes.
	KindContentPublished Kind = "content_published"
	// KindFollowedAuthorPublished: an author the user follows published an item.
	KindFollowedAuthorPublished Kind = "followed_author_published"
	// KindNewFollower: someone started following the user.
	KindNewFollower Kind = "new_follower"
	// KindContentLiked: people liked one of the user's items (one notification per item while
	// it is unread, counting them).
	KindContentLiked Kind = "content_liked"
)

// Kinds lists every kind.
func Kinds() []Kind {
	return []Kind{KindContentPublished, KindFollowedAuthorPublished, KindNewFollower, KindContentLiked}
}

// Notification is one thing a user is told in the app.
type Notification struct {
	ID     int64 `db:"id"`
	UserID int64 `db:"user_id"`
	// EventID is the outbox event that last changed it; live messages carry it.
	EventID   int64      `db:"event_id"`
	Kind      Kind       `db:"kind"`
	ContentID *int64     `db:"content_id"`
	ActorID   *int64     `db:"actor_id"`
	Count     int        `db:"count"`
	CreatedAt time.Time  `db:"created_at"`
	UpdatedAt time.Time  `db:"updated_at"`
	ReadAt    *time.Time `db:"read_at"`
	// Content and Actor, when set, were read once for every live subscriber of the event
	// (as anyone may see them); requests read them through their own loaders.
	Content *content.Content `db:"-"`
	Actor   *user.User       `db:"-"`
}

// Event is what a webhook can be told about.
type Event string

// The webhook events.
const (
	// EventContentPublished: an item the webhook's owner may see was published.
	EventContentPublished Event = "content.published"
	// EventNewFollower: someone started following the webhook's owner.
	EventNewFollower Event = "user.followed"
	// EventContentLiked: someone liked one of the owner's items.
	EventContentLiked Event = "content.liked"
)

// Events lists every webhook event.
func Events() []Event { return []Event{EventContentPublished, EventNewFollower, EventContentLiked} }

// Webhook is an integrator's endpoint. Its secret is shown once, when it is created.
type Webhook struct {
	ID          int64     `db:"id"`
	UserID      int64     `db:"user_id"`
	URL         string    `db:"url"`
	Events      []Event   `db:"-"`
	Description string    `db:"description"`
	CreatedAt   time.Time `db:"created_at"`
	UpdatedAt   time.Time `db:"updated_at"`
}

// DeliveryStatus is where a delivery stands.
type DeliveryStatus string

// The delivery statuses.
const (
	DeliveryPending   DeliveryStatus = "pending"
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryDead      DeliveryStatus = "dead"
)

// Delivery is one mail or webhook call, with what its last attempt gave.
type Delivery struct {
	ID            int64          `db:"id"`
	UserID        int64          `db:"user_id"`
	EventID       int64          `db:"event_id"`
	Channel       string         `db:"channel"`
	WebhookID     *int64         `db:"webhook_id"`
	Status        DeliveryStatus `db:"status"`
	Attempts      int            `db:"attempts"`
	NextAttemptAt time.Time      `db:"next_attempt_at"`
	StatusCode    *int           `db:"last_status_code"`
	Error         *string        `db:"last_error"`
	LatencyMs     *int           `db:"last_latency_ms"`
	CreatedAt     time.Time      `db:"created_at"`
	DeliveredAt   *time.Time     `db:"delivered_at"`
}

// TopicWeightToNotify is the stated topic weight from which a user hears of new items under
// that topic.
const TopicWeightToNotify = 0.5
