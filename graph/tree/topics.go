package tree

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// topics is a level of topics that share one selection.
type topics struct {
	t      *tree
	fields []graphql.CollectedField
	items  []*content.Topic
	byID   map[int64]*content.Topic
	// contents are the topics' pages of content, by response name.
	contents map[string]*connections
}

func (t *tree) topics(sel ast.SelectionSet) *topics {
	lv := &topics{t: t, fields: t.fields(sel, "Topic", "Node"), byID: map[int64]*content.Topic{}}
	for _, f := range lv.fields {
		if f.Name == "contents" {
			if lv.contents == nil {
				lv.contents = map[string]*connections{}
			}
			lv.contents[f.Alias] = t.childConnection(f, content.ParentTopic)
		}
	}
	return lv
}

func (lv *topics) add(tp *content.Topic) {
	if tp != nil && lv.byID[tp.ID] == nil {
		lv.byID[tp.ID] = tp
		lv.items = append(lv.items, tp)
	}
}

func (lv *topics) load(b *batch) error {
	for _, f := range lv.fields {
		switch f.Name {
		case "__typename", "id", "slug", "name", "description", "contents":
		default:
			return errDecline
		}
	}
	if len(lv.items) == 0 {
		return nil
	}
	ids := make([]int64, len(lv.items))
	for i, tp := range lv.items {
		ids[i] = tp.ID
	}
	for _, conn := range lv.contents {
		if err := conn.addParents(ids); err != nil {
			return err
		}
		b.then(conn.load)
	}
	return nil
}

func (lv *topics) write(w *writer, tp *content.Topic) {
	if tp == nil {
		w.null()
		return
	}
	w.open()
	for i, f := range lv.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("Topic")
		case "id":
			w.string(relay.ID(relay.TypeTopic, tp.ID))
		case "slug":
			w.string(tp.Slug)
		case "name":
			w.string(tp.Name)
		case "description":
			w.string(tp.Description)
		case "contents":
			lv.contents[f.Alias].write(w, tp.ID)
		}
	}
	w.close()
}

// topicsByID returns the topics with the given IDs in one statement.
func (t *tree) topicsByID(ids []int64) (map[int64]*content.Topic, error) {
	ctx, done := t.batch("TopicByID", len(ids))
	found, err := t.cfg.Stores.Topics.ByIDs(ctx, ids)
	done()
	if err != nil {
		return nil, err
	}
	out := make(map[int64]*content.Topic, len(ids))
	for i, id := range ids {
		out[id] = found[i]
	}
	return out, nil
}

// topicConnection is a page of topics (Query.topics).
type topicConnection struct {
	t          *tree
	fields     []graphql.CollectedField
	edgeFields []graphql.CollectedField
	conn       *model.TopicConnection
	nodes      *topics
	total      int
}

func (t *tree) topicConnection(sel ast.SelectionSet, conn *model.TopicConnection) (*topicConnection, error) {
	c := &topicConnection{t: t, fields: t.fields(sel, "TopicConnection"), conn: conn}
	for _, f := range c.fields {
		switch f.Name {
		case "edges":
			c.edgeFields = t.fields(f.Selections, "TopicEdge")
			for _, ef := range c.edgeFields {
				switch ef.Name {
				case "node":
					if c.nodes == nil {
						c.nodes = t.topics(ef.Selections)
					}
				case "__typename", "cursor":
				default:
					return nil, errDecline
				}
			}
		case "__typename", "pageInfo", "totalCount":
		default:
			return nil, errDecline
		}
	}
	if c.nodes != nil {
		for _, e := range conn.Edges {
			c.nodes.add(e.Node)
		}
	}
	return c, nil
}

func (c *topicConnection) load(b *batch) error {
	for _, f := range c.fields {
		if f.Name == "totalCount" {
			if c.conn.Count == nil {
				return errDecline
			}
			b.then(func(*batch) error {
				n, err := c.conn.Count(c.t.ctx)
				c.total = n
				return err
			})
			break
		}
	}
	if c.nodes != nil {
		return c.nodes.load(b)
	}
	return nil
}

func (c *topicConnection) write(w *writer) {
	w.open()
	for i, f := range c.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("TopicConnection")
		case "edges":
			w.list(len(c.conn.Edges), func(j int) {
				e := c.conn.Edges[j]
				w.open()
				for k, ef := range c.edgeFields {
					w.key(k, ef.Alias)
					switch ef.Name {
					case "__typename":
						w.string("TopicEdge")
					case "cursor":
						w.string(e.Cursor)
					case "node":
						c.nodes.write(w, e.Node)
					}
				}
				w.close()
			})
		case "pageInfo":
			writePageInfo(w, c.t, f, *c.conn.PageInfo)
		case "totalCount":
			w.int(int64(c.total))
		}
	}
	w.close()
}

// preferences is a level of users' preferences under one selection.
type preferences struct {
	t      *tree
	fields []graphql.CollectedField
	byUser map[int64]*user.Preferences
	// The topics and people the preferences name, by response name.
	topics      map[string]*topics // Preferences.topics { topic }
	topicFields map[string][]graphql.CollectedField
	mutedTopics map[string]*topics
	people      map[string]*users // followedAuthors, mutedAuthors
	namedTopics map[int64]*content.Topic
	namedPeople map[int64]*user.User
}

func (t *tree) preferences(sel ast.SelectionSet) *preferences {
	p := &preferences{t: t, fields: t.fields(sel, "Preferences"), byUser: map[int64]*user.Preferences{},
		topics: map[string]*topics{}, topicFields: map[string][]graphql.CollectedField{}, mutedTopics: map[string]*topics{}, people: map[string]*users{}}
	for _, f := range p.fields {
		switch f.Name {
		case "topics":
			p.topicFields[f.Alias] = t.fields(f.Selections, "TopicPreference")
			for _, tf := range p.topicFields[f.Alias] {
				if tf.Name == "topic" {
					p.topics[f.Alias+"."+tf.Alias] = t.topics(tf.Selections)
				}
			}
		case "mutedTopics":
			p.mutedTopics[f.Alias] = t.topics(f.Selections)
		case "followedAuthors", "mutedAuthors":
			p.people[f.Alias] = t.users(f.Selections)
		}
	}
	return p
}

// read reads the preferences of users, then every topic and person they name, one statement
// each.
func (p *preferences) read(b *batch, userIDs []int64) error {
	t := p.t
	for _, f := range p.fields {
		switch f.Name {
		case "__typename", "topics", "languages", "kinds", "followedAuthors", "mutedTopics", "mutedAuthors",
			"notifications", "locale", "timeZone", "updatedAt":
		default:
			return errDecline
		}
	}
	ctx, done := t.batch("PreferencesByUserID", len(userIDs))
	found, err := t.cfg.Stores.Users.PreferencesByUserIDs(ctx, userIDs)
	done()
	if err != nil {
		return err
	}
	var topicIDs, peopleIDs []int64
	for i, id := range userIDs {
		pr := found[i]
		if pr == nil {
			continue
		}
		p.byUser[id] = pr
		for _, tw := range pr.TopicWeights {
			topicIDs = append(topicIDs, tw.TopicID)
		}
		topicIDs = append(topicIDs, pr.MutedTopicIDs...)
		peopleIDs = append(append(peopleIDs, pr.FollowedAuthorIDs...), pr.MutedAuthorIDs...)
	}
	if (len(p.topics) > 0 || len(p.mutedTopics) > 0) && len(topicIDs) > 0 {
		b.then(func(b *batch) error {
			named, err := t.topicsByID(topicIDs)
			if err != nil {
				return err
			}
			p.namedTopics = named
			for _, pr := range p.byUser {
				for _, tw := range pr.TopicWeights {
					if named[tw.TopicID] == nil {
						return errDecline // TopicPreference.topic cannot be null: gqlgen reports it
					}
				}
			}
			for _, lv := range p.topics {
				for _, tp := range named {
					lv.add(tp)
				}
				b.then(lv.load)
			}
			for _, lv := range p.mutedTopics {
				for _, tp := range named {
					lv.add(tp)
				}
				b.then(lv.load)
			}
			return nil
		})
	}
	if len(p.people) > 0 && len(peopleIDs) > 0 {
		b.then(func(b *batch) error {
			named, err := t.usersByID(peopleIDs)
			if err != nil {
				return err
			}
			p.namedPeople = named
			for _, lv := range p.people {
				lv.addAll(named)
				b.then(lv.load)
			}
			return nil
		})
	}
	return nil
}

func (p *preferences) write(w *writer, userID int64) {
	pr := p.byUser[userID]
	if pr == nil {
		w.null()
		return
	}
	w.open()
	for i, f := range p.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("Preferences")
		case "topics":
			fields := p.topicFields[f.Alias]
			w.list(len(pr.TopicWeights), func(j int) {
				tw := pr.TopicWeights[j]
				w.open()
				for k, tf := range fields {
					w.key(k, tf.Alias)
					switch tf.Name {
					case "__typename":
						w.string("TopicPreference")
					case "weight":
						w.float(tw.Weight)
					case "topic":
						p.topics[f.Alias+"."+tf.Alias].write(w, p.namedTopics[tw.TopicID])
					}
				}
				w.close()
			})
		case "languages":
			w.list(len(pr.Languages), func(j int) { w.string(pr.Languages[j]) })
		case "kinds":
			w.list(len(pr.Kinds), func(j int) { w.enum(pr.Kinds[j]) })
		case "followedAuthors", "mutedAuthors":
			ids := pr.FollowedAuthorIDs
			if f.Name == "mutedAuthors" {
				ids = pr.MutedAuthorIDs
			}
			p.writePeople(w, p.people[f.Alias], ids)
		case "mutedTopics":
			lv := p.mutedTopics[f.Alias]
			var list []*content.Topic
			for _, id := range pr.MutedTopicIDs {
				if tp := p.namedTopics[id]; tp != nil {
					list = append(list, tp)
				}
			}
			w.list(len(list), func(j int) { lv.write(w, list[j]) })
		case "notifications":
			w.open()
			for k, nf := range p.t.fields(f.Selections, "NotificationSettings") {
				w.key(k, nf.Alias)
				switch nf.Name {
				case "__typename":
					w.string("NotificationSettings")
				case "email":
					w.enum(string(pr.EmailNotifications))
				case "inApp":
					w.bool(pr.InAppNotifications)
				}
			}
			w.close()
		case "locale":
			w.string(pr.Locale)
		case "timeZone":
			w.string(pr.TimeZone)
		case "updatedAt":
			w.time(pr.UpdatedAt)
		}
	}
	w.close()
}

// writePeople writes the named people that still exist, in their order.
func (p *preferences) writePeople(w *writer, lv *users, ids []int64) {
	var list []int64
	for _, id := range ids {
		if p.namedPeople[id] != nil {
			list = append(list, id)
		}
	}
	w.list(len(list), func(j int) { lv.write(w, list[j]) })
}
