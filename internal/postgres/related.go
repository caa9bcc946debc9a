package postgres

import (
	"context"
	"fmt"

	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
)

// Related candidates come from bounded index walks, so an item in a large topic or a popular
// item costs the same as any other.
const (
	// relatedPerTopic is how many of the newest listed items of each of the item's topics are candidates.
	relatedPerTopic = 50
	// relatedEngagers is how many of the people who most recently liked or bookmarked the item count.
	relatedEngagers = 50
	// relatedPerEngager is how many of each such person's latest liked or bookmarked items are candidates.
	relatedPerEngager = 100
	// coEngagedWeight is what each person who engaged with both items adds, next to 1 per shared topic.
	coEngagedWeight = 0.5
)

// relatedItems scores, for one source item k.source_id, the candidates from its topics (1 per
// shared topic) and from its engaged readers (coEngagedWeight per reader who also liked or
// bookmarked the candidate). Ordered by score, it lets the planner read contents for the
// best-scored groups only (an incremental sort) instead of for every candidate.
var relatedItems = fmt.Sprintf(`SELECT cand.id, sum(cand.w) AS score FROM (
		SELECT t.content_id AS id, 1.0 AS w
		FROM content_topics mine CROSS JOIN LATERAL (
			SELECT ct.content_id FROM content_topics ct
			WHERE ct.topic_id = mine.topic_id AND ct.listed
			ORDER BY ct.sorted_at DESC LIMIT %d) t
		WHERE mine.content_id = k.source_id
		UNION ALL
		SELECT o.content_id, %v
		FROM (SELECT s.user_id FROM content_states s
			WHERE s.content_id = k.source_id AND (s.liked_at IS NOT NULL OR s.bookmarked_at IS NOT NULL)
			ORDER BY greatest(s.liked_at, s.bookmarked_at) DESC LIMIT %d) u
		CROSS JOIN LATERAL (
			SELECT s.content_id FROM content_states s
			WHERE s.user_id = u.user_id AND (s.liked_at IS NOT NULL OR s.bookmarked_at IS NOT NULL)
			ORDER BY greatest(s.liked_at, s.bookmarked_at) DESC LIMIT %d) o) cand
	WHERE cand.id <> k.source_id
	GROUP BY cand.id
	ORDER BY score DESC`, relatedPerTopic, coEngagedWeight, relatedEngagers, relatedPerEngager)

// RelatedByIDs returns, in the order of ids, up to first items related to each item and
// visible to v, best first: sharing topics with it, or liked or bookmarked by the people who
// liked or bookmarked it; ties go to the more recent item. One statement serves every ID;
// f is what to read of each item.
func (s *ContentStore) RelatedByIDs(ctx context.Context, v access.Viewer, ids []int64, first int, f content.Fields) ([][]*content.Content, error) {
	q := &query{}
	keys := q.arg(pq.Array(distinct(ids)))
	visibleTo(q, v)
	stmt := fmt.Sprintf(`SELECT k.source_id, x.* FROM unnest(%s::bigint[]) WITH ORDINALITY AS k(source_id, ord)
		CROSS JOIN LATERAL (
			SELECT %s, r.score FROM (%s) r JOIN contents c ON c.id = r.id
			WHERE %s
			ORDER BY r.score DESC, c.sorted_at DESC, c.id DESC LIMIT %d) x
		ORDER BY k.ord, x.score DESC, x.sorted_at DESC, x.id DESC`,
		keys, contentSelect(f), relatedItems, q.whereClause(), first)
	bySource := make(map[int64][]*content.Content, len(ids))
	var sourceID int64
	var score float64
	_, err := s.contents(ctx, stmt, q.args, newContentScanner(f, []any{&sourceID}, &score), func(c *content.Content) {
		bySource[sourceID] = append(bySource[sourceID], c)
	})
	if err != nil {
		return nil, fmt.Errorf("related contents: %w", err)
	}
	out := make([][]*content.Content, len(ids))
	for i, id := range ids {
		out[i] = bySource[id]
		if out[i] == nil {
			out[i] = []*content.Content{}
		}
	}
	return out, nil
}

// distinct returns ids without repeats, in first-seen order.
func distinct(ids []int64) []int64 {
	seen := make(map[int64]bool, len(ids))
	out := make([]int64, 0, len(ids))
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}
