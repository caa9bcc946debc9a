package graph

import (
	"context"
	"regexp"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/graph-gophers/dataloader/v7"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

// maxFilterValues bounds each list in a filter, and maxNodes the IDs of one nodes() call.
const (
	maxFilterValues = 50
	maxNodes        = 100
)

var languageCode = regexp.MustCompile(`^[a-z]{2}$`)

func contentOrder(o *model.ContentOrder) content.Order {
	if o == nil {
		return content.NewestFirst()
	}
	return content.Order{Field: o.Field, Descending: o.Direction == nil || *o.Direction == model.OrderDirectionDesc}
}

func pageArgs(first *int, after *string, last *int, before *string) relay.PageArgs {
	return relay.PageArgs{First: first, After: after, Last: last, Before: before}
}

// contentFilter validates a client's filter and resolves its topic slugs and IDs, refusing
// topics that do not exist.
func (r *Resolver) contentFilter(ctx context.Context, f *model.ContentFilter) (content.Filter, error) {
	var out content.Filter
	if f == nil {
		return out, nil
	}
	for field, n := range map[string]int{
		"filter.topicIds": len(f.TopicIds), "filter.topicSlugs": len(f.TopicSlugs), "filter.authorIds": len(f.AuthorIds),
		"filter.kinds": len(f.Kinds), "filter.languages": len(f.Languages), "filter.statuses": len(f.Statuses),
	} {
		if n > maxFilterValues {
			return out, apperr.Invalid(field, "%s: at most %d values, got %d", field, maxFilterValues, n)
		}
	}
	for _, gid := range f.TopicIds {
		id, err := relay.ParseIDOf("filter.topicIds", gid, relay.TypeTopic)
		if err != nil {
			return out, err
		}
		out.TopicIDs = append(out.TopicIDs, id)
	}
	if len(out.TopicIDs) > 0 {
		topics, errs := loaders.For(ctx).TopicByID.LoadMany(ctx, out.TopicIDs)()
		for i, t := range topics {
			if errs != nil && errs[i] != nil {
				return out, errs[i]
			}
			if t == nil {
				return out, apperr.Invalid("filter.topicIds", "filter.topicIds: no topic has the ID %q", f.TopicIds[i])
			}
		}
	}
	if len(f.TopicSlugs) > 0 {
		ids, err := r.TopicStore.IDsBySlugs(ctx, f.TopicSlugs)
		if err != nil {
			return out, err
		}
		for i, id := range ids {
			if id == 0 {
				return out, apperr.Invalid("filter.topicSlugs", "filter.topicSlugs: no topic has the slug %q", f.TopicSlugs[i])
			}
		}
		out.TopicIDs = append(out.TopicIDs, ids...)
	}
	for _, gid := range f.AuthorIds {
		id, err := relay.ParseIDOf("filter.authorIds", gid, relay.TypeUser)
		if err != nil {
			return out, err
		}
		out.AuthorIDs = append(out.AuthorIDs, id)
	}
	for _, lang := range f.Languages {
		if !languageCode.MatchString(lang) {
			return out, apperr.Invalid("filter.languages", "filter.languages: %q is not a two-letter lowercase ISO 639-1 code such as \"en\"", lang)
		}
	}
	out.Kinds, out.Languages, out.Statuses = f.Kinds, f.Languages, f.Statuses
	return out, nil
}

func (r *Resolver) newContentConnection(ctx context.Context, l postgres.ContentList, o content.Order, p relay.Page, count func(context.Context) (int, error)) (*model.ContentConnection, error) {
	return r.contentPage(ctx, l.Items, func(i int) string { return postgres.CursorOf(l.Items[i], o) }, p, l.More, count)
}

// contentPage builds a page of content with the cursor of each item, after loading the
// relations the client selected under it.
func (r *Resolver) contentPage(ctx context.Context, items []*content.Content, cursor func(i int) string, p relay.Page, more bool, count func(context.Context) (int, error)) (*model.ContentConnection, error) {
	if err := r.prefetch(ctx, items); err != nil {
		return nil, err
	}
	conn := &model.ContentConnection{Edges: make([]*model.ContentEdge, len(items)), Count: count}
	cursors := make([]string, len(items))
	for i, c := range items {
		cursors[i] = cursor(i)
		conn.Edges[i] = &model.ContentEdge{Cursor: cursors[i], Node: c}
	}
	info := relay.NewPageInfo(p, more, cursors)
	conn.PageInfo = &info
	return conn, nil
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
func (r *Resolver) childContents(ctx context.Context, pages *dataloader.Loader[loaders.ChildPage, postgres.ContentList], counts *dataloader.Loader[int64, int], parentID int64, args relay.PageArgs, orderBy *model.ContentOrder) (*model.ContentConnection, error) {
	order := contentOrder(orderBy)
	page, err := args.Resolve(postgres.ContentOrderName(order), r.PageSize)
	if err != nil {
		return nil, err
	}
	list, err := pages.Load(ctx, loaders.NewChildPage(parentID, order, page, selects(ctx, "edges", "node", "body")))()
	if err != nil {
		return nil, err
	}
	return r.newContentConnection(ctx, list, order, page, func(ctx context.Context) (int, error) {
		return counts.Load(ctx, parentID)()
	})
}

// prefetch loads the relations the client selected under a page of content, all keys at
// once, so each relation is one batch whatever the timing of the items' resolvers; those
// resolvers then find their answers in the loaders' cache. A top-level list reads them right
// away; a list nested under other objects joins the batch window its siblings share.
func (r *Resolver) prefetch(ctx context.Context, items []*content.Content) error {
	return r.prefetchExcept(ctx, items, loaders.Relations{})
}

// prefetchExcept is prefetch for a page whose known relations are already in the loaders.
func (r *Resolver) prefetchExcept(ctx context.Context, items []*content.Content, known loaders.Relations) error {
	if len(items) == 0 {
		return nil
	}
	l := loaders.For(ctx)
	rel := loaders.Relations{
		Authors:      !known.Authors && selects(ctx, "edges", "node", "author"),
		Topics:       !known.Topics && selects(ctx, "edges", "node", "topics"),
		ViewerStates: !known.ViewerStates && selects(ctx, "edges", "node", "viewerState"),
	}
	if fc := graphql.GetFieldContext(ctx); fc != nil && fc.Object == "Query" {
		if err := l.Preload(ctx, items, rel); err != nil {
			return err
		}
		return r.preloadAuthorPages(ctx, l, items)
	}
	ids := make([]int64, len(items))
	authors := make([]int64, len(items))
	for i, c := range items {
		ids[i], authors[i] = c.ID, c.AuthorID
	}
	if rel.Authors {
		l.UserByID.LoadMany(ctx, authors)
	}
	if rel.Topics {
		l.TopicsByContentID.LoadMany(ctx, ids)
	}
	if rel.ViewerStates && l.ViewerStateByContentID != nil {
		l.ViewerStateByContentID.LoadMany(ctx, ids)
	}
	return nil
}

// parseIDs decodes a list of global IDs of one type.
func parseIDs(field string, gids []string, typ string) ([]int64, error) {
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

// selectsAny reports whether the current field's selection asks for any of the named fields.
func selectsAny(ctx context.Context, names ...string) bool {
	for _, n := range names {
		if selects(ctx, n) {
			return true
		}
	}
	return false
}
