package graph

import (
	"context"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// Bounds of the related-content argument.
const (
	defaultRelated = 5
	maxRelated     = 20
)

// relatedCount checks Content.related's first argument.
func relatedCount(first *int) (int, error) {
	n := defaultRelated
	if first != nil {
		n = *first
	}
	if n < 1 || n > maxRelated {
		return 0, apperr.Invalid("first", "first must be between 1 and %d, got %d", maxRelated, n)
	}
	return n, nil
}

// preferencesPatch maps the mutation's input onto the domain's patch.
func preferencesPatch(in model.UpdatePreferencesInput) (user.PreferencesPatch, error) {
	p := user.PreferencesPatch{Languages: in.Languages, Locale: in.Locale, TimeZone: in.TimeZone, RecordHabits: in.RecordHabits}
	for _, tw := range in.Topics {
		id, err := relay.ParseIDOf("input.topics.topicId", tw.TopicID, relay.TypeTopic)
		if err != nil {
			return p, err
		}
		p.TopicWeights = append(p.TopicWeights, user.TopicWeight{TopicID: id, Weight: tw.Weight})
	}
	if in.Kinds != nil {
		p.Kinds = make([]string, len(in.Kinds))
		for i, k := range in.Kinds {
			p.Kinds[i] = string(k)
		}
	}
	var err error
	if p.MutedTopicIDs, err = parseIDs("input.mutedTopicIds", in.MutedTopicIds, relay.TypeTopic); err != nil {
		return p, err
	}
	if p.MutedAuthorIDs, err = parseIDs("input.mutedAuthorIds", in.MutedAuthorIds, relay.TypeUser); err != nil {
		return p, err
	}
	if in.Notifications != nil {
		p.EmailNotifications, p.InAppNotifications = in.Notifications.Email, in.Notifications.InApp
	}
	return p, nil
}

// follow makes the viewer follow (or stop following) an author with change.
func (r *Resolver) follow(ctx context.Context, in model.FollowUserInput, change func(ctx context.Context, follower, author int64) error) (*model.FollowUserPayload, error) {
	id, err := relay.ParseIDOf("input.userId", in.UserID, relay.TypeUser)
	if err != nil {
		return nil, err
	}
	userErrs, err := userErrors(change(ctx, access.ViewerFrom(ctx).UserID, id))
	if err != nil || len(userErrs) > 0 {
		return &model.FollowUserPayload{UserErrors: userErrs}, err
	}
	u, err := loaders.Get(ctx, loaders.For(ctx).UserByID, id)
	if err == nil && u == nil {
		userErrs = []*apperr.FieldError{{Field: "userId", Code: apperr.FieldNotFound, Message: "no user has this ID"}}
	}
	return &model.FollowUserPayload{User: u, UserErrors: userErrs}, err
}

// afterWrite reads back the item a mutation wrote, as the viewer may see it, unless the write
// failed; a refusal of the input becomes the payload's userErrors.
func afterWrite(ctx context.Context, id int64, err error) (*content.Content, []*apperr.FieldError, error) {
	userErrs, err := userErrors(err)
	if err != nil || len(userErrs) > 0 {
		return nil, userErrs, err
	}
	c, err := loaders.Get(ctx, loaders.For(ctx).ContentByID, loaders.ContentKey{ID: id, Fields: contentFields(ctx, "content")})
	return c, userErrs, err
}

// feedConnection turns a feed page into its connection, handing the viewer's state for each
// item to the loaders so viewerState costs no statement.
func feedConnection(ctx context.Context, p feed.Page) *model.FeedConnection {
	l := loaders.For(ctx)
	conn := &model.FeedConnection{Edges: make([]*model.FeedEdge, len(p.Items))}
	for i, it := range p.Items {
		reasons := make([]*feed.Reason, len(it.Reasons))
		for j := range it.Reasons {
			reasons[j] = &it.Reasons[j]
		}
		conn.Edges[i] = &model.FeedEdge{Cursor: p.Cursors[i], Node: it.Content, Score: it.Score, Reasons: reasons}
		if l.ViewerStateByContentID != nil {
			l.ViewerStateByContentID.Prime(ctx, it.Content.ID, &habits.ViewerState{
				ContentID: it.Content.ID, Viewed: it.Viewed, Liked: it.Liked, Bookmarked: it.Bookmarked})
		}
	}
	conn.PageInfo = &relay.PageInfo{HasNextPage: p.More, HasPreviousPage: p.After}
	if n := len(p.Cursors); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return conn
}

// searchConnection turns a page of results into its connection.
func searchConnection(res search.Page) *model.SearchConnection {
	conn := &model.SearchConnection{Edges: make([]*model.SearchEdge, len(res.Hits))}
	cursors := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		cursors[i] = h.Cursor
		conn.Edges[i] = &model.SearchEdge{Cursor: h.Cursor, Node: h.Content, Rank: h.Rank}
	}
	info := relay.NewPageInfo(res.Page, res.More, cursors)
	conn.PageInfo = &info
	return conn
}

// shelf lists one of the user's shelves (bookmarks or history).
func (r *Resolver) shelf(ctx context.Context, u *user.User, s habits.Shelf, first *int, after *string) (*model.ContentConnection, error) {
	v := access.ViewerFrom(ctx)
	page, err := r.Habits.Shelf(ctx, v, u.ID, s, first, after)
	if err != nil {
		return nil, err
	}
	items := make([]*content.Content, len(page.Items))
	for i, it := range page.Items {
		items[i] = it.Content
	}
	return contentConnection(items, page, page.Page, page.More,
		func(ctx context.Context) (int, error) { return r.Habits.ShelfCount(ctx, v, u.ID, s) }), nil
}
