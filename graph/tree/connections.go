package tree

import (
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// connections are pages of content (ContentConnection) under one selection, one page per
// parent: an author's or a topic's items, or a top-level list (parent 0).
type connections struct {
	t      *tree
	fields []graphql.CollectedField
	pages  map[int64]*page
	// nodes is the level of every page's items (edges.node), when selected.
	edgeFields []graphql.CollectedField
	nodes      *contents
	// For pages under parents: which, how, and the field asking.
	parent   content.Parent
	field    graphql.CollectedField
	parents  []int64
	query    content.ListQuery
	counting bool
	// totals are the parents' counts (totalCount), read beside their pages.
	mu     sync.Mutex
	totals map[int64]int
}

// page is one connection's items with their cursors and page info.
type page struct {
	items   []*content.Content
	cursors model.Cursors
	info    relay.PageInfo
	count   func() (int, error)
	total   int
}

func (t *tree) connection(sel ast.SelectionSet) *connections {
	c := &connections{t: t, fields: t.fields(sel, "ContentConnection"), pages: map[int64]*page{}}
	for _, f := range c.fields {
		switch f.Name {
		case "edges":
			c.edgeFields = t.fields(f.Selections, "ContentEdge")
			for _, ef := range c.edgeFields {
				if ef.Name == "node" && c.nodes == nil {
					c.nodes = t.contents(ef.Selections, nil)
				}
			}
		case "totalCount":
			c.counting = true
		}
	}
	return c
}

// childConnection is the connections of a field such as User.contents or Topic.contents.
func (t *tree) childConnection(f graphql.CollectedField, parent content.Parent) *connections {
	c := t.connection(f.Selections)
	c.parent, c.field = parent, f
	return c
}

// add adds a connection a resolver built, as parent id's page.
func (c *connections) add(id int64, conn *model.ContentConnection) error {
	p := &page{items: make([]*content.Content, len(conn.Edges)), cursors: edgeCursors(conn.Edges), info: *conn.PageInfo}
	for i, e := range conn.Edges {
		p.items[i] = e.Node
	}
	if c.counting {
		if conn.Count == nil {
			return errDecline
		}
		p.count = func() (int, error) { return conn.Count(c.t.ctx) }
	}
	c.addPage(id, p)
	return nil
}

// edgeCursors gives the cursors of a connection's edges.
type edgeCursors []*model.ContentEdge

func (e edgeCursors) Cursor(i int) string { return e[i].Cursor() }

// addList adds a page of items, whose cursors cursors gives, as parent id's page.
func (c *connections) addList(id int64, items []*content.Content, cursors model.Cursors, pg relay.Page, more bool, count func() (int, error)) {
	p := &page{items: items, cursors: cursors, count: count, info: relay.NewPageInfo(pg, more, nil)}
	if n := len(items); n > 0 && c.infoSelected() {
		first, last := cursors.Cursor(0), cursors.Cursor(n-1)
		p.info.StartCursor, p.info.EndCursor = &first, &last
	}
	c.addPage(id, p)
}

// infoSelected reports whether the connection's selection asks for its page info.
func (c *connections) infoSelected() bool {
	for _, f := range c.fields {
		if f.Name == "pageInfo" {
			return true
		}
	}
	return false
}

func (c *connections) addPage(id int64, p *page) {
	c.pages[id] = p
	if c.nodes != nil {
		c.nodes.add(p.items...)
	}
}

// addParents prepares reading one page for each parent, with the field's arguments; an
// argument its resolver would refuse declines the tree.
func (c *connections) addParents(ids []int64) error {
	args := c.t.args(c.field)
	first, ok1 := optionalInt(args["first"])
	last, ok2 := optionalInt(args["last"])
	after, ok3 := optionalString(args["after"])
	before, ok4 := optionalString(args["before"])
	order, ok5 := orderOf(args["orderBy"])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 {
		return errDecline
	}
	pg, err := relay.PageArgs{First: first, After: after, Last: last, Before: before}.Resolve(order.CursorName(), c.t.cfg.Pages)
	if err != nil {
		return errDecline
	}
	if pg.Cursor != nil {
		field := "after"
		if pg.Backward {
			field = "before"
		}
		if _, err := order.ParseCursorKey(field, pg.Cursor.Key); err != nil {
			return errDecline
		}
	}
	var f content.Fields
	if c.nodes != nil {
		f = fieldsToRead(c.nodes.fields)
	}
	c.parents = ids
	c.query = content.ListQuery{Viewer: c.t.v, Order: order, Page: pg, Fields: f}
	return nil
}

func (c *connections) load(b *batch) error {
	t := c.t
	if len(c.parents) > 0 {
		b.then(func(b *batch) error {
			ctx, done := t.batch("ContentsByParent", len(c.parents))
			lists, err := t.cfg.Stores.Contents.ListByParents(ctx, c.parent, c.parents, c.query)
			done()
			if err != nil {
				return err
			}
			for i, id := range c.parents {
				l := lists[i]
				c.addList(id, l.Items, l, l.Page, l.More, nil)
			}
			return c.afterPages(b)
		})
		if c.counting {
			b.then(func(*batch) error {
				ctx, done := t.batch("ContentCountByParent", len(c.parents))
				counts, err := t.cfg.Stores.Contents.CountByParents(ctx, c.parent, c.parents, t.v)
				done()
				if err != nil {
					return err
				}
				c.mu.Lock()
				defer c.mu.Unlock()
				c.totals = make(map[int64]int, len(c.parents))
				for i, id := range c.parents {
					c.totals[id] = counts[i]
				}
				return nil
			})
		}
		return nil
	}
	if c.counting {
		for _, p := range c.pages {
			if p.count == nil {
				return errDecline
			}
			b.then(func(*batch) error {
				n, err := p.count()
				p.total = n
				return err
			})
		}
	}
	return c.afterPages(b)
}

// afterPages checks the connection's own fields and loads its items' level.
func (c *connections) afterPages(b *batch) error {
	for _, f := range c.fields {
		switch f.Name {
		case "__typename", "edges", "pageInfo", "totalCount":
		default:
			return errDecline
		}
	}
	for _, f := range c.edgeFields {
		switch f.Name {
		case "__typename", "cursor", "node":
		default:
			return errDecline
		}
	}
	if c.nodes != nil {
		return c.nodes.load(b)
	}
	return nil
}

func (c *connections) write(w *writer, id int64) {
	p := c.pages[id]
	if p == nil {
		p = &page{}
	}
	w.open()
	for i, f := range c.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("ContentConnection")
		case "edges":
			w.list(len(p.items), func(j int) {
				w.open()
				for k, ef := range c.edgeFields {
					w.key(k, ef.Alias)
					switch ef.Name {
					case "__typename":
						w.string("ContentEdge")
					case "cursor":
						w.string(p.cursors.Cursor(j))
					case "node":
						c.nodes.write(w, p.items[j])
					}
				}
				w.close()
			})
		case "pageInfo":
			writePageInfo(w, c.t, f, p.info)
		case "totalCount":
			if n, ok := c.totals[id]; ok {
				w.int(int64(n))
			} else {
				w.int(int64(p.total))
			}
		}
	}
	w.close()
}

func writePageInfo(w *writer, t *tree, f graphql.CollectedField, info relay.PageInfo) {
	w.open()
	for i, pf := range t.fields(f.Selections, "PageInfo") {
		w.key(i, pf.Alias)
		switch pf.Name {
		case "__typename":
			w.string("PageInfo")
		case "hasNextPage":
			w.bool(info.HasNextPage)
		case "hasPreviousPage":
			w.bool(info.HasPreviousPage)
		case "startCursor":
			w.stringPtr(info.StartCursor)
		case "endCursor":
			w.stringPtr(info.EndCursor)
		}
	}
	w.close()
}

// optionalString reads an optional String argument.
func optionalString(v any) (*string, bool) {
	if v == nil {
		return nil, true
	}
	s, ok := v.(string)
	return &s, ok
}

// orderOf reads a ContentOrder argument; newest first when it is absent.
func orderOf(v any) (content.Order, bool) {
	if v == nil {
		return content.NewestFirst(), true
	}
	m, ok := v.(map[string]any)
	if !ok {
		return content.Order{}, false
	}
	o := content.Order{Field: content.OrderPublishedAt, Descending: true}
	switch m["field"] {
	case "PUBLISHED_AT":
	case "TITLE":
		o.Field = content.OrderTitle
	default:
		return o, false
	}
	switch m["direction"] {
	case nil, "DESC":
	case "ASC":
		o.Descending = false
	default:
		return o, false
	}
	return o, true
}
