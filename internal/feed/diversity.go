package feed

import (
	"cmp"
	"math"
	"slices"
	"time"
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
	// ranked holds the item's score; its reasons are written when it is placed.
	ranked Ranked
	cand   *Candidate
	topics []int64
	author int64
	score  float64
	rep    repetition
	// topicSlots and authorSlot index the item's topics and author in diversify's counts.
	topicSlots []int32
	authorSlot int32
}

// repetition is how an item repeats those placed above it: its most repeated topic and how
// many items above share it, and how many above are by its author.
type repetition struct {
	topic           int64
	topicN, authorN int
}

// queue is a binary max-heap of items by their last computed score, ties to the newer ID. It
// is written out rather than built on container/heap: ranking fixes its top thousands of times
// per feed.
type queue []*placing

func (q queue) less(i, j int) bool {
	if q[i].score != q[j].score {
		return q[i].score > q[j].score
	}
	return q[i].ranked.ContentID > q[j].ranked.ContentID
}

// down restores the heap below i.
func (q queue) down(i int) {
	for {
		best, l := i, 2*i+1
		if l < len(q) && q.less(l, best) {
			best = l
		}
		if r := l + 1; r < len(q) && q.less(r, best) {
			best = r
		}
		if best == i {
			return
		}
		q[i], q[best] = q[best], q[i]
		i = best
	}
}

func (q queue) init() {
	for i := len(q)/2 - 1; i >= 0; i-- {
		q.down(i)
	}
}

// pop removes the top.
func (q *queue) pop() {
	old := *q
	n := len(old) - 1
	old[0] = old[n]
	*q = old[:n]
	q.down(0)
}

// spreadPlaces is how many places (five pages of twenty) diversify fills one at a time; the
// rest of a feed is ordered once by the repetitions counted in them.
const spreadPlaces = 100

// diversify places up to limit items. The first spreadPlaces places go one at a time to the
// item with the best score once the repetitions above it are counted, and those penalties join
// its reasons. Penalties only grow as items are placed, so an item's last computed score
// bounds its current one: an item is recomputed only when it reaches the top, and it keeps the
// top if its score has not changed. The items left are then penalized for their repetitions of
// the items placed so far and sorted. Scores therefore never rise down the feed.
func diversify(items []placing, d Diversity, limit int, now time.Time) []Ranked {
	q := make(queue, len(items))
	for i := range items {
		items[i].score = items[i].ranked.Score
		q[i] = &items[i]
	}
	q.init()
	byTopic, byAuthor := slots(items)
	out := make([]Ranked, 0, min(limit, len(items)))
	recount := func(p *placing) bool {
		rep := repetition{authorN: byAuthor[p.authorSlot]}
		for i, t := range p.topicSlots {
			if n := byTopic[t]; n > rep.topicN {
				rep.topic, rep.topicN = p.topics[i], n
			}
		}
		if rep == p.rep {
			return false
		}
		p.rep = rep
		p.score = p.ranked.Score + d.penalty(rep.topicN, d.Topic) + d.penalty(rep.authorN, d.Author)
		return true
	}
	for len(q) > 0 && len(out) < min(limit, spreadPlaces) {
		p := q[0]
		// A recounted score that still beats both children's (which bound everyone else's)
		// keeps the top.
		if recount(p) && (len(q) > 1 && q.less(1, 0) || len(q) > 2 && q.less(2, 0)) {
			q.down(0)
			continue
		}
		q.pop()
		out = append(out, p.placed(d, now))
		for _, t := range p.topicSlots {
			byTopic[t]++
		}
		byAuthor[p.authorSlot]++
	}
	for _, p := range q {
		recount(p)
	}
	slices.SortFunc(q, func(a, b *placing) int {
		return cmp.Or(cmp.Compare(b.score, a.score), cmp.Compare(b.ranked.ContentID, a.ranked.ContentID))
	})
	for _, p := range q[:min(len(q), limit-len(out))] {
		out = append(out, p.placed(d, now))
	}
	return out
}

// slots numbers the topics and authors of items densely, sets each item's slots and returns
// a zeroed count per topic and per author.
func slots(items []placing) (byTopic, byAuthor []int) {
	topics, authors := map[int64]int32{}, map[int64]int32{}
	n := 0
	for i := range items {
		n += len(items[i].topics)
	}
	all := make([]int32, 0, n)
	for i := range items {
		p := &items[i]
		start := len(all)
		for _, t := range p.topics {
			slot, ok := topics[t]
			if !ok {
				slot = int32(len(topics))
				topics[t] = slot
			}
			all = append(all, slot)
		}
		p.topicSlots = all[start:len(all):len(all)]
		slot, ok := authors[p.author]
		if !ok {
			slot = int32(len(authors))
			authors[p.author] = slot
		}
		p.authorSlot = slot
	}
	return make([]int, len(topics)), make([]int, len(authors))
}

// penalty is what n items above cost at per item, as a reason weighs it (zero when too small
// to show).
func (d Diversity) penalty(n int, per float64) float64 {
	w := round4(-per * float64(n))
	if w > -minShare {
		return 0
	}
	return w
}

// placed returns p's ranking with its reasons, repetition penalties included, as of now.
func (p *placing) placed(d Diversity, now time.Time) Ranked {
	r := p.ranked
	r.Reasons = explain(*p.cand, now)
	topic, author := d.penalty(p.rep.topicN, d.Topic), d.penalty(p.rep.authorN, d.Author)
	if topic == 0 && author == 0 {
		return r
	}
	r.Score = p.score
	if topic != 0 {
		r.Reasons = append(r.Reasons, Reason{Kind: RepeatedTopic, TopicID: p.rep.topic, Weight: topic, Value: float64(p.rep.topicN)})
	}
	if author != 0 {
		r.Reasons = append(r.Reasons, Reason{Kind: RepeatedAuthor, AuthorID: p.author, Weight: author, Value: float64(p.rep.authorN)})
	}
	slices.SortStableFunc(r.Reasons, func(a, b Reason) int { return cmp.Compare(math.Abs(b.Weight), math.Abs(a.Weight)) })
	return r
}

func round4(x float64) float64 { return math.Round(x*1e4) / 1e4 }
