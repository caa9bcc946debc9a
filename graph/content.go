package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/tailorhq/tailor/graph/tree"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
	"github.com/vektah/gqlparser/v2/ast"
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
	full, err := loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: c.ID, Fields: content.FieldBody})
	if err != nil || full == nil {
		return nil, err
	}
	return full.Body, nil
}

// contentByID loads the item a global ID given in field names, as the viewer may see it.
func (r *Resolver) contentByID(ctx context.Context, field, gid string) (*content.Content, error) {
	id, err := relay.ParseIDOf(field, gid, relay.TypeContent)
	if err != nil {
		return nil, err
	}
	return loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: id, Fields: contentFields(ctx)})
}

// contentFields returns what to read of the items selected at path below the current field
// (the field itself when path is empty).
func contentFields(ctx context.Context, path ...string) content.Fields {
	fc, oc := graphql.GetFieldContext(ctx), graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return content.FieldsWithBody(true)
	}
	sel := fc.Field.Selections
	for _, name := range path {
		var next ast.SelectionSet
		for _, f := range graphql.CollectFields(oc, sel, nil) {
			if f.Name == name {
				next = append(next, f.Selections...)
			}
		}
		sel = next
	}
	return tree.ContentFields(oc, sel)
}

// contentBySlug finds an item by slug as the viewer may see it, reading its author with it
// when the author is selected.
func (r *Resolver) contentBySlug(ctx context.Context, slug string) (*content.Content, error) {
	v, fields := access.ViewerFrom(ctx), contentFields(ctx)
	if !selects(ctx, "author") {
		return r.Catalog.BySlug(ctx, v, slug, fields)
	}
	c, author, err := r.Catalog.BySlugWithAuthor(ctx, v, slug, fields)
	if author != nil {
		loaders.For(ctx).UserByID.Prime(ctx, author.ID, author)
	}
	return c, err
}

// userByID loads the user a global ID names.
func userByID(ctx context.Context, gid string) (*user.User, error) {
	id, err := relay.ParseIDOf("id", gid, relay.TypeUser)
	if err != nil {
		return nil, err
	}
	return loaders.Get(ctx, loaders.For(ctx).UserByID, id)
}
