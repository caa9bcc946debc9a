package loaders

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/postgres"
)

// Relations names what Preload reads for a page of content.
type Relations struct {
	Authors, Topics, ViewerStates bool
}

// Preload reads the selected relations of a page of content at once, one statement each and
// concurrently, and primes the loaders with the answers, so the items' resolvers find them in
// the cache without waiting for a batch window. Top-level lists use it: their items are all
// known before any child resolver runs.
func (l *Loaders) Preload(ctx context.Context, items []*content.Content, r Relations) error {
	if len(items) == 0 {
		return nil
	}
	ids := make([]int64, len(items))
	var authors []int64
	seen := make(map[int64]bool, len(items))
	for i, c := range items {
		ids[i] = c.ID
		if !seen[c.AuthorID] {
			seen[c.AuthorID] = true
			authors = append(authors, c.AuthorID)
		}
	}
	g, gctx := errgroup.WithContext(ctx)
	if r.Authors {
		g.Go(func() error {
			users, err := l.stores.Users.ByIDs(gctx, authors)
			for i, u := range users {
				l.UserByID.Prime(ctx, authors[i], u)
			}
			return err
		})
	}
	if r.Topics {
		g.Go(func() error {
			topics, err := l.stores.Topics.ByContentIDs(gctx, ids)
			for i, ts := range topics {
				l.TopicsByContentID.Prime(ctx, ids[i], ts)
				for _, t := range ts {
					l.TopicByID.Prime(ctx, t.ID, t)
				}
			}
			return err
		})
	}
	if r.ViewerStates && l.ViewerStateByContentID != nil {
		g.Go(func() error {
			states, err := l.stores.Interactions.ViewerStates(gctx, l.viewer.UserID, ids)
			for i, st := range states {
				l.ViewerStateByContentID.Prime(ctx, ids[i], st)
			}
			return err
		})
	}
	return g.Wait()
}

// PreloadAuthorPages reads one page of content for every author of a page at once, as
// ListByParents does for a batch, primes ContentsByAuthor with it, then preloads the
// relations of all those items together. A top-level list uses it when its items' authors'
// contents are selected, so that nested level costs one statement whatever the timing.
func (l *Loaders) PreloadAuthorPages(ctx context.Context, items []*content.Content, key ChildPage, r Relations) error {
	var authors []int64
	seen := make(map[int64]bool, len(items))
	for _, c := range items {
		if !seen[c.AuthorID] {
			seen[c.AuthorID] = true
			authors = append(authors, c.AuthorID)
		}
	}
	if len(authors) == 0 {
		return nil
	}
	lists, err := l.stores.Contents.ListByParents(ctx, postgres.ParentAuthor, authors, postgres.ContentListQuery{
		Viewer: l.viewer, Order: key.Order, Page: key.page(), WithBody: key.WithBody,
	})
	if err != nil {
		return err
	}
	var inner []*content.Content
	for i, id := range authors {
		k := key
		k.ParentID = id
		l.ContentsByAuthor.Prime(ctx, k, lists[i])
		inner = append(inner, lists[i].Items...)
	}
	return l.Preload(ctx, inner, r)
}

// Remember computes a fact about the operation once (such as what a field's selection asks
// for) and returns the remembered answer afterwards.
func (l *Loaders) Remember(key any, compute func() bool) bool {
	l.memoMu.Lock()
	defer l.memoMu.Unlock()
	if v, ok := l.memo[key]; ok {
		return v
	}
	if l.memo == nil {
		l.memo = map[any]bool{}
	}
	v := compute()
	l.memo[key] = v
	return v
}

// PreloadNamed reads the topics and people a single object names (such as a user's
// preferences) at once, concurrently, and primes the loaders with them, so the fields that
// list them cost one statement each whatever the timing of their resolvers.
func (l *Loaders) PreloadNamed(ctx context.Context, topicIDs, userIDs []int64) error {
	g, gctx := errgroup.WithContext(ctx)
	if len(topicIDs) > 0 {
		g.Go(func() error {
			topics, err := l.stores.Topics.ByIDs(gctx, topicIDs)
			for i, t := range topics {
				l.TopicByID.Prime(ctx, topicIDs[i], t)
			}
			return err
		})
	}
	if len(userIDs) > 0 {
		g.Go(func() error {
			users, err := l.stores.Users.ByIDs(gctx, userIDs)
			for i, u := range users {
				l.UserByID.Prime(ctx, userIDs[i], u)
			}
			return err
		})
	}
	return g.Wait()
}
