package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// TopicStore reads topics.
type TopicStore struct {
	db *sqlx.DB
	// hot holds the statements behind the loaders, which most requests run.
	hot *prepared
}

// NewTopicStore returns a TopicStore over db.
func NewTopicStore(db *sqlx.DB) *TopicStore { return &TopicStore{db: db, hot: newPrepared(db)} }

const topicColumns = "t.id, t.slug, t.name, t.description, t.created_at"

// List returns one page of topics ordered by name.
func (s *TopicStore) List(ctx context.Context, p relay.Page) (content.TopicList, error) {
	q := &query{}
	dir, cmp := "ASC", ">"
	if p.Backward {
		dir, cmp = "DESC", "<"
	}
	if p.Cursor != nil {
		q.and(fmt.Sprintf("(t.name, t.id) %s (%s, %s)", cmp, q.arg(p.Cursor.Key), q.arg(p.Cursor.ID)))
	}
	stmt := fmt.Sprintf("SELECT %s FROM topics t WHERE %s ORDER BY t.name %s, t.id %s LIMIT %d",
		topicColumns, q.whereClause(), dir, dir, p.Limit+1)
	var rows []*content.Topic
	if err := s.db.SelectContext(ctx, &rows, stmt, q.args...); err != nil {
		return content.TopicList{}, fmt.Errorf("list topics: %w", err)
	}
	l := content.TopicList{Items: rows, Page: p}
	if len(rows) > p.Limit {
		l.Items, l.More = rows[:p.Limit], true
	}
	if p.Backward {
		slices.Reverse(l.Items)
	}
	return l, nil
}

// Count returns the number of topics.
func (s *TopicStore) Count(ctx context.Context) (int, error) {
	var n int
	if err := s.db.GetContext(ctx, &n, "SELECT count(*) FROM topics"); err != nil {
		return 0, fmt.Errorf("count topics: %w", err)
	}
	return n, nil
}

// ByIDs returns the topics with the given IDs in the order of ids, nil where one is missing.
func (s *TopicStore) ByIDs(ctx context.Context, ids []int64) ([]*content.Topic, error) {
	var rows []*content.Topic
	if err := s.db.SelectContext(ctx, &rows, "SELECT "+topicColumns+" FROM topics t WHERE t.id = ANY($1)", pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("topics by id: %w", err)
	}
	return inKeyOrder(ids, rows, func(t *content.Topic) int64 { return t.ID }), nil
}

// BySlug returns the topic with the given slug, or nil.
func (s *TopicStore) BySlug(ctx context.Context, slug string) (*content.Topic, error) {
	var t content.Topic
	if err := s.db.GetContext(ctx, &t, "SELECT "+topicColumns+" FROM topics t WHERE t.slug = $1", slug); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("topic by slug: %w", err)
	}
	return &t, nil
}

// IDsBySlugs returns the IDs of the topics with the given slugs, in the order of slugs; a slug
// with no topic gets 0.
func (s *TopicStore) IDsBySlugs(ctx context.Context, slugs []string) ([]int64, error) {
	var rows []struct {
		ID   int64  `db:"id"`
		Slug string `db:"slug"`
	}
	if err := s.db.SelectContext(ctx, &rows, "SELECT id, slug FROM topics WHERE slug = ANY($1)", pq.Array(slugs)); err != nil {
		return nil, fmt.Errorf("topics by slug: %w", err)
	}
	bySlug := make(map[string]int64, len(rows))
	for _, r := range rows {
		bySlug[r.Slug] = r.ID
	}
	out := make([]int64, len(slugs))
	for i, s := range slugs {
		out[i] = bySlug[s]
	}
	return out, nil
}

// ByContentIDs returns, in the order of contentIDs, the topics of each content item in the
// order its author filed them.
func (s *TopicStore) ByContentIDs(ctx context.Context, contentIDs []int64) ([][]*content.Topic, error) {
	var rows []struct {
		ContentID int64 `db:"content_id"`
		content.Topic
	}
	stmt := `SELECT ct.content_id, ` + topicColumns + ` FROM content_topics ct JOIN topics t ON t.id = ct.topic_id
		WHERE ct.content_id = ANY($1) ORDER BY ct.content_id, ct.position, t.id`
	if err := s.hot.selectAll(ctx, &rows, stmt, pq.Array(contentIDs)); err != nil {
		return nil, fmt.Errorf("topics by content: %w", err)
	}
	byContent := make(map[int64][]*content.Topic, len(contentIDs))
	for i := range rows {
		byContent[rows[i].ContentID] = append(byContent[rows[i].ContentID], &rows[i].Topic)
	}
	out := make([][]*content.Topic, len(contentIDs))
	for i, id := range contentIDs {
		out[i] = byContent[id]
		if out[i] == nil {
			out[i] = []*content.Topic{}
		}
	}
	return out, nil
}
