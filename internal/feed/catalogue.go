package feed

import (
	"cmp"
	"context"
	"slices"
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
// topic's newest listed items and the freshest and most popular ones. It is shared by
// concurrent requests and never changed.
type Catalogue struct {
	// Listings holds the global lists' items first, once each, then each topic's.
	Listings []Listing
	global   int
	topics   map[int64][]Listing
}

// newCatalogue returns the catalogue of listings.
func newCatalogue(listings []Listing) *Catalogue {
	c := &Catalogue{topics: make(map[int64][]Listing)}
	seen := make(map[int64]bool)
	for _, l := range listings {
		if l.List == 0 && !seen[l.Content.ID] {
			seen[l.Content.ID] = true
			c.Listings = append(c.Listings, l)
		}
	}
	c.global = len(c.Listings)
	slices.SortStableFunc(listings, func(a, b Listing) int { return cmp.Compare(a.List, b.List) })
	for _, l := range listings {
		if l.List != 0 {
			c.Listings = append(c.Listings, l)
		}
	}
	for i := c.global; i < len(c.Listings); {
		j := i
		for j < len(c.Listings) && c.Listings[j].List == c.Listings[i].List {
			j++
		}
		c.topics[c.Listings[i].List] = c.Listings[i:j:j]
		i = j
	}
	return c
}

// topic returns the listings of topic t.
func (c *Catalogue) topic(t int64) []Listing { return c.topics[t] }

// anonymous returns the candidates of a viewer who is not signed in: the global lists.
func (c *Catalogue) anonymous() []Candidate {
	out := make([]Candidate, c.global)
	for i, l := range c.Listings[:c.global] {
		out[i] = Candidate{Content: l.Content, Popularity: l.Popularity, TopicIDs: l.TopicIDs}
	}
	return Profile{}.apply(out)
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
	return newCatalogue(listings), nil
}
