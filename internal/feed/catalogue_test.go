package feed

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/content"
)

// clock is a settable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// versions reads a catalogue of one listing whose ID counts the reads, and signals each read.
type versions struct {
	mu    sync.Mutex
	reads int64
	fail  bool
	done  chan struct{}
}

func (v *versions) read(context.Context) ([]Listing, error) {
	v.mu.Lock()
	defer func() { v.mu.Unlock(); v.done <- struct{}{} }()
	if v.fail {
		return nil, errors.New("database away")
	}
	v.reads++
	return []Listing{{Content: &content.Content{ID: v.reads}}}, nil
}

func served(t *testing.T, c *catalogueCache) int64 {
	t.Helper()
	cat, err := c.get(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return cat.Listings[0].Content.ID
}

func TestCatalogueCache(t *testing.T) {
	clk := &clock{t: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)}
	src := &versions{done: make(chan struct{}, 8)}
	c := &catalogueCache{read: src.read, now: clk.now, maxAge: 5 * time.Second}

	if got := served(t, c); got != 1 {
		t.Fatalf("first call served version %d, want 1 (read while the caller waits)", got)
	}
	<-src.done
	clk.add(4 * time.Second)
	if got := served(t, c); got != 1 {
		t.Fatalf("a 4s old catalogue: served version %d, want 1 (no read)", got)
	}
	clk.add(2 * time.Second)
	if got := served(t, c); got != 1 {
		t.Fatalf("a 6s old catalogue: served version %d, want the stale 1 while 2 is read", got)
	}
	<-src.done
	if got := served(t, c); got != 2 {
		t.Fatalf("after the background read: served version %d, want 2", got)
	}

	src.mu.Lock()
	src.fail = true
	src.mu.Unlock()
	clk.add(6 * time.Second)
	if got := served(t, c); got != 2 {
		t.Fatalf("stale catalogue while the database is away: served version %d, want 2", got)
	}
	<-src.done
	src.mu.Lock()
	src.fail = false
	src.mu.Unlock()
	served(t, c)
	<-src.done
	if got := served(t, c); got != 3 {
		t.Fatalf("after a failed background read the next call must read again: served %d, want 3", got)
	}
}

func TestCatalogueCacheWithoutAgeReadsEveryTime(t *testing.T) {
	src := &versions{done: make(chan struct{}, 8)}
	c := &catalogueCache{read: src.read, now: time.Now}
	for want := int64(1); want <= 3; want++ {
		if got := served(t, c); got != want {
			t.Fatalf("call %d served version %d", want, got)
		}
		<-src.done
	}
}

func TestProfileApply(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cand := func(id int64, topics ...int64) Candidate {
		return Candidate{Content: item(id, time.Hour, now), TopicIDs: topics}
	}
	p := Profile{
		TopicWeights:    map[int64]float64{1: 0.8},
		TopicAffinities: map[int64]float64{2: 3},
		MutedTopics:     map[int64]bool{9: true},
		Languages:       []string{"de"},
	}
	got := p.apply([]Candidate{cand(1, 1, 2), cand(2, 2, 9), cand(3)})
	if len(got) != 2 || got[0].Content.ID != 1 || got[1].Content.ID != 3 {
		t.Fatalf("apply kept %v, want items 1 and 3 (item 2 has a muted topic)", got)
	}
	c := got[0]
	if c.TopicWeights[0] != 0.8 || c.TopicWeights[1] != 0 || c.TopicAffinities[0] != 0 || c.TopicAffinities[1] != 3 {
		t.Errorf("item 1 weights %v affinities %v, want [0.8 0] and [0 3]", c.TopicWeights, c.TopicAffinities)
	}
	if c.LanguageMatch == nil || *c.LanguageMatch {
		t.Errorf("an English item for a viewer who reads German: LanguageMatch %v, want false", c.LanguageMatch)
	}
	if c.KindMatch != nil {
		t.Errorf("no stated kinds: KindMatch %v, want nil", *c.KindMatch)
	}
}

func TestProfileCandidates(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	listing := func(list, id, author int64, topics ...int64) Listing {
		return Listing{List: list, Content: &content.Content{ID: id, AuthorID: author, SortedAt: now}, TopicIDs: topics}
	}
	const viewer = 50
	var listings []Listing
	// Ten liked topics, 11–20, one item each (IDs 111–120); the viewer likes 20 best and 11 least.
	weights := map[int64]float64{}
	for topic := int64(11); topic <= 20; topic++ {
		weights[topic] = float64(topic) / 100
		listings = append(listings, listing(topic, 100+topic, 1, topic))
	}
	listings = append(listings,
		listing(0, 1, 2), listing(0, 1, 2), // the freshest and the most popular hold the same item
		listing(0, 2, viewer),   // the viewer's own
		listing(0, 3, 3),        // hidden
		listing(0, 4, 4),        // by a muted author
		listing(0, 5, 5, 9),     // under a muted topic
		listing(0, 6, 6),        // seen and liked
		listing(30, 130, 1, 30), // a disliked topic's
	)
	weights[30] = -1
	p := Profile{
		TopicWeights: weights,
		MutedTopics:  map[int64]bool{9: true},
		MutedAuthors: map[int64]bool{4: true},
		Followed:     map[int64]bool{7: true},
		States:       map[int64]State{3: {Hidden: true}, 6: {Seen: true, Liked: true}},
	}
	followed := []Listing{listing(0, 200, 7), listing(0, 1, 2)}
	got := map[int64]Candidate{}
	for _, c := range p.candidates(viewer, newCatalogue(listings), followed) {
		if _, dup := got[c.Content.ID]; dup {
			t.Errorf("item %d is a candidate twice", c.Content.ID)
		}
		got[c.Content.ID] = c
	}
	want := []int64{1, 6, 200}
	for topic := int64(13); topic <= 20; topic++ { // the eight best-liked
		want = append(want, 100+topic)
	}
	if len(got) != len(want) {
		t.Errorf("got %d candidates, want %d: %v", len(got), len(want), want)
	}
	for _, id := range want {
		if _, ok := got[id]; !ok {
			t.Errorf("item %d is not a candidate", id)
		}
	}
	if c := got[200]; !c.Followed {
		t.Errorf("the followed author's item is not marked followed")
	}
	if c := got[6]; !c.Seen || !c.Liked || c.Bookmarked {
		t.Errorf("item 6 state: seen %v liked %v bookmarked %v, want seen and liked", c.Seen, c.Liked, c.Bookmarked)
	}
}
