package graph

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

// Bounds of the search and related-content arguments.
const (
	maxSearchQuery = 200
	defaultRelated = 5
	maxRelated     = 20
)

func (r *Resolver) searchContent(ctx context.Context, query string, first *int, after *string) (*model.SearchConnection, error) {
	text := strings.TrimSpace(query)
	switch n := utf8.RuneCountInString(text); {
	case n == 0:
		return nil, apperr.Invalid("query", "query: give at least one word to search for")
	case n > maxSearchQuery:
		return nil, apperr.Invalid("query", "query: at most %d characters, got %d", maxSearchQuery, n)
	}
	order := postgres.SearchOrder(text)
	page, err := pageArgs(first, nil, nil, nil).Resolve(order, r.PageSize)
	if err != nil {
		return nil, err
	}
	if after != nil {
		c, err := relay.DecodeCursor("after", *after, order)
		if err != nil {
			return nil, postgres.ErrSearchCursor
		}
		page.Cursor = &c
	}
	res, err := r.ContentStore.Search(ctx, postgres.SearchQuery{
		Viewer: access.ViewerFrom(ctx), Text: text, Page: page,
		WithBody: selects(ctx, "edges", "node", "body"), Now: time.Now(),
	})
	if err != nil {
		return nil, err
	}
	items := make([]*content.Content, len(res.Hits))
	cursors := make([]string, len(res.Hits))
	conn := &model.SearchConnection{Edges: make([]*model.SearchEdge, len(res.Hits))}
	for i, h := range res.Hits {
		items[i], cursors[i] = h.Content, h.Cursor
		conn.Edges[i] = &model.SearchEdge{Cursor: h.Cursor, Node: h.Content, Rank: h.Rank}
	}
	if err := r.prefetch(ctx, items); err != nil {
		return nil, err
	}
	info := relay.NewPageInfo(page, res.More, cursors)
	conn.PageInfo = &info
	return conn, nil
}

func (r *Resolver) relatedContent(ctx context.Context, obj *content.Content, first *int) ([]*content.Content, error) {
	n := defaultRelated
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxRelated {
		return nil, apperr.Invalid("first", "first must be between 1 and %d, got %d", maxRelated, n)
	}
	return loaders.For(ctx).RelatedByContentID.Load(ctx, loaders.RelatedKey{ID: obj.ID, First: n})()
}
