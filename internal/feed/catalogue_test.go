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
