package graph

import (
	"context"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// preferencesPatch maps the mutation's input onto the domain's patch.
func preferencesPatch(in model.UpdatePreferencesInput) (user.PreferencesPatch, error) {
	p := user.PreferencesPatch{Languages: in.Languages, Locale: in.Locale, TimeZone: in.TimeZone}
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
	if in.MutedTopicIds != nil {
		if p.MutedTopicIDs, err = parseIDs("input.mutedTopicIds", in.MutedTopicIds, relay.TypeTopic); err != nil {
			return p, err
		}
	}
	if in.MutedAuthorIds != nil {
		if p.MutedAuthorIDs, err = parseIDs("input.mutedAuthorIds", in.MutedAuthorIds, relay.TypeUser); err != nil {
			return p, err
		}
	}
	if in.Notifications != nil {
		p.EmailNotifications, p.InAppNotifications = in.Notifications.Email, in.Notifications.InApp
	}
	return p, nil
}

func fieldErrorList(errs apperr.FieldErrors) []*apperr.FieldError {
	list, _ := userErrors(errs)
	return list
}

// follow makes the viewer follow (or stop following) an author.
func (r *Resolver) follow(ctx context.Context, in model.FollowUserInput, on bool) (*model.FollowUserPayload, error) {
	id, err := relay.ParseIDOf("input.userId", in.UserID, relay.TypeUser)
	if err != nil {
		return nil, err
	}
	v := access.ViewerFrom(ctx)
	if id == v.UserID {
		return &model.FollowUserPayload{UserErrors: []*apperr.FieldError{{Field: "userId", Code: apperr.FieldInvalid, Message: "you cannot follow yourself"}}}, nil
	}
	if on {
		err = r.UserStore.Follow(ctx, v.UserID, id)
	} else {
		err = r.UserStore.Unfollow(ctx, v.UserID, id)
	}
	if userErrs, err := userErrors(err); err != nil || userErrs != nil {
		return &model.FollowUserPayload{UserErrors: userErrs}, err
	}
	u, err := loaders.For(ctx).UserByID.Load(ctx, id)()
	if err != nil {
		return nil, err
	}
	if u == nil {
		return &model.FollowUserPayload{UserErrors: []*apperr.FieldError{{Field: "userId", Code: apperr.FieldNotFound, Message: "no user has this ID"}}}, nil
	}
	return &model.FollowUserPayload{User: u, UserErrors: noUserErrors()}, nil
}

// newFeedConnection turns a feed page into its connection, handing the viewer's state for
// each item to the loaders so viewerState costs no statement.
func (r *Resolver) newFeedConnection(ctx context.Context, p feed.Page, paged bool) (*model.FeedConnection, error) {
	l := loaders.For(ctx)
	conn := &model.FeedConnection{Edges: make([]*model.FeedEdge, len(p.Items))}
	items := make([]*content.Content, len(p.Items))
	for i, it := range p.Items {
		reasons := make([]*feed.Reason, len(it.Reasons))
		for j := range it.Reasons {
			reasons[j] = &it.Reasons[j]
		}
		conn.Edges[i] = &model.FeedEdge{Cursor: p.Cursors[i], Node: it.Content, Score: it.Score, Reasons: reasons}
		items[i] = it.Content
		if l.ViewerStateByContentID != nil {
			l.ViewerStateByContentID.Prime(ctx, it.Content.ID, &postgres.ViewerState{
				ContentID: it.Content.ID, Viewed: it.Viewed, Liked: it.Liked, Bookmarked: it.Bookmarked})
		}
	}
	if err := r.prefetchExcept(ctx, items, loaders.Relations{ViewerStates: true}); err != nil {
		return nil, err
	}
	conn.PageInfo = &relay.PageInfo{HasNextPage: p.More, HasPreviousPage: paged}
	if n := len(p.Cursors); n > 0 {
		conn.PageInfo.StartCursor, conn.PageInfo.EndCursor = &p.Cursors[0], &p.Cursors[n-1]
	}
	return conn, nil
}

// shelf lists one of the user's shelves (bookmarks or history).
func (r *Resolver) shelf(ctx context.Context, u *user.User, s postgres.Shelf, first *int, after *string) (*model.ContentConnection, error) {
	page, err := relay.PageArgs{First: first, After: after}.Resolve(postgres.ShelfOrderName(s), r.PageSize)
	if err != nil {
		return nil, err
	}
	items, more, err := r.ContentStore.ShelfPage(ctx, access.ViewerFrom(ctx), u.ID, s, page)
	if err != nil {
		return nil, err
	}
	list := make([]*content.Content, len(items))
	for i, it := range items {
		list[i] = it.Content
	}
	return r.contentPage(ctx, list, func(i int) string { return items[i].Cursor(s) }, page, more, func(ctx context.Context) (int, error) {
		return r.ContentStore.ShelfCount(ctx, access.ViewerFrom(ctx), u.ID, s)
	})
}

func topicIDs(weights []user.TopicWeight) []int64 {
	out := make([]int64, len(weights))
	for i, w := range weights {
		out[i] = w.TopicID
	}
	return out
}
