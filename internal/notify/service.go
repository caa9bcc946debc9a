package notify

import (
	"context"
	"errors"
	"slices"
	"strings"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
	"github.com/tailorhq/tailor/internal/webhook"
)

// Store keeps notifications and webhooks for the service.
type Store interface {
	Notifications(ctx context.Context, userID int64, unreadOnly bool, p relay.Page) ([]Notification, bool, error)
	NotificationByID(ctx context.Context, userID, id int64) (*Notification, error)
	UnreadCounts(ctx context.Context, userIDs []int64) ([]int, error)
	MarkRead(ctx context.Context, userID int64, ids []int64, all bool) (int, error)
	CreateWebhook(ctx context.Context, userID int64, url string, events []Event, description, secret string) (*Webhook, error)
	UpdateWebhook(ctx context.Context, userID, id int64, url *string, events []Event, description *string) (*Webhook, error)
	DeleteWebhook(ctx context.Context, userID, id int64) (*Webhook, error)
	Webhooks(ctx context.Context, userID int64, limit int) ([]*Webhook, error)
	Deliveries(ctx context.Context, userID, webhookID int64, p relay.Page) ([]Delivery, bool, error)
	Redeliver(ctx context.Context, userID, deliveryID int64) (*Delivery, error)
	DeadDeliveries(ctx context.Context, p relay.Page) ([]Delivery, bool, error)
}

// Limits bound what one person keeps.
const (
	// MaxWebhooks is how many webhooks one user may have.
	MaxWebhooks = 20
	// MaxMarkRead is how many notifications one markNotificationsRead names.
	MaxMarkRead = 100
	// MaxDescription is the longest webhook description.
	MaxDescription = 500
)

// Service answers the notification and webhook fields and mutations.
type Service struct {
	store        Store
	allowPrivate bool
}

// NewService returns the service; allowPrivate lets webhooks target loopback and private
// addresses (tests and the demo).
func NewService(store Store, allowPrivate bool) *Service {
	return &Service{store: store, allowPrivate: allowPrivate}
}

// Page is one page of notifications.
type Page struct {
	Items []Notification
	More  bool
	Page  relay.Page
}

// NotificationOrder names the order of notification cursors.
const NotificationOrder = "notifications"

// Notifications returns one page of the user's notifications; only the user may read them.
func (s *Service) Notifications(ctx context.Context, v access.Viewer, userID int64, unreadOnly bool, p relay.Page) (Page, error) {
	if !v.Owns(userID) {
		return Page{}, nil
	}
	items, more, err := s.store.Notifications(ctx, userID, unreadOnly, p)
	return Page{Items: items, More: more, Page: p}, err
}

// Notification returns one of v's own notifications, nil when v has no such one.
func (s *Service) Notification(ctx context.Context, v access.Viewer, id int64) (*Notification, error) {
	if v.Anonymous() {
		return nil, nil
	}
	return s.store.NotificationByID(ctx, v.UserID, id)
}

// UnreadCount returns how many of the user's notifications are unread; null for anyone else.
func (s *Service) UnreadCount(ctx context.Context, v access.Viewer, userID int64) (*int, error) {
	if !v.Owns(userID) {
		return nil, nil
	}
	n, err := s.store.UnreadCounts(ctx, []int64{userID})
	if err != nil {
		return nil, err
	}
	return &n[0], nil
}

// MarkRead marks the viewer's notifications read (ids, or all) and returns how many stay unread.
func (s *Service) MarkRead(ctx context.Context, v access.Viewer, ids []int64, all bool) (int, error) {
	if v.Anonymous() {
		return 0, apperr.New(apperr.Unauthenticated, "sign in to mark notifications read")
	}
	switch {
	case all && len(ids) > 0:
		return 0, apperr.FieldErrors{{Field: "ids", Code: apperr.FieldInvalid, Message: "give either ids or all: true, not both"}}
	case !all && len(ids) == 0:
		return 0, apperr.FieldErrors{{Field: "ids", Code: apperr.FieldRequired, Message: "name the notifications to mark read, or set all: true"}}
	case len(ids) > MaxMarkRead:
		return 0, apperr.FieldErrors{{Field: "ids", Code: apperr.FieldInvalid, Message: "mark at most 100 notifications read at once, or set all: true"}}
	}
	return s.store.MarkRead(ctx, v.UserID, ids, all)
}

// MayManageWebhooks reports whether v may list, create and change webhooks: people signed in,
// and API keys with the webhooks scope.
func MayManageWebhooks(v access.Viewer) bool {
	return !v.Anonymous() && (!v.ViaAPIKey() || v.Can(access.ScopeWebhooks))
}

func errWebhooksForbidden(v access.Viewer) error {
	if v.Anonymous() {
		return apperr.New(apperr.Unauthenticated, "sign in, or use an API key with the WEBHOOKS scope, to manage webhooks")
	}
	return apperr.New(apperr.Forbidden, "this API key lacks the WEBHOOKS scope")
}

// WebhookInput is a webhook to create, or the changes to one (nil fields stay).
type WebhookInput struct {
	URL         *string
	Events      []Event
	Description *string
}

func (s *Service) check(in WebhookInput, creating bool) (WebhookInput, error) {
	var errs apperr.FieldErrors
	if in.URL != nil {
		u := strings.TrimSpace(*in.URL)
		in.URL = &u
		if err := webhook.ValidateURL(u, s.allowPrivate); err != nil {
			reason := err.Error()
			var bad *webhook.InvalidURLError
			if errors.As(err, &bad) {
				reason = bad.Reason
			}
			errs.Add("url", apperr.FieldInvalid, "%s", reason)
		}
	} else if creating {
		errs.Add("url", apperr.FieldRequired, "give the URL Tailor should POST events to")
	}
	if in.Events != nil || creating {
		if len(in.Events) == 0 {
			errs.Add("events", apperr.FieldRequired, "name at least one event")
		}
		slices.Sort(in.Events)
		in.Events = slices.Compact(in.Events)
	}
	if in.Description != nil {
		d := strings.TrimSpace(*in.Description)
		in.Description = &d
		if len([]rune(d)) > MaxDescription {
			errs.Add("description", apperr.FieldTooLong, "a description is at most 500 characters")
		}
	}
	if len(errs) > 0 {
		return in, errs
	}
	return in, nil
}

// CreateWebhook makes a webhook for v's user and returns it with its signing secret, which is
// never shown again.
func (s *Service) CreateWebhook(ctx context.Context, v access.Viewer, in WebhookInput) (*Webhook, string, error) {
	if !MayManageWebhooks(v) {
		return nil, "", errWebhooksForbidden(v)
	}
	in, err := s.check(in, true)
	if err != nil {
		return nil, "", err
	}
	existing, err := s.store.Webhooks(ctx, v.UserID, MaxWebhooks)
	if err != nil {
		return nil, "", err
	}
	if len(existing) >= MaxWebhooks {
		return nil, "", apperr.FieldErrors{{Field: "url", Code: apperr.FieldInvalid, Message: "you have 20 webhooks, the most one account may have; delete one first"}}
	}
	secret, err := webhook.NewSecret()
	if err != nil {
		return nil, "", err
	}
	description := ""
	if in.Description != nil {
		description = *in.Description
	}
	w, err := s.store.CreateWebhook(ctx, v.UserID, *in.URL, in.Events, description, secret)
	return w, secret, err
}

// UpdateWebhook changes one of v's webhooks; nil when v has no such webhook.
func (s *Service) UpdateWebhook(ctx context.Context, v access.Viewer, id int64, in WebhookInput) (*Webhook, error) {
	if !MayManageWebhooks(v) {
		return nil, errWebhooksForbidden(v)
	}
	in, err := s.check(in, false)
	if err != nil {
		return nil, err
	}
	return s.store.UpdateWebhook(ctx, v.UserID, id, in.URL, in.Events, in.Description)
}

// DeleteWebhook deletes one of v's webhooks; nil when v has no such webhook.
func (s *Service) DeleteWebhook(ctx context.Context, v access.Viewer, id int64) (*Webhook, error) {
	if !MayManageWebhooks(v) {
		return nil, errWebhooksForbidden(v)
	}
	return s.store.DeleteWebhook(ctx, v.UserID, id)
}

// Webhooks lists the user's webhooks, newest first; only the user may.
func (s *Service) Webhooks(ctx context.Context, v access.Viewer, userID int64) ([]*Webhook, error) {
	if !v.Owns(userID) || !MayManageWebhooks(v) {
		return nil, nil
	}
	return s.store.Webhooks(ctx, userID, MaxWebhooks)
}

// Webhook returns one of v's webhooks, nil when v has no such one.
func (s *Service) Webhook(ctx context.Context, v access.Viewer, id int64) (*Webhook, error) {
	hooks, err := s.Webhooks(ctx, v, v.UserID)
	for _, w := range hooks {
		if w.ID == id {
			return w, err
		}
	}
	return nil, err
}

// DeliveryPage is one page of a webhook's deliveries.
type DeliveryPage struct {
	Items []Delivery
	More  bool
	Page  relay.Page
}

// Deliveries lists one page of a webhook's deliveries, newest first, for its owner.
func (s *Service) Deliveries(ctx context.Context, v access.Viewer, w *Webhook, p relay.Page) (DeliveryPage, error) {
	if !v.Owns(w.UserID) || !MayManageWebhooks(v) {
		return DeliveryPage{Page: p}, nil
	}
	items, more, err := s.store.Deliveries(ctx, w.UserID, w.ID, p)
	return DeliveryPage{Items: items, More: more, Page: p}, err
}

// Redeliver queues one of v's deliveries again, due now; nil when v has no such delivery.
func (s *Service) Redeliver(ctx context.Context, v access.Viewer, deliveryID int64) (*Delivery, error) {
	if !MayManageWebhooks(v) {
		return nil, errWebhooksForbidden(v)
	}
	return s.store.Redeliver(ctx, v.UserID, deliveryID)
}

// DeadDeliveries lists one page of every user's deliveries that failed for good; only admins
// may.
func (s *Service) DeadDeliveries(ctx context.Context, v access.Viewer, p relay.Page) (DeliveryPage, error) {
	if !v.HasRole(user.RoleAdmin) {
		return DeliveryPage{}, apperr.New(apperr.Forbidden, "only admins see every user's failed deliveries")
	}
	items, more, err := s.store.DeadDeliveries(ctx, p)
	return DeliveryPage{Items: items, More: more, Page: p}, err
}
