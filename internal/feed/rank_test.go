package feed

import (
	"math"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/content"
)

func item(id int64, age time.Duration, now time.Time) *content.Content {
	return &content.Content{ID: id, AuthorID: 100 + id, SortedAt: now.Add(-age), Language: "en", Kind: content.KindArticle}
}

func TestRank(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	yes, no := true, false
	base := func(id int64) Candidate {
		return Candidate{Content: item(id, 30*24*time.Hour, now), TopicIDs: []int64{1}, TopicWeights: []float64{0}, TopicAffinities: []float64{0}}
	}
	liked := base(1)
	liked.TopicWeights = []float64{0.9}
	disliked := base(2)
	disliked.TopicWeights = []float64{-0.9}
	followed := base(3)
	followed.Followed = true
	seen := base(4)
	seen.Seen = true
	otherLanguage := base(5)
	otherLanguage.LanguageMatch = &no
	preferredKind := base(6)
	preferredKind.KindMatch = &yes
	fresh := base(7)
	fresh.Content.SortedAt = now.Add(-time.Hour)
	plain := base(8)

	ranked := Rank([]Candidate{plain, seen, disliked, otherLanguage, fresh, preferredKind, followed, liked}, now, Diversity{})
	want := []int64{1, 3, 7, 6, 8, 4, 5, 2}
	for i, r := range ranked {
		if r.ContentID != want[i] {
			t.Fatalf("rank %d is item %d, want %d (ranking %+v)", i, r.ContentID, want[i], ranked)
		}
		sum := 0.0
		for _, reason := range r.Reasons {
			sum += reason.Weight
		}
		if math.Abs(sum-r.Score) > 1e-9 {
			t.Errorf("item %d: reasons add up to %g, score %g", r.ContentID, sum, r.Score)
		}
	}
	first := ranked[0].Reasons[0]
	if first.Kind != LikedTopic || first.TopicID != 1 {
		t.Errorf("the liked item's main reason is %+v", first)
	}
	last := ranked[len(ranked)-1]
	if last.Reasons[0].Kind != DislikedTopic || last.Reasons[0].Weight >= 0 {
		t.Errorf("the disliked item's main reason is %+v", last.Reasons[0])
	}
}

func TestRankKeepsTheBestAndBreaksTiesByNewerID(t *testing.T) {
	now := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	var cands []Candidate
	for i := int64(1); i <= MaxItems+10; i++ {
		cands = append(cands, Candidate{Content: item(i, 24*time.Hour, now)})
	}
	ranked := Rank(cands, now, Diversity{})
	if len(ranked) != MaxItems {
		t.Fatalf("kept %d items, want %d", len(ranked), MaxItems)
	}
	if ranked[0].ContentID != MaxItems+10 || ranked[1].ContentID != MaxItems+9 {
		t.Errorf("equal scores are not ordered newest ID first: %d, %d", ranked[0].ContentID, ranked[1].ContentID)
	}
}
