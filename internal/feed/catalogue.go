package feed

import (
	"context"
	"sync"
	"time"

	"github.com/tailorhq/tailor/internal/content"
)

// Listing is an item of the catalogue with what ranking reads of it.
type Listing struct {
	// List is the topic whose newest items hold the listing, or zero for the freshest and the
	// most popular items of all.
	List int64
	// Content holds the item's ID, author, sort time, kind and language.
	Content    *content.Content
	Popularity float64
	TopicIDs   []int64
}

// Catalogue is the part of every feed's candidates that does not depend on the viewer: each
// topic's newest listed items and the freshest and most popular ones. Its listings are shared
// by concurrent requests and never changed.
type Catalogue struct {
	Listings []Listing
	byID     map[int64]*Listing
}

// NewCatalogue returns the catalogue of listings.
func NewCatalogue(listings []Listing) *Catalogue {
	c := &Catalogue{Listings: listings, byID: make(map[int64]*Listing, len(listings))}
	for i := range listings {
		c.byID[listings[i].Content.ID] = &listings[i]
	}
	return c
}

// Lookup returns the listing of the item id.
func (c *Catalogue) Lookup(id int64) (*Listing, bool) {
	l, ok := c.byID[id]
	return l, ok
}

// global returns the candidates every feed shares: the freshest and the most popular items,
// once each.
func (c *Catalogue) global() []Candidate {
	seen := make(map[int64]bool)
	var out []Candidate
	for _, l := range c.Listings {
		if l.List != 0 || seen[l.Content.ID] {
			continue
		}
		seen[l.Content.ID] = true
		out = append(out, Candidate{Content: l.Content, Popularity: l.Popularity, TopicIDs: l.TopicIDs})
	}
	return out
}

// catalogueCache keeps the catalogue of one process. A catalogue older than maxAge is still
// served while one fresh is read in the background, so no request waits on the read but the
// first; with maxAge zero every call reads it anew.
type catalogueCache struct {
	read   func(ctx context.Context) ([]Listing, error)
	now    func() time.Time
	maxAge time.Duration

	mu         sync.Mutex
	current    *Catalogue
	readAt     time.Time
	refreshing bool
}

// refreshTimeout bounds a background read of the catalogue.
const refreshTimeout = 30 * time.Second

func (c *catalogueCache) get(ctx context.Context) (*Catalogue, error) {
	if c.maxAge <= 0 {
		return c.load(ctx)
	}
	c.mu.Lock()
	cur, age := c.current, c.now().Sub(c.readAt)
	stale := cur != nil && age >= c.maxAge && !c.refreshing
	if stale {
		c.refreshing = true
	}
	c.mu.Unlock()
	if stale {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), refreshTimeout)
			defer cancel()
			_, _ = c.store(ctx)
		}()
	}
	if cur != nil {
		return cur, nil
	}
	// The first read is shared: it outlives the request that starts it.
	return c.store(context.WithoutCancel(ctx))
}

// store reads the catalogue and keeps it; after a failed read the next call tries again.
func (c *catalogueCache) store(ctx context.Context) (*Catalogue, error) {
	at := c.now()
	cat, err := c.load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.refreshing = false
	if err != nil {
		return nil, err
	}
	if c.current == nil || at.After(c.readAt) {
		c.current, c.readAt = cat, at
	}
	return cat, nil
}

func (c *catalogueCache) load(ctx context.Context) (*Catalogue, error) {
	listings, err := c.read(ctx)
	if err != nil {
		return nil, err
	}
	return NewCatalogue(listings), nil
}
