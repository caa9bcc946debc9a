package graph

import (
	"context"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/relay"
)

// maxNodes bounds the IDs of one nodes() call.
const maxNodes = 100

func contentOrder(o *model.ContentOrder) content.Order {
	if o == nil {
		return content.NewestFirst()
	}
	return content.Order{Field: o.Field, Descending: o.Direction == nil || *o.Direction == model.OrderDirectionDesc}
}

func pageArgs(first *int, after *string, last *int, before *string) relay.PageArgs {
	return relay.PageArgs{First: first, After: after, Last: last, Before: before}
}

// filterRequest decodes the global IDs of a client's filter.
func filterRequest(f *model.ContentFilter) (content.FilterRequest, error) {
	if f == nil {
		return content.FilterRequest{}, nil
	}
	topics, err := parseIDs("filter.topicIds", f.TopicIds, relay.TypeTopic)
	if err != nil {
		return content.FilterRequest{}, err
	}
	authors, err := parseIDs("filter.authorIds", f.AuthorIds, relay.TypeUser)
	return content.FilterRequest{TopicIDs: topics, TopicSlugs: f.TopicSlugs, AuthorIDs: authors,
		Kinds: f.Kinds, Languages: f.Languages, Statuses: f.Statuses}, err
}

// contentConnection turns a page of content into its connection; cursors gives each item's
// cursor, and count computes totalCount when it is selected.
func contentConnection(items []*content.Content, cursors model.Cursors, p relay.Page, more bool, count func(context.Context) (int, error)) *model.ContentConnection {
	conn := &model.ContentConnection{Edges: model.NewContentEdges(items, cursors), Count: count}
	info := relay.NewPageInfo(p, more, nil)
	if n := len(items); n > 0 {
		first, last := cursors.Cursor(0), cursors.Cursor(n-1)
		info.StartCursor, info.EndCursor = &first, &last
	}
	conn.PageInfo = &info
	return conn
}

// listConnection is contentConnection for a content list in its own order.
func listConnection(l content.List, count func(context.Context) (int, error)) *model.ContentConnection {
	return contentConnection(l.Items, l, l.Page, l.More, count)
}

// listContents answers a top-level content list.
func (r *Resolver) listContents(ctx context.Context, req content.ListRequest) (*model.ContentConnection, error) {
	v := access.ViewerFrom(ctx)
	list, f, err := r.Catalog.List(ctx, v, req)
	if err != nil {
		return nil, err
	}
	return listConnection(list, func(ctx context.Context) (int, error) { return r.Catalog.Count(ctx, v, f) }), nil
}

// selects reports whether the current field's selection asks for field name at the end of
// path (for example "edges", "node", "body"), through fragments and @skip/@include.
func selects(ctx context.Context, path ...string) bool {
	fc := graphql.GetFieldContext(ctx)
	oc := graphql.GetOperationContext(ctx)
	if fc == nil || oc == nil {
		return false
	}
	type question struct {
		field *ast.Field
		path  string
	}
	compute := func() bool { return selectsIn(oc, fc.Field.Selections, path) }
	if l := loaders.For(ctx); l != nil {
		// The same field of every item of a list asks the same question: answer it once.
		return l.Remember(question{fc.Field.Field, strings.Join(path, ".")}, compute)
	}
	return compute()
}

func selectsIn(oc *graphql.OperationContext, set ast.SelectionSet, path []string) bool {
	for _, f := range graphql.CollectFields(oc, set, nil) {
		if f.Name != path[0] {
			continue
		}
		if len(path) == 1 || selectsIn(oc, f.Selections, path[1:]) {
			return true
		}
	}
	return false
}

// childContents resolves a paginated content list under a parent through its loaders.
func (r *Resolver) childContents(ctx context.Context, pages *dataloader.Loader[loaders.ChildPage, content.List], counts *dataloader.Loader[int64, int], parentID int64, args relay.PageArgs, orderBy *model.ContentOrder) (*model.ContentConnection, error) {
	order := contentOrder(orderBy)
	page, err := args.Resolve(order.CursorName(), r.Catalog.PageLimits())
	if err != nil {
		return nil, err
	}
	list, err := loaders.Get(ctx, pages, loaders.NewChildPage(parentID, order, page, content.FieldsWithBody(selects(ctx, "edges", "node", "body"))))
	if err != nil {
		return nil, err
	}
	return listConnection(list, func(ctx context.Context) (int, error) { return loaders.Get(ctx, counts, parentID) }), nil
}

// parseIDs decodes a list of global IDs of one type.
func parseIDs(field string, gids []string, typ string) ([]int64, error) {
	if gids == nil {
		return nil, nil
	}
	out := make([]int64, 0, len(gids))
	for _, gid := range gids {
		id, err := relay.ParseIDOf(field, gid, typ)
		if err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, nil
}

// topicConnection turns a page of topics into its connection.
func topicConnection(l content.TopicList, count func(context.Context) (int, error)) *model.TopicConnection {
	conn := &model.TopicConnection{Edges: make([]*model.TopicEdge, len(l.Items)), Count: count}
	cursors := make([]string, len(l.Items))
	for i, t := range l.Items {
		cursors[i] = t.Cursor()
		conn.Edges[i] = &model.TopicEdge{Cursor: cursors[i], Node: t}
	}
	info := relay.NewPageInfo(l.Page, l.More, cursors)
	conn.PageInfo = &info
	return conn
}
