package eval

import (
	"math"
	"testing"
)

func TestMeasures(t *testing.T) {
	topics := map[int64][]int64{1: {10}, 2: {10, 11}, 3: {12}, 4: {13}}
	tests := []struct {
		name                   string
		list                   []int64
		truth                  map[int64]bool
		recall, ndcg, coverage float64
	}{
		{"the only later like on top", []int64{1, 2, 3}, map[int64]bool{1: true}, 1, 1, 3},
		{"the only later like second", []int64{2, 1}, map[int64]bool{1: true}, 1, 1 / math.Log2(3), 2},
		{"one of two later likes, third", []int64{3, 4, 2}, map[int64]bool{2: true, 9: true}, 0.5, (1 / math.Log2(4)) / (1 + 1/math.Log2(3)), 4},
		{"no hit", []int64{3, 4}, map[int64]bool{1: true}, 0, 0, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var m measure
			m.add(tt.list, tt.truth, topics)
			s := m.scores("x", 8)
			if math.Abs(s.RecallAt20-tt.recall) > 1e-9 || math.Abs(s.NDCGAt10-tt.ndcg) > 1e-9 || s.TopicCoverageAt10 != tt.coverage {
				t.Errorf("recall %.4f nDCG %.4f topics %.1f, want %.4f %.4f %.1f", s.RecallAt20, s.NDCGAt10, s.TopicCoverageAt10, tt.recall, tt.ndcg, tt.coverage)
			}
			if want := float64(len(tt.list)) / 8; s.CatalogueCoverage != want {
				t.Errorf("catalogue coverage %.4f, want %.4f", s.CatalogueCoverage, want)
			}
		})
	}
}
