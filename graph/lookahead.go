package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
)

// preloadAuthorPages looks one level ahead from a top-level page of content: when the client
// selected edges.node.author.contents (once, with one set of arguments), it reads every
// author's page in one statement and the relations of all those items together, so the nested
// level does not depend on a batch window. Arguments that do not validate are left for the
// nested resolver to refuse.
func (r *Resolver) preloadAuthorPages(ctx context.Context, l *loaders.Loaders, items []*content.Content) error {
	oc := graphql.GetOperationContext(ctx)
	fc := graphql.GetFieldContext(ctx)
	f := onlyField(oc, fc.Field.Selections, "edges", "node", "author", "contents")
	if f == nil {
		return nil
	}
	args := f.ArgumentMap(oc.Variables)
	order := contentOrder(orderArg(args["orderBy"]))
	page, err := pageArgs(intArg(args["first"]), stringArg(args["after"]), intArg(args["last"]), stringArg(args["before"])).
		Resolve(postgres.ContentOrderName(order), r.PageSize)
	if err != nil {
		return nil
	}
	key := loaders.NewChildPage(0, order, page, selectsIn(oc, f.Selections, []string{"edges", "node", "body"}))
	return l.PreloadAuthorPages(ctx, items, key, loaders.Relations{
		Authors:      selectsIn(oc, f.Selections, []string{"edges", "node", "author"}),
		Topics:       selectsIn(oc, f.Selections, []string{"edges", "node", "topics"}),
		ViewerStates: selectsIn(oc, f.Selections, []string{"edges", "node", "viewerState"}),
	})
}

// onlyField returns the field at the end of path when the selection asks for it exactly once.
func onlyField(oc *graphql.OperationContext, set ast.SelectionSet, path ...string) *graphql.CollectedField {
	var found []graphql.CollectedField
	for _, f := range graphql.CollectFields(oc, set, nil) {
		if f.Name == path[0] {
			found = append(found, f)
		}
	}
	if len(found) != 1 {
		return nil
	}
	if len(path) == 1 {
		return &found[0]
	}
	return onlyField(oc, found[0].Selections, path[1:]...)
}

func intArg(v any) *int {
	switch n := v.(type) {
	case int:
		return &n
	case int64:
		i := int(n)
		return &i
	case float64:
		i := int(n)
		return &i
	case interface{ Int64() (int64, error) }:
		if x, err := n.Int64(); err == nil {
			i := int(x)
			return &i
		}
	}
	return nil
}

func stringArg(v any) *string {
	if s, ok := v.(string); ok {
		return &s
	}
	return nil
}

func orderArg(v any) *model.ContentOrder {
	m, ok := v.(map[string]any)
	if !ok {
		return nil
	}
	o := &model.ContentOrder{Field: content.OrderPublishedAt}
	if f, _ := m["field"].(string); f == "TITLE" {
		o.Field = content.OrderTitle
	}
	if d, _ := m["direction"].(string); d == "ASC" {
		asc := model.OrderDirectionAsc
		o.Direction = &asc
	}
	return o
}
