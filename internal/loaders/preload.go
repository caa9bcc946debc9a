package loaders

import (
	"context"

	"golang.org/x/sync/errgroup"

	"github.com/tailorhq/tailor/internal/content"
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
