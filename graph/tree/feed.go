package tree

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/feed"
)

// feedPage is a page of the viewer's feed under one selection.
type feedPage struct {
	t          *tree
	fields     []graphql.CollectedField
	edgeFields []graphql.CollectedField
	conn       *model.FeedConnection
	nodes      *contents
	// reasons is each selection of FeedEdge.reasons, by response name, with what its
	// reasons name.
	reasons map[string]*reasons
}

// reasons are the reasons of a feed page's items under one selection.
type reasons struct {
	fields  []graphql.CollectedField
	topics  map[string]*topics
	authors map[string]*users
}

func (t *tree) feed(sel ast.SelectionSet, conn *model.FeedConnection) *feedPage {
	f := &feedPage{t: t, fields: t.fields(sel, "FeedConnection"), conn: conn, reasons: map[string]*reasons{}}
	for _, cf := range f.fields {
		if cf.Name != "edges" {
			continue
		}
		f.edgeFields = t.fields(cf.Selections, "FeedEdge")
		for _, ef := range f.edgeFields {
			switch ef.Name {
			case "node":
				if f.nodes == nil {
					f.nodes = t.contents(ef.Selections, nil)
					for _, e := range conn.Edges {
						f.nodes.add(e.Node)
					}
				}
			case "reasons":
				r := &reasons{fields: t.fields(ef.Selections, "FeedReason"), topics: map[string]*topics{}, authors: map[string]*users{}}
				for _, rf := range r.fields {
					switch rf.Name {
					case "topic":
						r.topics[rf.Alias] = t.topics(rf.Selections)
					case "author":
						r.authors[rf.Alias] = t.users(rf.Selections)
					}
				}
				f.reasons[ef.Alias] = r
			}
		}
	}
	return f
}

func (f *feedPage) load(b *batch) error {
	t := f.t
	for _, cf := range f.fields {
		switch cf.Name {
		case "__typename", "edges", "pageInfo":
		default:
			return errDecline
		}
	}
	for _, ef := range f.edgeFields {
		switch ef.Name {
		case "__typename", "cursor", "node", "score", "reasons":
		default:
			return errDecline
		}
	}
	var topicIDs, authorIDs []int64
	for _, e := range f.conn.Edges {
		for _, r := range e.Reasons {
			if r.TopicID != 0 {
				topicIDs = append(topicIDs, r.TopicID)
			}
			if r.AuthorID != 0 {
				authorIDs = append(authorIDs, r.AuthorID)
			}
		}
	}
	for _, r := range f.reasons {
		for _, rf := range r.fields {
			switch rf.Name {
			case "__typename", "kind", "weight", "explanation", "topic", "author":
			default:
				return errDecline
			}
		}
		if len(r.topics) > 0 && len(topicIDs) > 0 {
			b.then(func(b *batch) error {
				named, err := t.topicsByID(topicIDs)
				if err != nil {
					return err
				}
				for _, lv := range r.topics {
					for _, tp := range named {
						lv.add(tp)
					}
					b.then(lv.load)
				}
				return nil
			})
		}
		if len(r.authors) > 0 && len(authorIDs) > 0 {
			b.then(func(b *batch) error {
				named, err := t.usersByID(authorIDs)
				if err != nil {
					return err
				}
				for _, lv := range r.authors {
					lv.addAll(named)
					b.then(lv.load)
				}
				return nil
			})
		}
	}
	if f.nodes != nil {
		return f.nodes.load(b)
	}
	return nil
}

func (f *feedPage) write(w *writer) {
	w.open()
	for i, cf := range f.fields {
		w.key(i, cf.Alias)
		switch cf.Name {
		case "__typename":
			w.string("FeedConnection")
		case "edges":
			w.list(len(f.conn.Edges), func(j int) { f.writeEdge(w, f.conn.Edges[j]) })
		case "pageInfo":
			writePageInfo(w, f.t, cf, *f.conn.PageInfo)
		}
	}
	w.close()
}

func (f *feedPage) writeEdge(w *writer, e *model.FeedEdge) {
	w.open()
	for i, ef := range f.edgeFields {
		w.key(i, ef.Alias)
		switch ef.Name {
		case "__typename":
			w.string("FeedEdge")
		case "cursor":
			w.string(e.Cursor)
		case "node":
			f.nodes.write(w, e.Node)
		case "score":
			w.float(e.Score)
		case "reasons":
			r := f.reasons[ef.Alias]
			w.list(len(e.Reasons), func(j int) { r.write(w, e.Reasons[j]) })
		}
	}
	w.close()
}

func (r *reasons) write(w *writer, reason *feed.Reason) {
	w.open()
	for i, rf := range r.fields {
		w.key(i, rf.Alias)
		switch rf.Name {
		case "__typename":
			w.string("FeedReason")
		case "kind":
			w.enum(string(reason.Kind))
		case "weight":
			w.float(reason.Weight)
		case "explanation":
			w.string(reason.Explanation)
		case "topic":
			if reason.TopicID == 0 {
				w.null()
			} else {
				lv := r.topics[rf.Alias]
				lv.write(w, lv.byID[reason.TopicID])
			}
		case "author":
			if reason.AuthorID == 0 {
				w.null()
			} else {
				r.authors[rf.Alias].write(w, reason.AuthorID)
			}
		}
	}
	w.close()
}
