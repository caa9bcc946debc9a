package content

import (
	"context"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/language"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// MaxFilterValues bounds each list of a filter.
const MaxFilterValues = 50

// List is one page of content items in list order, with what is needed to page on from it.
type List struct {
	Items []*Content
	// More reports whether the list goes on past this page in the direction of travel.
	More bool
	// Page and Order are the page that was read and the list's order, for cursors and page info.
	Page  relay.Page
	Order Order
}

// Cursor returns the cursor of the i-th item.
func (l List) Cursor(i int) string { return l.Items[i].Cursor(l.Order) }

// ListQuery is what a store reads for one content list.
type ListQuery struct {
	Viewer access.Viewer
	Filter Filter
	Order  Order
	Page   relay.Page
	// Fields is what to read of each item.
	Fields Fields
}

// Parent names what a child list hangs from.
type Parent int

// The parents of content lists.
const (
	ParentAuthor Parent = iota + 1
	ParentTopic
)

// CursorName names the ordering inside its cursors, so a cursor from one ordering (or list)
// is refused by another.
func (o Order) CursorName() string { return "contents/" + o.Name() }

// Cursor returns c's cursor in a list sorted by o.
func (c *Content) Cursor(o Order) string {
	key := c.SortedAt.UTC().Format(time.RFC3339Nano)
	if o.Field == OrderTitle {
		key = c.Title
	}
	return relay.Cursor{Order: o.CursorName(), Key: key, ID: c.ID}.Encode()
}

// ParseCursorKey returns the sort key a cursor of ordering o carries, as the store compares
// it: a time for publication order, the title for title order.
func (o Order) ParseCursorKey(field, key string) (any, error) {
	if o.Field == OrderTitle {
		return key, nil
	}
	t, err := time.Parse(time.RFC3339Nano, key)
	if err != nil {
		return nil, apperr.Invalid(field, "%s: the cursor is not valid; pass a cursor returned by this connection", field)
	}
	return t, nil
}

// FilterRequest is a content filter as a client gives it: topics by ID or by slug.
type FilterRequest struct {
	TopicIDs   []int64
	TopicSlugs []string
	AuthorIDs  []int64
	Kinds      []Kind
	Languages  []string
	Statuses   []Status
}

// ListRequest asks for one page of the content a viewer may see.
type ListRequest struct {
	Filter FilterRequest
	Order  Order
	Page   relay.PageArgs
	// Fields is what to read of each item.
	Fields Fields
}

// ListStore reads content lists, always through the viewer's visibility rules.
type ListStore interface {
	List(ctx context.Context, q ListQuery) (List, error)
	Count(ctx context.Context, v access.Viewer, f Filter) (int, error)
	BySlug(ctx context.Context, v access.Viewer, slug string, f Fields) (*Content, error)
	BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, f Fields) (*Content, *user.User, error)
}

// TopicStore finds topics.
type TopicStore interface {
	List(ctx context.Context, p relay.Page) (TopicList, error)
	Count(ctx context.Context) (int, error)
	BySlug(ctx context.Context, slug string) (*Topic, error)
	IDsBySlugs(ctx context.Context, slugs []string) ([]int64, error)
	ByIDs(ctx context.Context, ids []int64) ([]*Topic, error)
}

// Lister answers content and topic lists: it checks what a client asks for and reads it.
type Lister struct {
	contents ListStore
	topics   TopicStore
	pages    relay.Limits
}

// NewLister returns a Lister over the stores, with pages bounded by pages.
func NewLister(contents ListStore, topics TopicStore, pages relay.Limits) *Lister {
	return &Lister{contents: contents, topics: topics, pages: pages}
}

// PageLimits are the bounds of every page.
func (l *Lister) PageLimits() relay.Limits { return l.pages }

// List returns one page of the content v may see that matches the request.
func (l *Lister) List(ctx context.Context, v access.Viewer, r ListRequest) (List, Filter, error) {
	page, err := r.Page.Resolve(r.Order.CursorName(), l.pages)
	if err != nil {
		return List{}, Filter{}, err
	}
	f, err := l.filter(ctx, r.Filter)
	if err != nil {
		return List{}, Filter{}, err
	}
	// A list filtered on one topic that has items proves the topic exists; otherwise ask.
	if len(r.Filter.TopicIDs) > 1 {
		if err := l.topicsExist(ctx, r.Filter.TopicIDs); err != nil {
			return List{}, Filter{}, err
		}
	}
	list, err := l.contents.List(ctx, ListQuery{Viewer: v, Filter: f, Order: r.Order, Page: page, Fields: r.Fields})
	if err == nil && len(list.Items) == 0 && len(r.Filter.TopicIDs) == 1 {
		err = l.topicsExist(ctx, r.Filter.TopicIDs)
	}
	return list, f, err
}

// Count returns how many items v may see match f.
func (l *Lister) Count(ctx context.Context, v access.Viewer, f Filter) (int, error) {
	return l.contents.Count(ctx, v, f)
}

// BySlug returns the item with the given slug as v may see it, or nil.
func (l *Lister) BySlug(ctx context.Context, v access.Viewer, slug string, f Fields) (*Content, error) {
	return l.contents.BySlug(ctx, v, slug, f)
}

// BySlugWithAuthor is BySlug that also returns the item's author, read with it.
func (l *Lister) BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, f Fields) (*Content, *user.User, error) {
	return l.contents.BySlugWithAuthor(ctx, v, slug, f)
}

// Topics returns one page of the topics, alphabetically.
func (l *Lister) Topics(ctx context.Context, args relay.PageArgs) (TopicList, error) {
	page, err := args.Resolve(TopicOrder, l.pages)
	if err != nil {
		return TopicList{}, err
	}
	list, err := l.topics.List(ctx, page)
	list.Page = page
	return list, err
}

// CountTopics returns the number of topics.
func (l *Lister) CountTopics(ctx context.Context) (int, error) { return l.topics.Count(ctx) }

// TopicBySlug returns the topic with the given slug, or nil.
func (l *Lister) TopicBySlug(ctx context.Context, slug string) (*Topic, error) {
	return l.topics.BySlug(ctx, slug)
}

// filter checks a client's filter and resolves its topic slugs and IDs, refusing topics that
// do not exist.
func (l *Lister) filter(ctx context.Context, r FilterRequest) (Filter, error) {
	var out Filter
	for _, x := range []struct {
		field string
		n     int
	}{
		{"filter.topicIds", len(r.TopicIDs)}, {"filter.topicSlugs", len(r.TopicSlugs)}, {"filter.authorIds", len(r.AuthorIDs)},
		{"filter.kinds", len(r.Kinds)}, {"filter.languages", len(r.Languages)}, {"filter.statuses", len(r.Statuses)},
	} {
		if x.n > MaxFilterValues {
			return out, apperr.Invalid(x.field, "%s: at most %d values, got %d", x.field, MaxFilterValues, x.n)
		}
	}
	for _, lang := range r.Languages {
		if !language.Valid(lang) {
			return out, apperr.Invalid("filter.languages", "filter.languages: %q is not a two-letter lowercase ISO 639-1 code such as \"en\"", lang)
		}
	}
	out.TopicIDs = append(out.TopicIDs, r.TopicIDs...)
	if len(r.TopicSlugs) > 0 {
		ids, err := l.topics.IDsBySlugs(ctx, r.TopicSlugs)
		if err != nil {
			return out, err
		}
		for i, id := range ids {
			if id == 0 {
				return out, apperr.Invalid("filter.topicSlugs", "filter.topicSlugs: no topic has the slug %q", r.TopicSlugs[i])
			}
		}
		out.TopicIDs = append(out.TopicIDs, ids...)
	}
	out.AuthorIDs, out.Kinds, out.Languages, out.Statuses = r.AuthorIDs, r.Kinds, r.Languages, r.Statuses
	return out, nil
}

// topicsExist refuses topic IDs of a filter that name no topic.
func (l *Lister) topicsExist(ctx context.Context, ids []int64) error {
	topics, err := l.topics.ByIDs(ctx, ids)
	if err != nil {
		return err
	}
	for i, t := range topics {
		if t == nil {
			return apperr.Invalid("filter.topicIds", "filter.topicIds: no topic has the ID %q", relay.ID(relay.TypeTopic, ids[i]))
		}
	}
	return nil
}

// TopicOrder names the topic ordering (by name) inside its cursors.
const TopicOrder = "topics/name-asc"

// TopicList is one page of topics in list order.
type TopicList struct {
	Items []*Topic
	More  bool
	Page  relay.Page
}

// Cursor returns t's cursor in the topic list.
func (t *Topic) Cursor() string {
	return relay.Cursor{Order: TopicOrder, Key: t.Name, ID: t.ID}.Encode()
}
