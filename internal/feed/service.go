package feed

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// Store finds candidates and keeps ranked snapshots.
type Store interface {
	// Listings reads the catalogue: each topic's newest listed items and the freshest and most
	// popular ones.
	Listings(ctx context.Context) ([]Listing, error)
	// Profile reads what v has said and done that ranking reads, and the newest listed items
	// of the authors v follows.
	Profile(ctx context.Context, v access.Viewer) (Profile, []Listing, error)
	// Keep stores a ranking and returns its ID with the contents of the items of show that v
	// may still see.
	// version is the viewer's profile version the ranking was made at.
	Keep(ctx context.Context, v access.Viewer, bucket string, version int64, ranked []Ranked, show []int64) (int64, []*content.Content, error)
	FeedPage(ctx context.Context, v access.Viewer, id int64, after, limit int) ([]Item, bool, error)
	// RecentFirstPage reads the first page of v's newest ranking stored within the given time
	// and at v's current profile version.
	RecentFirstPage(ctx context.Context, v access.Viewer, bucket string, within time.Duration, limit int) (int64, []Item, bool, error)
}

// cursorOrder names feed cursors.
const cursorOrder = "feed"

// Service builds viewers' feeds.
type Service struct {
	store     Store
	now       func() time.Time
	reuse     time.Duration
	pages     relay.Limits
	diversity Diversity
	catalogue *catalogueCache
}

// Options tune a Service.
type Options struct {
	// Reuse: a viewer who asks for the first page again within this time gets the same ranking
	// without it being computed anew; zero ranks every time.
	Reuse time.Duration
	// CatalogueAge is how old the catalogue may be before it is read again; a new item enters
	// feeds at most this late. Zero reads it for every ranking.
	CatalogueAge time.Duration
	// Diversity spreads each ranking over topics and authors.
	Diversity Diversity
	Pages     relay.Limits
}

// NewService returns a Service over store.
func NewService(store Store, now func() time.Time, o Options) *Service {
	return &Service{store: store, now: now, reuse: o.Reuse, pages: o.Pages, diversity: o.Diversity,
		catalogue: &catalogueCache{read: store.Listings, now: now, maxAge: o.CatalogueAge}}
}

// Page is one page of a feed.
type Page struct {
	Items []Item
	// Cursors are the items' cursors; More tells whether the feed goes on.
	Cursors []string
	More    bool
	// After tells whether the page follows a cursor.
	After bool
}

// Page returns the page of v's feed after the cursor (or the first page, ranking the feed
// afresh and keeping it as a snapshot that later pages read); first is the page size.
func (s *Service) Page(ctx context.Context, v access.Viewer, firstArg *int, after *string) (Page, error) {
	first := s.pages.Default
	if firstArg != nil {
		if *firstArg < 1 || *firstArg > s.pages.Max {
			return Page{}, apperr.Invalid("first", "first must be between 1 and %d, got %d", s.pages.Max, *firstArg)
		}
		first = *firstArg
	}
	v = v.ForContent()
	if after == nil {
		return s.firstPage(ctx, v, first)
	}
	c, err := relay.DecodeCursor("after", *after, cursorOrder)
	if err != nil {
		return Page{}, err
	}
	id, convErr := strconv.ParseInt(c.Key, 10, 64)
	if convErr != nil {
		return Page{}, apperr.Invalid("after", "after: %q is not a valid cursor; pass a cursor returned by this feed", *after)
	}
	items, ok, err := s.store.FeedPage(ctx, v, id, int(c.ID), first)
	if err != nil {
		return Page{}, err
	}
	if !ok {
		return Page{}, apperr.Invalid("after", "after: this feed has expired or belongs to another viewer; ask for the first page again without after")
	}
	p := newPage(id, items, first)
	p.After = true
	return p, nil
}

func (s *Service) firstPage(ctx context.Context, v access.Viewer, first int) (Page, error) {
	now := s.now()
	bucket := ""
	if v.Anonymous() {
		// Everyone anonymous shares one ranking per minute.
		bucket = "anonymous:" + now.UTC().Truncate(time.Minute).Format(time.RFC3339)
	}
	if v.Anonymous() || s.reuse > 0 {
		id, items, found, err := s.store.RecentFirstPage(ctx, v, bucket, s.reuse, first)
		if err != nil || found {
			return newPage(id, items, first), err
		}
	}
	cands, version, err := s.candidates(ctx, v)
	if err != nil {
		return Page{}, err
	}
	ranked := Rank(cands, now, s.diversity)
	if len(ranked) == 0 {
		return Page{}, nil
	}
	// The first page's items (and one more, which tells whether the feed goes on) are read in
	// full with the snapshot's write; the candidates carry only what ranking needs.
	shown := ranked[:min(first+1, len(ranked))]
	show := make([]int64, len(shown))
	for i, r := range shown {
		show[i] = r.ContentID
	}
	id, contents, err := s.store.Keep(ctx, v, bucket, version, ranked, show)
	if err != nil {
		return Page{}, err
	}
	byID := make(map[int64]*content.Content, len(contents))
	for _, c := range contents {
		byID[c.ID] = c
	}
	states := make(map[int64]*Candidate, len(shown))
	for i := range cands {
		states[cands[i].Content.ID] = &cands[i]
	}
	items := make([]Item, 0, len(shown))
	for pos, r := range shown {
		c, ok := byID[r.ContentID]
		if !ok {
			continue
		}
		reasons := slices.Clone(r.Reasons)
		for j := range reasons {
			reasons[j].Explain(c, now)
		}
		st := states[r.ContentID]
		items = append(items, Item{Content: c, Position: pos + 1, Score: r.Score, Reasons: reasons,
			Viewed: st.Seen, Liked: st.Liked, Bookmarked: st.Bookmarked})
	}
	p := newPage(id, items, first)
	// An item withdrawn since ranking leaves the page short, never the feed: later items
	// remain behind the cursor.
	p.More = p.More || len(ranked) > len(shown)
	return p, nil
}

// candidates returns what may enter v's feed: the catalogue's global lists and, for a
// signed-in viewer, the lists of their best-liked topics and their followed authors' newest.
// It returns the version of v's profile they were read at.
func (s *Service) candidates(ctx context.Context, v access.Viewer) ([]Candidate, int64, error) {
	cat, err := s.catalogue.get(ctx)
	if err != nil {
		return nil, 0, err
	}
	if v.Anonymous() {
		return cat.anonymous(), 0, nil
	}
	profile, followed, err := s.store.Profile(ctx, v)
	if err != nil {
		return nil, 0, err
	}
	return profile.candidates(v.UserID, cat, followed), profile.Version, nil
}

func newPage(snapshot int64, items []Item, first int) Page {
	p := Page{Items: items}
	if len(items) > first {
		p.Items, p.More = items[:first], true
	}
	key := strconv.FormatInt(snapshot, 10)
	p.Cursors = make([]string, len(p.Items))
	for i, it := range p.Items {
		p.Cursors[i] = relay.Cursor{Order: cursorOrder, Key: key, ID: int64(it.Position)}.Encode()
	}
	return p
}
