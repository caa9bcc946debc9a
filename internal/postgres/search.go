package postgres

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
)

// Search bounds: a common word matches most of the catalogue, so only its newest matches are
// read and ranked by text, and only the best of those are boosted and paged through.
const (
	// SearchScanned is how many matching items, newest first, are ranked by text.
	SearchScanned = 10000
	// SearchMaxResults is how many results one search returns over all its pages.
	SearchMaxResults = 2000
)

// The boost a viewer's profile gives a result: rank × (1 + topicBoost × topic signal +
// authorBoost × author signal), both signals in [0, 1], so a boost is at most 40%.
const (
	topicBoost  = 0.25
	authorBoost = 0.15
)

// ErrSearchCursor refuses an after cursor that no search for the same words returned.
var ErrSearchCursor error = apperr.Invalid("after", "after: the cursor does not belong to this search; pass a cursor returned by a search for the same words")

// SearchOrder names the results of a search for text inside their cursors, so a cursor from
// another search (or another list) is refused. Searches that differ only in case and spacing
// share a name.
func SearchOrder(text string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.Join(strings.Fields(text), " "))))
	return "search/" + hex.EncodeToString(sum[:6])
}

// SearchQuery is what a search asks for.
type SearchQuery struct {
	Viewer access.Viewer
	// Text is the client's words, trimmed, in web search syntax.
	Text string
	// Page's cursor, when there is one, belongs to SearchOrder(Text).
	Page     relay.Page
	WithBody bool
	// Now is the instant the first page decays the viewer's habits to; later pages use the
	// instant their cursor carries, so ranks do not drift between pages.
	Now time.Time
}

// SearchHit is one result: the item, its rank and its cursor.
type SearchHit struct {
	Content *content.Content
	Rank    float64
	Cursor  string
}

// SearchPage is one page of results, best first.
type SearchPage struct {
	Hits []SearchHit
	// More reports whether results go on past this page.
	More bool
}

// searchQuery ORs the web search query parsed in every language an item may be written in,
// and without stemming; duplicates are dropped so each lexeme is ranked once. It is NULL when
// no configuration finds a word (only punctuation, say), which matches nothing; its indexable
// part (querytree) drops negated words, and a query with no word left to look for (only
// negations) matches nothing either. Computed in a
// CTE, it is opaque to the planner, which therefore always reads matches through the GIN index
// rather than walking recent items and testing each one, a walk that reads the whole table
// when the words are rare.
const searchQuery = `(SELECT string_agg(DISTINCT '(' || tq::text || ')', ' | ')::tsquery
	FROM unnest(ARRAY[websearch_to_tsquery('english', %[1]s), websearch_to_tsquery('french', %[1]s),
		websearch_to_tsquery('german', %[1]s), websearch_to_tsquery('spanish', %[1]s),
		websearch_to_tsquery('portuguese', %[1]s), websearch_to_tsquery('simple', %[1]s)]) AS tq
	WHERE numnode(tq) > 0)`

// Search returns one page of the items visible to sq.Viewer that match sq.Text, best first.
//
// One statement: the GIN index finds the matches; the newest SearchScanned of them are ranked
// with ts_rank_cd (normalized by document length); the best SearchMaxResults are boosted by the
// viewer's topics (stated weight plus half the decayed habit) and authors (followed, or
// decayed habit), and paged by (rank, id).
func (s *ContentStore) Search(ctx context.Context, sq SearchQuery) (SearchPage, error) {
	at := sq.Now.Truncate(time.Second)
	var after *searchPosition
	if sq.Page.Cursor != nil {
		p, ok := parseSearchKey(sq.Page.Cursor.Key)
		if !ok {
			return SearchPage{}, ErrSearchCursor
		}
		p.id = sq.Page.Cursor.ID
		after, at = &p, p.at
	}
	v := sq.Viewer.ForContent()

	q := &query{}
	tsq := fmt.Sprintf(searchQuery, q.arg(sq.Text))
	visibleTo(q, v)
	// A members-only body is closed to non-members: such items match and rank on their title
	// and summary only, negated words included, so a search never tells what the body says.
	// Matches are found through the index with the query's positive words; the whole query is
	// then tested on what the viewer may read of each item.
	doc := "c.search"
	if !v.IsMember() {
		closed := "c.visibility = 'members'"
		if !v.Anonymous() {
			closed += " AND c.author_id <> " + q.arg(v.UserID)
		}
		doc = fmt.Sprintf("CASE WHEN %s THEN ts_filter(c.search, '{a,b}') ELSE c.search END", closed)
	}
	q.and("c.search @@ t.indexable")
	q.and(doc + " @@ t.tsq")

	ranked := "SELECT h.id, h.text_rank AS rank FROM hits h"
	signals := ""
	if !v.Anonymous() {
		user, instant, decay := q.arg(v.UserID), q.arg(at), q.arg(habits.DecayTime.Seconds())
		decayed := func(alias string) string {
			return fmt.Sprintf("%[1]s.score * exp(-greatest(extract(epoch FROM %[2]s::timestamptz - %[1]s.updated_at), 0) / %[3]s)", alias, instant, decay)
		}
		signals = fmt.Sprintf(`,
topic_signal AS MATERIALIZED (
	SELECT topic_id, sum(w) AS w FROM (
		SELECT topic_id, weight::float8 AS w FROM topic_preferences WHERE user_id = %[1]s
		UNION ALL
		SELECT ta.topic_id, 0.5 * tanh(%[2]s / 3) FROM topic_affinities ta WHERE ta.user_id = %[1]s) s
	GROUP BY topic_id)`, user, decayed("ta"))
		ranked = fmt.Sprintf(`SELECT h.id, h.text_rank * (1
		+ %[1]v * least(greatest(coalesce((SELECT max(ts.w) FROM content_topics ct
			JOIN topic_signal ts ON ts.topic_id = ct.topic_id WHERE ct.content_id = h.id), 0), 0), 1)
		+ %[2]v * CASE WHEN EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = %[3]s AND f.author_id = h.author_id) THEN 1
			ELSE greatest(coalesce((SELECT tanh(%[4]s / 3) FROM author_affinities aa
				WHERE aa.user_id = %[3]s AND aa.author_id = h.author_id), 0), 0) END) AS rank
	FROM hits h`, topicBoost, authorBoost, user, decayed("aa"))
	}

	page := ""
	if after != nil {
		page = fmt.Sprintf("WHERE (r.rank, r.id) < (%s::float8, %s::bigint)", q.arg(after.rank), q.arg(after.id))
	}
	stmt := fmt.Sprintf(`WITH t AS (SELECT tsq, CASE WHEN querytree(tsq) IN ('', 'T') THEN NULL ELSE querytree(tsq)::tsquery END AS indexable
	FROM (SELECT %[1]s AS tsq) w),
newest AS (
	SELECT c.id FROM contents c CROSS JOIN t WHERE %[2]s
	ORDER BY c.sorted_at DESC, c.id DESC LIMIT %[3]d),
hits AS (
	SELECT c.id, c.author_id, ts_rank_cd(%[4]s, t.tsq, 1|32)::float8 AS text_rank
	FROM newest n JOIN contents c ON c.id = n.id CROSS JOIN t
	ORDER BY text_rank DESC, c.id DESC LIMIT %[5]d)%[6]s,
ranked AS (%[7]s)
SELECT %[8]s, r.rank FROM ranked r JOIN contents c ON c.id = r.id
%[9]s
ORDER BY r.rank DESC, r.id DESC LIMIT %[10]d`,
		tsq, q.whereClause(), SearchScanned, doc, SearchMaxResults, signals, ranked,
		columns(sq.WithBody), page, sq.Page.Limit+1)

	var rows []struct {
		content.Content
		Rank float64 `db:"rank"`
	}
	if err := s.db.SelectContext(ctx, &rows, stmt, q.args...); err != nil {
		return SearchPage{}, fmt.Errorf("search contents: %w", err)
	}
	var out SearchPage
	if len(rows) > sq.Page.Limit {
		rows, out.More = rows[:sq.Page.Limit], true
	}
	order := SearchOrder(sq.Text)
	out.Hits = make([]SearchHit, len(rows))
	for i := range rows {
		r := &rows[i]
		key := searchPosition{rank: r.Rank, at: at}.key()
		out.Hits[i] = SearchHit{Content: &r.Content, Rank: r.Rank, Cursor: relay.Cursor{Order: order, Key: key, ID: r.ID}.Encode()}
	}
	return out, nil
}

// searchPosition is where a search cursor points: after the item with this rank and ID, in
// results ranked at instant at.
type searchPosition struct {
	rank float64
	at   time.Time
	id   int64
}

// key renders the rank exactly (shortest round-trip form) and the instant in Unix seconds.
func (p searchPosition) key() string {
	return strconv.FormatFloat(p.rank, 'g', -1, 64) + "@" + strconv.FormatInt(p.at.Unix(), 10)
}

func parseSearchKey(key string) (searchPosition, bool) {
	r, t, ok := strings.Cut(key, "@")
	if !ok {
		return searchPosition{}, false
	}
	rank, err := strconv.ParseFloat(r, 64)
	if err != nil || math.IsNaN(rank) || math.IsInf(rank, 0) || rank < 0 {
		return searchPosition{}, false
	}
	sec, err := strconv.ParseInt(t, 10, 64)
	if err != nil || sec <= 0 {
		return searchPosition{}, false
	}
	return searchPosition{rank: rank, at: time.Unix(sec, 0)}, true
}
