package tree

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
)

// searchPage is a page of search results under one selection.
type searchPage struct {
	t          *tree
	fields     []graphql.CollectedField
	edgeFields []graphql.CollectedField
	conn       *model.SearchConnection
	nodes      *contents
}

func (t *tree) search(sel ast.SelectionSet, conn *model.SearchConnection) *searchPage {
	s := &searchPage{t: t, fields: t.fields(sel, "SearchConnection"), conn: conn}
	for _, f := range s.fields {
		if f.Name != "edges" {
			continue
		}
		s.edgeFields = t.fields(f.Selections, "SearchEdge")
		for _, ef := range s.edgeFields {
			if ef.Name == "node" && s.nodes == nil {
				s.nodes = t.contents(ef.Selections, nil)
				for _, e := range conn.Edges {
					s.nodes.add(e.Node)
				}
			}
		}
	}
	return s
}

func (s *searchPage) load(b *batch) error {
	for _, f := range s.fields {
		switch f.Name {
		case "__typename", "edges", "pageInfo":
		default:
			return errDecline
		}
	}
	for _, f := range s.edgeFields {
		switch f.Name {
		case "__typename", "cursor", "node", "rank":
		default:
			return errDecline
		}
	}
	if s.nodes != nil {
		return s.nodes.load(b)
	}
	return nil
}

func (s *searchPage) write(w *writer) {
	w.open()
	for i, f := range s.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("SearchConnection")
		case "edges":
			w.list(len(s.conn.Edges), func(j int) {
				e := s.conn.Edges[j]
				w.open()
				for k, ef := range s.edgeFields {
					w.key(k, ef.Alias)
					switch ef.Name {
					case "__typename":
						w.string("SearchEdge")
					case "cursor":
						w.string(e.Cursor)
					case "node":
						s.nodes.write(w, e.Node)
					case "rank":
						w.float(e.Rank)
					}
				}
				w.close()
			})
		case "pageInfo":
			writePageInfo(w, s.t, f, *s.conn.PageInfo)
		}
	}
	w.close()
}
