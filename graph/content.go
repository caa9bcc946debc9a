package graph

import (
	"context"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/relay"
)

// body returns an item's body when the viewer may read it, reading it when the item was
// loaded without it.
func body(ctx context.Context, c *content.Content) (*string, error) {
	if !c.BodyOpenTo(access.ViewerFrom(ctx)) {
		return nil, nil
	}
	if c.Body != nil {
		return c.Body, nil
	}
	full, err := loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: c.ID, WithBody: true})
	if err != nil || full == nil {
		return nil, err
	}
	return full.Body, nil
}

// contentByID loads the item a global ID given in field names, as the viewer may see it.
func (r *Resolver) contentByID(ctx context.Context, field, gid string, withBody bool) (*content.Content, error) {
	id, err := relay.ParseIDOf(field, gid, relay.TypeContent)
	if err != nil {
		return nil, err
	}
	return loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: id, WithBody: withBody})
}

// contentBySlug finds an item by slug as the viewer may see it, reading its author with it
// when the author is selected.
func (r *Resolver) contentBySlug(ctx context.Context, slug string) (*content.Content, error) {
	v, withBody := access.ViewerFrom(ctx), selects(ctx, "body")
	if !selects(ctx, "author") {
		return r.Catalog.BySlug(ctx, v, slug, withBody)
	}
	c, author, err := r.Catalog.BySlugWithAuthor(ctx, v, slug, withBody)
	if author != nil {
		loaders.For(ctx).UserByID.Prime(ctx, author.ID, author)
	}
	return c, err
}
