package tree

import (
	"strconv"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
)

// contents is a level of content items that share one selection.
type contents struct {
	t      *tree
	fields []graphql.CollectedField
	items  []*content.Content
	seen   map[int64]bool
	// The relations below, by response name.
	authors map[string]*users
	topics  map[string]*topicLists
	related map[string]*relatedLists
	// states and bodies are the viewer's state and the bodies of the items that need them.
	states map[int64]*habits.ViewerState
	bodies map[int64]*string
}

func (t *tree) contents(sel ast.SelectionSet, items []*content.Content) *contents {
	lv := &contents{t: t, fields: t.fields(sel, "Content", "Node"), seen: map[int64]bool{}}
	for _, f := range lv.fields {
		switch f.Name {
		case "author":
			if lv.authors == nil {
				lv.authors = map[string]*users{}
			}
			lv.authors[f.Alias] = t.users(f.Selections)
		case "topics":
			if lv.topics == nil {
				lv.topics = map[string]*topicLists{}
			}
			lv.topics[f.Alias] = &topicLists{lists: map[int64][]*content.Topic{}, level: t.topics(f.Selections)}
		case "related":
			if lv.related == nil {
				lv.related = map[string]*relatedLists{}
			}
			lv.related[f.Alias] = &relatedLists{field: f, lists: map[int64][]*content.Content{}}
		}
	}
	lv.add(items...)
	return lv
}

// add adds items to the level, once each.
func (lv *contents) add(items ...*content.Content) {
	for _, c := range items {
		if !lv.seen[c.ID] {
			lv.seen[c.ID] = true
			lv.items = append(lv.items, c)
		}
	}
}

// selected reports whether the level's selection asks for the named field.
func (lv *contents) selected(name string) bool {
	for _, f := range lv.fields {
		if f.Name == name {
			return true
		}
	}
	return false
}

// load reads every relation of the level's items, each in one statement, and adds the levels
// below them to the next round.
func (lv *contents) load(b *batch) error {
	t := lv.t
	if len(lv.items) == 0 {
		return nil
	}
	ids := make([]int64, len(lv.items))
	for i, c := range lv.items {
		ids[i] = c.ID
	}
	for _, f := range lv.fields {
		switch f.Name {
		case "__typename", "id", "slug", "title", "summary", "kind", "language", "status", "visibility",
			"publishedAt", "createdAt", "updatedAt", "stats", "author", "topics", "related", "viewerState", "body":
		default:
			return errDecline
		}
	}
	if lv.authors != nil {
		authorIDs := make([]int64, 0, len(lv.items))
		seen := make(map[int64]bool, len(lv.items))
		for _, c := range lv.items {
			if !seen[c.AuthorID] {
				seen[c.AuthorID] = true
				authorIDs = append(authorIDs, c.AuthorID)
			}
		}
		b.then(func(b *batch) error {
			found, err := t.usersByID(authorIDs)
			if err != nil {
				return err
			}
			for _, c := range lv.items {
				if found[c.AuthorID] == nil {
					return errDecline // gqlgen reports the missing author
				}
			}
			for _, u := range lv.authors {
				u.addAll(found)
				b.then(u.load)
			}
			return nil
		})
	}
	for _, tl := range lv.topics {
		b.then(func(b *batch) error {
			ctx, done := t.batch("TopicsByContentID", len(ids))
			lists, err := t.cfg.Stores.Topics.ByContentIDs(ctx, ids)
			done()
			if err != nil {
				return err
			}
			for i, id := range ids {
				tl.lists[id] = lists[i]
				for _, tp := range lists[i] {
					tl.level.add(tp)
				}
			}
			b.then(tl.level.load)
			return nil
		})
	}
	for _, rl := range lv.related {
		n, err := relatedCount(t.args(rl.field)["first"])
		if err != nil {
			return errDecline
		}
		b.then(func(b *batch) error {
			ctx, done := t.batch("RelatedByContentID", len(ids))
			lists, err := t.cfg.Stores.Contents.RelatedByIDs(ctx, t.v, ids, n, ContentFields(t.oc, rl.field.Selections))
			done()
			if err != nil {
				return err
			}
			rl.level = t.contents(rl.field.Selections, nil)
			for i, id := range ids {
				rl.lists[id] = lists[i]
				rl.level.add(lists[i]...)
			}
			return rl.level.load(b)
		})
	}
	if lv.selected("viewerState") && t.v.Can(access.ScopeContentRead) {
		b.then(func(*batch) error {
			states, err := t.viewerStates(ids)
			lv.states = states
			return err
		})
	}
	if lv.selected("body") {
		var missing []int64
		for _, c := range lv.items {
			if c.Body == nil && c.BodyOpenTo(t.v) {
				missing = append(missing, c.ID)
			}
		}
		if len(missing) > 0 {
			b.then(func(*batch) error {
				ctx, done := t.batch("ContentByID", len(missing))
				full, err := t.cfg.Stores.Contents.ByIDs(ctx, t.v, missing, content.FieldBody)
				done()
				if err != nil {
					return err
				}
				lv.bodies = make(map[int64]*string, len(full))
				for i, c := range full {
					if c != nil {
						lv.bodies[missing[i]] = c.Body
					}
				}
				return nil
			})
		}
	}
	return nil
}

// relatedCount checks Content.related's first argument as its resolver does.
func relatedCount(v any) (int, error) {
	n := 5
	if v != nil {
		var ok bool
		if n, ok = intValue(v); !ok {
			return 0, errDecline
		}
	}
	if n < 1 || n > 20 {
		return 0, errDecline
	}
	return n, nil
}

// topicLists are the topics of each item of a level.
type topicLists struct {
	lists map[int64][]*content.Topic
	level *topics
}

// relatedLists are the related items of each item of a level.
type relatedLists struct {
	field graphql.CollectedField
	lists map[int64][]*content.Content
	level *contents
}

func (lv *contents) write(w *writer, c *content.Content) {
	t := lv.t
	w.open()
	for i, f := range lv.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("Content")
		case "id":
			w.string(relay.ID(relay.TypeContent, c.ID))
		case "slug":
			w.string(c.Slug)
		case "title":
			w.string(c.Title)
		case "summary":
			w.string(c.Summary)
		case "body":
			switch {
			case !c.BodyOpenTo(t.v):
				w.null()
			case c.Body != nil:
				w.string(*c.Body)
			default:
				w.stringPtr(lv.bodies[c.ID])
			}
		case "kind":
			w.enum(string(c.Kind))
		case "language":
			w.string(c.Language)
		case "status":
			w.enum(string(c.Status))
		case "visibility":
			w.enum(string(c.Visibility))
		case "publishedAt":
			w.timePtr(c.PublishedAt)
		case "createdAt":
			w.time(c.CreatedAt)
		case "updatedAt":
			w.time(c.UpdatedAt)
		case "stats":
			lv.writeStats(w, f, c)
		case "author":
			lv.authors[f.Alias].write(w, c.AuthorID)
		case "topics":
			tl := lv.topics[f.Alias]
			list := tl.lists[c.ID]
			w.list(len(list), func(j int) { tl.level.write(w, list[j]) })
		case "related":
			rl := lv.related[f.Alias]
			list := rl.lists[c.ID]
			w.list(len(list), func(j int) { rl.level.write(w, list[j]) })
		case "viewerState":
			st, ok := lv.states[c.ID]
			if !ok || !t.v.Can(access.ScopeContentRead) {
				w.null()
				break
			}
			lv.writeState(w, f, st)
		}
	}
	w.close()
}

func (lv *contents) writeStats(w *writer, f graphql.CollectedField, c *content.Content) {
	w.open()
	for i, sf := range lv.t.fields(f.Selections, "ContentStats") {
		w.key(i, sf.Alias)
		switch sf.Name {
		case "__typename":
			w.string("ContentStats")
		case "views":
			w.int(c.Views)
		case "likes":
			w.int(c.Likes)
		case "bookmarks":
			w.int(c.Bookmarks)
		}
	}
	w.close()
}

func (lv *contents) writeState(w *writer, f graphql.CollectedField, st *habits.ViewerState) {
	w.open()
	for i, sf := range lv.t.fields(f.Selections, "ContentViewerState") {
		w.key(i, sf.Alias)
		switch sf.Name {
		case "__typename":
			w.string("ContentViewerState")
		case "viewed":
			w.bool(st.Viewed)
		case "liked":
			w.bool(st.Liked)
		case "bookmarked":
			w.bool(st.Bookmarked)
		case "hidden":
			w.bool(st.Hidden)
		}
	}
	w.close()
}

// viewerStates returns the viewer's state for each item, using the states the request
// already knows (a feed page hands them over) and reading the others in one statement.
func (t *tree) viewerStates(ids []int64) (map[int64]*habits.ViewerState, error) {
	out := make(map[int64]*habits.ViewerState, len(ids))
	missing := ids
	if t.l != nil && t.l.ViewerStates != nil {
		missing = t.l.ViewerStates.Fill(t.ctx, ids, out)
	}
	if len(missing) == 0 {
		return out, nil
	}
	ctx, done := t.batch("ViewerStateByContentID", len(missing))
	states, err := t.cfg.Stores.Interactions.ViewerStates(ctx, t.v.UserID, missing)
	done()
	if err != nil {
		return nil, err
	}
	for i, id := range missing {
		out[id] = states[i]
	}
	return out, nil
}

// intValue reads an Int argument as gqlgen hands it over.
func intValue(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case int64:
		return int(n), true
	case int32:
		return int(n), true
	case float64:
		return int(n), float64(int(n)) == n
	case interface{ Int64() (int64, error) }:
		x, err := n.Int64()
		return int(x), err == nil
	case string:
		x, err := strconv.Atoi(n)
		return x, err == nil
	}
	return 0, false
}

// ContentFields returns what to read of items selected with sel: the fields it asks for, and
// what the rules for those fields need (a body is shown by visibility).
func ContentFields(oc *graphql.OperationContext, sel ast.SelectionSet) content.Fields {
	return fieldsToRead(graphql.CollectFields(oc, sel, []string{"Content", "Node"}))
}

func fieldsToRead(fields []graphql.CollectedField) content.Fields {
	var f content.Fields
	for _, fl := range fields {
		switch fl.Name {
		case "slug":
			f |= content.FieldSlug
		case "title":
			f |= content.FieldTitle
		case "summary":
			f |= content.FieldSummary
		case "kind":
			f |= content.FieldKind
		case "language":
			f |= content.FieldLanguage
		case "status", "visibility":
			f |= content.FieldStatus
		case "publishedAt":
			f |= content.FieldPublishedAt
		case "createdAt":
			f |= content.FieldCreatedAt
		case "updatedAt":
			f |= content.FieldUpdatedAt
		case "stats":
			f |= content.FieldCounts
		case "body":
			f |= content.FieldBody | content.FieldStatus
		}
	}
	return f
}
