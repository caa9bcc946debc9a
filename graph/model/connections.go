// Package model holds the GraphQL-only types: connections, edges and the types gqlgen generates.
package model

import (
	"context"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// ContentConnection is a page of content items.
type ContentConnection struct {
	Edges    []*ContentEdge
	PageInfo *relay.PageInfo
	// Count computes the size of the whole list; it runs only when totalCount is selected.
	Count func(ctx context.Context) (int, error)
}

// ContentEdge is one content item in a page; its cursor is written when it is asked for.
type ContentEdge struct {
	Node    *content.Content
	cursors Cursors
	index   int
}

// Cursors gives the cursor of each item of a page.
type Cursors interface{ Cursor(i int) string }

// NewContentEdges returns the edges of a page of items whose cursors c gives.
func NewContentEdges(items []*content.Content, c Cursors) []*ContentEdge {
	edges := make([]ContentEdge, len(items))
	out := make([]*ContentEdge, len(items))
	for i, it := range items {
		edges[i] = ContentEdge{Node: it, cursors: c, index: i}
		out[i] = &edges[i]
	}
	return out
}

// Cursor returns the edge's cursor.
func (e *ContentEdge) Cursor() string { return e.cursors.Cursor(e.index) }

// TopicConnection is a page of topics.
type TopicConnection struct {
	Edges    []*TopicEdge
	PageInfo *relay.PageInfo
	Count    func(ctx context.Context) (int, error)
}

// TopicEdge is one topic in a page, with its cursor.
type TopicEdge struct {
	Cursor string
	Node   *content.Topic
}

// Node is any object with a global ID: *user.User, *content.Content or *content.Topic.
type Node interface{}
