package feed

import (
	"cmp"
	"container/heap"
	"math"
	"slices"
)

// Diversity sets how hard a feed is spread over topics and authors: each item placed higher
// that shares the item's topic takes Topic from its score, each one by the same author takes
// Author. Zero leaves the ranking as scored.
type Diversity struct {
	Topic, Author float64
}

// DefaultDiversity spreads a page so that, on a cold start, ten items span at least five
// topics, none on more than four, and no author has more than two.
var DefaultDiversity = Diversity{Topic: 0.25, Author: 0.4}

// Scaled returns d with both penalties multiplied by strength.
func (d Diversity) Scaled(strength float64) Diversity {
	return Diversity{Topic: d.Topic * strength, Author: d.Author * strength}
}

// placing is an item waiting for its place, with its score as last computed.
type placing struct {
	ranked  Ranked
	topics  []int64
	author  int64
	score   float64
	penalty []Reason
}

// queue orders items by their last computed score, best first, ties to the newer ID.
type queue []*placing

func (q queue) Len() int { return len(q) }
func (q queue) Less(i, j int) bool {
	if q[i].score != q[j].score {
		return q[i].score > q[j].score
	}
	return q[i].ranked.ContentID > q[j].ranked.ContentID
}
func (q queue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *queue) Push(x any)   { *q = append(*q, x.(*placing)) }
func (q *queue) Pop() any {
	old := *q
	x := old[len(old)-1]
	*q = old[:len(old)-1]
	return x
}

// diversify places up to limit items one at a time: each place goes to the item with the best
// score once the repetitions above it are counted, and those penalties join its reasons.
// Penalties only grow as items are placed, so an item's last computed score bounds its
// current one: an item is recomputed only when it reaches the top, and it keeps the top if its
// score has not changed. Scores therefore never rise down the feed.
func diversify(items []placing, d Diversity, limit int) []Ranked {
	q := make(queue, len(items))
	for i := range items {
		items[i].score = items[i].ranked.Score
		q[i] = &items[i]
	}
	heap.Init(&q)
	byTopic, byAuthor := map[int64]int{}, map[int64]int{}
	out := make([]Ranked, 0, min(limit, len(items)))
	for q.Len() > 0 && len(out) < limit {
		p := q[0]
		penalty := penalties(p, byTopic, byAuthor, d)
		score := p.ranked.Score
		for _, r := range penalty {
			score += r.Weight
		}
		if score < p.score {
			p.score, p.penalty = score, penalty
			heap.Fix(&q, 0)
			continue
		}
		heap.Pop(&q)
		r := p.ranked
		if len(p.penalty) > 0 {
			r.Score = score
			r.Reasons = append(slices.Clip(r.Reasons), p.penalty...)
			slices.SortStableFunc(r.Reasons, func(a, b Reason) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
		}
		out = append(out, r)
		for _, t := range p.topics {
			byTopic[t]++
		}
		byAuthor[p.author]++
	}
	return out
}

// penalties returns the repetition reasons of p given the items placed so far: one for its
// most repeated topic and one for its author.
func penalties(p *placing, byTopic, byAuthor map[int64]int, d Diversity) []Reason {
	var rs []Reason
	topic, most := int64(0), 0
	for _, t := range p.topics {
		if n := byTopic[t]; n > most {
			topic, most = t, n
		}
	}
	if w := round4(-d.Topic * float64(most)); w <= -minShare {
		rs = append(rs, Reason{Kind: RepeatedTopic, TopicID: topic, Weight: w, Value: float64(most)})
	}
	if n := byAuthor[p.author]; n > 0 {
		if w := round4(-d.Author * float64(n)); w <= -minShare {
			rs = append(rs, Reason{Kind: RepeatedAuthor, AuthorID: p.author, Weight: w, Value: float64(n)})
		}
	}
	return rs
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
