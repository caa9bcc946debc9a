package feed

import (
	"math"
	"slices"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/content"
)

func TestDiversity(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	// Twelve items of topic 1 by author 1 score best, each a little below the one before;
	// then one item of each of topics 2–9, by authors 2–9, a little lower still.
	var cands []Candidate
	for i := int64(0); i < 12; i++ {
		cands = append(cands, Candidate{Content: &content.Content{ID: 100 - i, AuthorID: 1, SortedAt: now.Add(-time.Duration(i) * time.Hour)},
			Popularity: 8, TopicIDs: []int64{1}})
	}
	for topic := int64(2); topic <= 9; topic++ {
		cands = append(cands, Candidate{Content: &content.Content{ID: 200 + topic, AuthorID: topic, SortedAt: now.Add(-20 * time.Hour)},
			Popularity: 8, TopicIDs: []int64{topic}})
	}
	tests := []struct {
		name         string
		d            Diversity
		maxTopic     int
		minTopics    int
		maxPerAuthor int
	}{
		{"off: score alone", Diversity{}, 10, 1, 10},
		{"default", DefaultDiversity, 4, 5, 2},
		{"twice as strong", DefaultDiversity.Scaled(2), 2, 9, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ranked := Rank(Profile{}.apply(slices.Clone(cands)), now, tt.d)
			if len(ranked) != len(cands) {
				t.Fatalf("ranked %d of %d items", len(ranked), len(cands))
			}
			topics, authors := map[int64]int{}, map[int64]int{}
			for i, r := range ranked {
				sum := 0.0
				for _, reason := range r.Reasons {
					sum += reason.Weight
				}
				if math.Abs(sum-r.Score) > 1e-9 {
					t.Errorf("item %d: reasons add up to %.4f, score %.4f", r.ContentID, sum, r.Score)
				}
				if i > 0 && r.Score > ranked[i-1].Score {
					t.Errorf("item %d (%.4f) is placed below a lower score (%.4f)", r.ContentID, r.Score, ranked[i-1].Score)
				}
				if i < 10 {
					c := byID(cands, r.ContentID)
					topics[c.TopicIDs[0]]++
					authors[c.Content.AuthorID]++
				}
			}
			most, mostByAuthor := 0, 0
			for _, n := range topics {
				most = max(most, n)
			}
			for _, n := range authors {
				mostByAuthor = max(mostByAuthor, n)
			}
			if most > tt.maxTopic || len(topics) < tt.minTopics || mostByAuthor > tt.maxPerAuthor {
				t.Errorf("first 10: %d topics, at most %d items on one, %d by one author; want ≥ %d topics, ≤ %d, ≤ %d",
					len(topics), most, mostByAuthor, tt.minTopics, tt.maxTopic, tt.maxPerAuthor)
			}
		})
	}
}

func TestDiversityExplainsItsPenalties(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	c := func(id int64) Candidate {
		return Candidate{Content: &content.Content{ID: id, AuthorID: 7, SortedAt: now}, TopicIDs: []int64{3}}
	}
	ranked := Rank(Profile{}.apply([]Candidate{c(1), c(2), c(3)}), now, Diversity{Topic: 0.1, Author: 0.2})
	third := ranked[2]
	var topic, author *Reason
	for i, r := range third.Reasons {
		switch r.Kind {
		case RepeatedTopic:
			topic = &third.Reasons[i]
		case RepeatedAuthor:
			author = &third.Reasons[i]
		}
	}
	if topic == nil || topic.TopicID != 3 || topic.Value != 2 || math.Abs(topic.Weight+0.2) > 1e-9 {
		t.Errorf("third item's topic penalty: %+v, want topic 3, 2 items above, weight -0.2", topic)
	}
	if author == nil || author.AuthorID != 7 || author.Value != 2 || math.Abs(author.Weight+0.4) > 1e-9 {
		t.Errorf("third item's author penalty: %+v, want author 7, 2 items above, weight -0.4", author)
	}
	topic.Explain(&content.Content{}, now)
	if topic.Explanation != "2 items placed above it share its topic; pushed down to vary the feed" {
		t.Errorf("explanation %q", topic.Explanation)
	}
}

func byID(cands []Candidate, id int64) Candidate {
	for _, c := range cands {
		if c.Content.ID == id {
			return c
		}
	}
	return Candidate{}
}

// BenchmarkRank ranks 500 candidates over 40 topics and 120 authors, as a signed-in first page
// does, with the default spread.
func BenchmarkRank(b *testing.B) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cands := make([]Candidate, 500)
	for i := range cands {
		id := int64(i + 1)
		cands[i] = Candidate{Content: &content.Content{ID: id, AuthorID: id % 120, SortedAt: now.Add(-time.Duration(i) * time.Hour)},
			Popularity: float64(i % 9), TopicIDs: []int64{id % 40, (id * 7) % 40}}
	}
	cands = Profile{TopicWeights: map[int64]float64{3: 0.8, 5: 0.4}}.apply(cands)
	b.ReportAllocs()
	for b.Loop() {
		Rank(cands, now, DefaultDiversity)
	}
}

// Past the places filled one at a time, the rest of a long feed still has falling scores and
// reasons that add up to them.
func TestDiversityKeepsScoresFallingOverALongFeed(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	cands := make([]Candidate, 500)
	for i := range cands {
		id := int64(i + 1)
		cands[i] = Candidate{Content: &content.Content{ID: id, AuthorID: id % 60, SortedAt: now.Add(-time.Duration(i%50) * time.Hour)},
			Popularity: float64(i % 9), TopicIDs: []int64{id % 12, (id * 7) % 12}}
	}
	ranked := Rank(Profile{TopicWeights: map[int64]float64{3: 0.9}}.apply(cands), now, DefaultDiversity)
	if len(ranked) != MaxItems {
		t.Fatalf("ranked %d items, want %d", len(ranked), MaxItems)
	}
	seen := map[int64]bool{}
	for i, r := range ranked {
		if seen[r.ContentID] {
			t.Fatalf("item %d placed twice", r.ContentID)
		}
		seen[r.ContentID] = true
		sum := 0.0
		for _, reason := range r.Reasons {
			sum += reason.Weight
		}
		if math.Abs(sum-r.Score) > 1e-9 {
			t.Errorf("place %d: reasons add up to %.4f, score %.4f", i+1, sum, r.Score)
		}
		if i > 0 && r.Score > ranked[i-1].Score {
			t.Errorf("place %d (%.4f) is below a lower score (%.4f)", i+1, r.Score, ranked[i-1].Score)
		}
	}
}
