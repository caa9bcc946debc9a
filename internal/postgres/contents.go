package postgres

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// ContentStore reads content items, always through the viewer's visibility rules: an item a
// viewer may not see is never returned, counted or told apart from a missing one.
type ContentStore struct {
	db *sqlx.DB
	// search remembers, once it has asked, whether the ordered search index exists.
	search struct {
		mu             sync.Mutex
		known, ordered bool
	}
}

// NewContentStore returns a ContentStore over db.
func NewContentStore(db *sqlx.DB) *ContentStore { return &ContentStore{db: db} }

const contentColumns = `c.id, c.slug, c.author_id, c.title, c.summary, c.kind, c.language, c.status,
	c.visibility, c.published_at, c.created_at, c.updated_at, c.sorted_at, c.view_count, c.like_count, c.bookmark_count`

func columns(withBody bool) string {
	if withBody {
		return contentColumns + ", c.body"
	}
	return contentColumns + ", NULL::text AS body"
}

// visibleTo adds the conditions under which v may see a content item.
func visibleTo(q *query, v access.Viewer) {
	v = v.ForContent()
	switch {
	case v.SeesEverything():
		q.and("c.deleted_at IS NULL")
	case v.Anonymous():
		q.and(listedSQL("c"))
	default:
		q.and(fmt.Sprintf("c.deleted_at IS NULL AND ((%s) OR c.author_id = %s)", listedSQL("c"), q.arg(v.UserID)))
	}
}

func applyFilter(q *query, f content.Filter) {
	if len(f.TopicIDs) > 0 {
		q.and(fmt.Sprintf("EXISTS (SELECT 1 FROM content_topics ft WHERE ft.content_id = c.id AND ft.topic_id = ANY(%s))", q.arg(pq.Array(f.TopicIDs))))
	}
	if len(f.AuthorIDs) > 0 {
		q.and(fmt.Sprintf("c.author_id = ANY(%s)", q.arg(pq.Array(f.AuthorIDs))))
	}
	if len(f.Kinds) > 0 {
		q.and(fmt.Sprintf("c.kind = ANY(%s)", q.arg(pq.Array(f.Kinds))))
	}
	if len(f.Languages) > 0 {
		q.and(fmt.Sprintf("c.language = ANY(%s)", q.arg(pq.Array(f.Languages))))
	}
	if len(f.Statuses) > 0 {
		q.and(fmt.Sprintf("c.status = ANY(%s)", q.arg(pq.Array(f.Statuses))))
	}
}

// orderKey returns the sort column of o.
func orderKey(o content.Order) string {
	if o.Field == content.OrderTitle {
		return "c.title"
	}
	return "c.sorted_at"
}

func newContentList(rows []*content.Content, o content.Order, p relay.Page) content.List {
	l := content.List{Items: rows, Order: o, Page: p}
	if len(rows) > p.Limit {
		l.Items, l.More = rows[:p.Limit], true
	}
	if p.Backward {
		slices.Reverse(l.Items)
	}
	return l
}

// List returns one page of the content items that match lq: the merge of ordered index walks
// (listWalks) that each stop at the page size, whoever the viewer.
func (s *ContentStore) List(ctx context.Context, lq content.ListQuery) (content.List, error) {
	q := &query{}
	stmt, err := pageWalks(q, listWalks(q, lq.Viewer, lq.Filter, lq.Order, ""), contentSelect(listFields(lq)), lq.Order, lq.Page)
	if err != nil {
		return content.List{}, err
	}
	items, err := s.contents(ctx, stmt, q.args, newContentScanner(listFields(lq), nil), nil)
	if err != nil {
		return content.List{}, fmt.Errorf("list contents: %w", err)
	}
	return newContentList(items, lq.Order, lq.Page), nil
}

// listFields is what a list reads of its items: what it was asked for, and what its cursors
// need.
func listFields(lq content.ListQuery) content.Fields {
	if lq.Order.Field == content.OrderTitle {
		return lq.Fields | content.FieldTitle
	}
	return lq.Fields
}

// contents runs a statement whose rows sc reads and returns its items; row, when given, is
// told of each item right after its row was read, while sc's lead and trail columns hold the
// row's values.
func (s *ContentStore) contents(ctx context.Context, stmt string, args []any, sc *contentScanner, row func(c *content.Content)) ([]*content.Content, error) {
	rows, err := s.db.QueryContext(ctx, stmt, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*content.Content
	for rows.Next() {
		c, err := sc.scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
		if row != nil {
			row(c)
		}
	}
	return out, rows.Err()
}

// Count returns how many content items visible to v match f.
func (s *ContentStore) Count(ctx context.Context, v access.Viewer, f content.Filter) (int, error) {
	q := &query{}
	visibleTo(q, v)
	applyFilter(q, f)
	var n int
	if err := s.db.GetContext(ctx, &n, "SELECT count(*) FROM contents c WHERE "+q.whereClause(), q.args...); err != nil {
		return 0, fmt.Errorf("count contents: %w", err)
	}
	return n, nil
}

// ListByParents returns one page of content for each parent ID, in the order of parentIDs,
// with a single statement: a lateral subquery per parent walks that parent's index (an
// author's items, a topic's listing) and stops at the page size, instead of numbering every
// child row.
func (s *ContentStore) ListByParents(ctx context.Context, parent content.Parent, parentIDs []int64, lq content.ListQuery) ([]content.List, error) {
	q := &query{}
	ids := q.arg(pq.Array(parentIDs))
	var walks []walk
	if parent == content.ParentTopic {
		walks = listWalks(q, lq.Viewer, lq.Filter, lq.Order, "p.parent_id")
	} else {
		// One author's items walk that author's indexes: the listed ones, and the viewer's own
		// unlisted ones when the author is the viewer, never one walk that skips the author's
		// drafts and scheduled items to find the listed ones.
		walks = listWalks(q, lq.Viewer, lq.Filter, lq.Order, "")
		for i := range walks {
			walks[i].where = append([]string{"c.author_id = p.parent_id"}, walks[i].where...)
		}
	}
	inner, err := pageWalks(q, walks, contentSelect(listFields(lq)), lq.Order, lq.Page)
	if err != nil {
		return nil, err
	}
	stmt := fmt.Sprintf(`SELECT p.parent_id, x.* FROM unnest(%s::bigint[]) AS p(parent_id) CROSS JOIN LATERAL (%s) x`, ids, inner)
	byParent := make(map[int64][]*content.Content, len(parentIDs))
	var parentID int64
	_, err = s.contents(ctx, stmt, q.args, newContentScanner(listFields(lq), []any{&parentID}), func(c *content.Content) {
		byParent[parentID] = append(byParent[parentID], c)
	})
	if err != nil {
		return nil, fmt.Errorf("list contents by parent: %w", err)
	}
	out := make([]content.List, len(parentIDs))
	for i, id := range parentIDs {
		out[i] = newContentList(byParent[id], lq.Order, lq.Page)
	}
	return out, nil
}

// CountByParents returns, in the order of parentIDs, how many items visible to v each parent has.
func (s *ContentStore) CountByParents(ctx context.Context, parent content.Parent, parentIDs []int64, v access.Viewer) ([]int, error) {
	q := &query{}
	ids := q.arg(pq.Array(parentIDs))
	visibleTo(q, v)
	var stmt string
	if parent == content.ParentTopic {
		stmt = fmt.Sprintf(`SELECT ct.topic_id AS parent_id, count(*) AS n FROM content_topics ct
			JOIN contents c ON c.id = ct.content_id WHERE ct.topic_id = ANY(%s) AND %s GROUP BY ct.topic_id`, ids, q.whereClause())
	} else {
		stmt = fmt.Sprintf(`SELECT c.author_id AS parent_id, count(*) AS n FROM contents c
			WHERE c.author_id = ANY(%s) AND %s GROUP BY c.author_id`, ids, q.whereClause())
	}
	var rows []struct {
		ParentID int64 `db:"parent_id"`
		N        int   `db:"n"`
	}
	if err := s.db.SelectContext(ctx, &rows, stmt, q.args...); err != nil {
		return nil, fmt.Errorf("count contents by parent: %w", err)
	}
	counts := make(map[int64]int, len(rows))
	for _, r := range rows {
		counts[r.ParentID] = r.N
	}
	out := make([]int, len(parentIDs))
	for i, id := range parentIDs {
		out[i] = counts[id]
	}
	return out, nil
}

// ByIDs returns the items with the given IDs in the order of ids, with the fields f; an
// item that does not exist or that v may not see is nil.
func (s *ContentStore) ByIDs(ctx context.Context, v access.Viewer, ids []int64, f content.Fields) ([]*content.Content, error) {
	q := &query{}
	q.and("c.id = ANY(" + q.arg(pq.Array(ids)) + ")")
	visibleTo(q, v)
	stmt := fmt.Sprintf("SELECT %s FROM contents c WHERE %s", contentSelect(f), q.whereClause())
	rows, err := s.contents(ctx, stmt, q.args, newContentScanner(f, nil), nil)
	if err != nil {
		return nil, fmt.Errorf("contents by id: %w", err)
	}
	return inKeyOrder(ids, rows, func(c *content.Content) int64 { return c.ID }), nil
}

// BySlug returns the item with the given slug, or nil when it does not exist or v may not see it.
func (s *ContentStore) BySlug(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, error) {
	q := &query{}
	q.and("c.slug = " + q.arg(slug))
	visibleTo(q, v)
	stmt := fmt.Sprintf("SELECT %s FROM contents c WHERE %s", contentSelect(f), q.whereClause())
	rows, err := s.contents(ctx, stmt, q.args, newContentScanner(f, nil), nil)
	if err != nil || len(rows) == 0 {
		return nil, wrapErr("content by slug", err)
	}
	return rows[0], nil
}

// BySlugWithAuthor is BySlug that also reads the item's author in the same statement.
func (s *ContentStore) BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, *user.User, error) {
	q := &query{}
	q.and("c.slug = " + q.arg(slug))
	visibleTo(q, v)
	var u user.User
	var role string
	stmt := fmt.Sprintf(`SELECT %s, u.id, u.handle, u.email, u.display_name, u.bio, u.role, u.created_at
		FROM contents c JOIN users u ON u.id = c.author_id WHERE %s`, contentSelect(f), q.whereClause())
	rows, err := s.db.QueryContext(ctx, stmt, q.args...)
	if err != nil {
		return nil, nil, fmt.Errorf("content by slug: %w", err)
	}
	defer rows.Close()
	sc := newContentScanner(f, nil, &u.ID, &u.Handle, &u.Email, &u.DisplayName, &u.Bio, &role, &u.CreatedAt)
	if !rows.Next() {
		return nil, nil, wrapErr("content by slug", rows.Err())
	}
	c, err := sc.scan(rows)
	if err != nil {
		return nil, nil, fmt.Errorf("content by slug: %w", err)
	}
	u.Role = user.Role(role)
	return c, &u, nil
}

// wrapErr names the read that failed, and keeps a nil error nil.
func wrapErr(op string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", op, err)
}

// inKeyOrder places rows in the order of keys, leaving nil where a key has no row.
func inKeyOrder[T any](keys []int64, rows []*T, id func(*T) int64) []*T {
	byID := make(map[int64]*T, len(rows))
	for _, r := range rows {
		byID[id(r)] = r
	}
	out := make([]*T, len(keys))
	for i, k := range keys {
		out[i] = byID[k]
	}
	return out
}

func relayCursorError() error {
	return apperr.Invalid("after", "after: the cursor is not valid; pass a cursor returned by this connection")
}
