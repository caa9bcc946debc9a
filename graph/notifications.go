package graph

import (
	"context"
	"time"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/relay"
)

// notificationPage reads one page of a user's notifications as a connection.
func (r *Resolver) notificationPage(ctx context.Context, userID int64, first *int, after *string, unreadOnly *bool) (*model.NotificationConnection, error) {
	p, err := pageArgs(first, after, nil, nil).Resolve(notify.NotificationOrder, r.Catalog.PageLimits())
	if err != nil {
		return nil, err
	}
	page, err := r.Notify.Notifications(ctx, access.ViewerFrom(ctx), userID, unreadOnly != nil && *unreadOnly, p)
	if err != nil {
		return nil, err
	}
	edges := make([]*model.NotificationEdge, len(page.Items))
	cursors := make([]string, len(page.Items))
	for i := range page.Items {
		n := &page.Items[i]
		cursors[i] = relay.Cursor{Order: notify.NotificationOrder, Key: n.UpdatedAt.Format(time.RFC3339Nano), ID: n.ID}.Encode()
		edges[i] = &model.NotificationEdge{Cursor: cursors[i], Node: n}
	}
	info := relay.NewPageInfo(p, page.More, cursors)
	return &model.NotificationConnection{Edges: edges, PageInfo: &info}, nil
}

// deliveryOrder names the order of delivery cursors.
const deliveryOrder = "deliveries"

// deliveryPage reads one page of a webhook's deliveries (every user's dead ones when w is nil)
// as a connection.
func (r *Resolver) deliveryPage(ctx context.Context, w *notify.Webhook, first *int, after *string) (*model.WebhookDeliveryConnection, error) {
	p, err := pageArgs(first, after, nil, nil).Resolve(deliveryOrder, r.Catalog.PageLimits())
	if err != nil {
		return nil, err
	}
	var page notify.DeliveryPage
	if w == nil {
		page, err = r.Notify.DeadDeliveries(ctx, access.ViewerFrom(ctx), p)
	} else {
		page, err = r.Notify.Deliveries(ctx, access.ViewerFrom(ctx), w, p)
	}
	if err != nil {
		return nil, err
	}
	edges := make([]*model.WebhookDeliveryEdge, len(page.Items))
	cursors := make([]string, len(page.Items))
	for i := range page.Items {
		d := &page.Items[i]
		cursors[i] = relay.Cursor{Order: deliveryOrder, ID: d.ID}.Encode()
		edges[i] = &model.WebhookDeliveryEdge{Cursor: cursors[i], Node: d}
	}
	info := relay.NewPageInfo(p, page.More, cursors)
	return &model.WebhookDeliveryConnection{Edges: edges, PageInfo: &info}, nil
}

// webhookInput turns a client's webhook fields into the service's input.
func webhookInput(url *string, events []notify.Event, description *string) notify.WebhookInput {
	return notify.WebhookInput{URL: url, Events: events, Description: description}
}

// webhookPayload hands back a webhook, or the refusal of the input; a webhook the viewer does
// not have is a refusal of its ID.
func webhookPayload(w *notify.Webhook, err error) (*model.WebhookPayload, error) {
	if err == nil && w == nil {
		err = apperr.FieldErrors{{Field: "id", Code: apperr.FieldNotFound, Message: "you have no webhook with this ID"}}
	}
	userErrs, err := userErrors(err)
	return &model.WebhookPayload{Webhook: w, UserErrors: userErrs}, err
}

// redeliverPayload hands back a delivery queued again, or the refusal of the input.
func redeliverPayload(d *notify.Delivery, err error) (*model.RedeliverWebhookPayload, error) {
	if err == nil && d == nil {
		err = apperr.FieldErrors{{Field: "deliveryId", Code: apperr.FieldNotFound, Message: "you have no delivery with this ID"}}
	}
	userErrs, err := userErrors(err)
	return &model.RedeliverWebhookPayload{Delivery: d, UserErrors: userErrs}, err
}

// markReadIDs decodes the notifications to mark read.
func markReadIDs(in model.MarkNotificationsReadInput) ([]int64, bool, error) {
	ids, err := parseIDs("input.ids", in.Ids, relay.TypeNotification)
	return ids, in.All != nil && *in.All, err
}

// deliveryID is a delivery's global ID.
func deliveryID(d *notify.Delivery) string { return relay.ID(relay.TypeWebhookDelivery, d.ID) }

// nextAttempt is when a pending delivery's next attempt is due.
func nextAttempt(d *notify.Delivery) *time.Time {
	if d.Status != notify.DeliveryPending {
		return nil
	}
	return &d.NextAttemptAt
}

// topicFilter decodes a subscription's topics, at most maxSubscribedTopics.
func topicFilter(gids []string) ([]int64, error) {
	if len(gids) > maxSubscribedTopics {
		return nil, apperr.Invalid("topicIds", "topicIds: subscribe to at most %d topics", maxSubscribedTopics)
	}
	return parseIDs("topicIds", gids, relay.TypeTopic)
}

// maxSubscribedTopics bounds contentPublished's topics.
const maxSubscribedTopics = 50

// notificationContent is the item a notification is about: the one the hub read for every
// live subscriber when it has every selected field, else read through the loaders.
func notificationContent(ctx context.Context, n *notify.Notification) (*content.Content, error) {
	if n.ContentID == nil {
		return nil, nil
	}
	fields := contentFields(ctx)
	if c := n.Content; c != nil && content.AllFields.Has(fields) && c.VisibleTo(access.ViewerFrom(ctx)) {
		return c, nil
	}
	return loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: *n.ContentID, Fields: fields})
}
