package graph

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/relay"
)

// loadNodes starts loading every ID through the loaders, so objects of one type share a batch,
// and returns one thunk per ID. A malformed ID fails its own thunk only.
func (r *Resolver) loadNodes(ctx context.Context, ids []string, field string) []func() (model.Node, error) {
	l := loaders.For(ctx)
	withBody := selects(ctx, "body")
	out := make([]func() (model.Node, error), len(ids))
	for i, gid := range ids {
		typ, id, err := relay.ParseID(field, gid)
		switch {
		case err != nil:
			out[i] = func() (model.Node, error) { return nil, err }
		case typ == relay.TypeUser:
			out[i] = asNode(l.UserByID.Load(ctx, id))
		case typ == relay.TypeTopic:
			out[i] = asNode(l.TopicByID.Load(ctx, id))
		case typ == relay.TypeAPIKey:
			out[i] = r.viewerAPIKey(ctx, id)
		case typ == relay.TypeNotification:
			n, err := r.Notify.Notification(ctx, access.ViewerFrom(ctx), id)
			out[i] = asNode(func() (*notify.Notification, error) { return n, err })
		case typ == relay.TypeWebhook:
			w, err := r.Notify.Webhook(ctx, access.ViewerFrom(ctx), id)
			out[i] = asNode(func() (*notify.Webhook, error) { return w, err })
		case typ == relay.TypeWebhookDelivery:
			out[i] = func() (model.Node, error) { return nil, nil }
		default:
			out[i] = asNode(l.ContentByID.Load(ctx, loaders.ContentKey{ID: id, Fields: content.FieldsWithBody(withBody)}))
		}
	}
	return out
}

// asNode turns a loader's thunk into one that yields a Node, and a nil Node (not a typed nil)
// for a missing object.
func asNode[T any](thunk func() (*T, error)) func() (model.Node, error) {
	return func() (model.Node, error) {
		v, err := thunk()
		if err != nil || v == nil {
			return nil, err
		}
		return v, nil
	}
}

// loadAll loads every key through l and drops the ones that no longer exist.
func loadAll[V any](ctx context.Context, l *dataloader.Loader[int64, *V], ids []int64) ([]*V, error) {
	values, err := loaders.GetMany(ctx, l, ids)
	if err != nil {
		return nil, err
	}
	out := make([]*V, 0, len(values))
	for _, v := range values {
		if v != nil {
			out = append(out, v)
		}
	}
	return out, nil
}

// viewerAPIKey finds one of the viewer's own API keys; anyone else's is not there.
func (r *Resolver) viewerAPIKey(ctx context.Context, id int64) func() (model.Node, error) {
	v := access.ViewerFrom(ctx)
	if !auth.MayManageKeys(v) {
		return func() (model.Node, error) { return nil, nil }
	}
	thunk := loaders.For(ctx).APIKeysByUserID.Load(ctx, v.UserID)
	return func() (model.Node, error) {
		keys, err := thunk()
		for _, k := range keys {
			if k.ID == id {
				return k, err
			}
		}
		return nil, err
	}
}

// all waits for every thunk and returns their nodes in order, or the first error.
func all(thunks []func() (model.Node, error)) ([]model.Node, error) {
	out := make([]model.Node, len(thunks))
	for i, thunk := range thunks {
		n, err := thunk()
		if err != nil {
			return nil, err
		}
		out[i] = n
	}
	return out, nil
}
