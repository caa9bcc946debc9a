package postgres

import (
	"context"
	"fmt"
	"strings"

	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
)

// searchConfigs are the text search configurations a query is parsed in: every language an
// item may be written in, and one without stemming.
var searchConfigs = []string{"english", "french", "german", "spanish", "portuguese", "simple"}

// parsedIn returns the web search query text (a SQL expression) parsed in every configuration.
func parsedIn(text string) []string {
	out := make([]string, len(searchConfigs))
	for i, c := range searchConfigs {
		out[i] = fmt.Sprintf("websearch_to_tsquery('%s', %s)", c, text)
	}
	return out
}

// searchQuery ORs the web search query text parsed in every configuration; duplicates are
// dropped so each lexeme is ranked once. It is NULL when no configuration finds a word (only
// punctuation, say), which matches nothing; its indexable part (querytree) drops negated
// words, and a query with no word left to look for (only negations) matches nothing either.
// Computed in a CTE, it is opaque to the planner, which therefore always reads matches
// through the GIN index rather than walking recent items and testing each one, a walk that
// reads the whole table when the words are rare.
func searchQuery(text string) string {
	return `(SELECT string_agg(DISTINCT '(' || tq::text || ')', ' | ')::tsquery
	FROM unnest(ARRAY[` + strings.Join(parsedIn(text), ", ") + `]) AS tq WHERE numnode(tq) > 0)`
}

// indexableQuery is the positive part of the web search query text in every configuration,
// as one expression of the parameter, so the planner, which knows the text, folds it to a
// constant and estimates how many items match; NULL when no word is left to look for.
func indexableQuery(text string) string {
	all := "(" + strings.Join(parsedIn(text), " || ") + ")"
	return fmt.Sprintf(`(CASE WHEN querytree(%[1]s) IN ('', 'T') THEN NULL ELSE querytree(%[1]s)::tsquery END)`, all)
}

// searchWindow is how many of the newest items a search tests one by one before it asks the
// full-text index for its newest matches: without the ordered index, always; with it, only
// when one of the query's words is in at least commonWordShare of the items, so that the
// window almost surely holds search.Scanned matches and the index, whose ordered scan sorts
// every match of such a word, is not asked.
const (
	searchWindow        = 10000
	orderedSearchWindow = 5000
	commonWordShare     = 0.25
)

// commonWords is an SQL condition: one of the positive words of the query in t is, by
// PostgreSQL's statistics of the search column, in at least share of the items.
func commonWords(share string) string {
	return `(SELECT coalesce(max(m.freq), 0) >= ` + share + ` FROM pg_stats s,
		unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS m(word, freq)
	WHERE s.schemaname = current_schema() AND s.tablename = 'contents' AND s.attname = 'search'
		AND m.word IN (SELECT (regexp_matches(t.indexable::text, '''((?:[^'']|'''')+)''', 'g'))[1] FROM t))`
}

// Search returns one page of the items visible to sq.Viewer that match sq.Text, best first.
//
// One statement: the newest search.Scanned matches are found (in the window of the newest
// items the viewer may see when that holds enough of them, else through the full-text index:
// the ordered RUM index where the server has it, which stops at search.Scanned, or GIN), ranked with ts_rank_cd (normalized by
// document length); the best search.MaxResults are boosted by the viewer's topics (stated
// weight plus half the decayed habit) and authors (followed, or decayed habit), and paged by
// (rank, id).
func (s *ContentStore) Search(ctx context.Context, sq search.Query) (search.Page, error) {
	at, after := sq.At, sq.After
	v := sq.Viewer.ForContent()

	q := &query{}
	text := q.arg(sq.Text)
	tsq := searchQuery(text)
	visibleTo(q, v)
	visible := q.whereClause()
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
	matches := "c.search @@ t.indexable AND " + doc + " @@ t.tsq"
	q.and(matches)

	ranked := "SELECT h.id, h.text_rank AS rank FROM hits h"
	signals := ""
	if !v.Anonymous() {
		user, instant, decay := q.arg(v.UserID), q.arg(at), q.arg(habits.DecayTime.Seconds())
		share, scale := q.arg(habits.HabitShare), q.arg(habits.AffinityScale)
		decayed := func(alias string) string {
			return fmt.Sprintf("%[1]s.score * exp(-greatest(extract(epoch FROM %[2]s::timestamptz - %[1]s.updated_at), 0) / %[3]s)", alias, instant, decay)
		}
		signals = fmt.Sprintf(`,
topic_signal AS MATERIALIZED (
	SELECT topic_id, sum(w) AS w FROM (
		SELECT topic_id, weight::float8 AS w FROM topic_preferences WHERE user_id = %[1]s
		UNION ALL
		SELECT ta.topic_id, %[3]s::float8 * tanh(%[2]s / %[4]s::float8) FROM topic_affinities ta WHERE ta.user_id = %[1]s AND %[6]s) s
	GROUP BY topic_id),
followed AS MATERIALIZED (SELECT author_id FROM follows WHERE follower_id = %[1]s),
author_signal AS MATERIALIZED (SELECT author_id, tanh(%[5]s / %[4]s::float8) AS w FROM author_affinities aa WHERE aa.user_id = %[1]s AND %[6]s)`,
			user, decayed("ta"), share, scale, decayed("aa"), recordsHabitsOf(user))
		// The viewer's signals are read once, by range, and joined with the hits in memory.
		ranked = fmt.Sprintf(`SELECT h.id, h.text_rank * (1
		+ %[1]s::float8 * least(greatest(coalesce((SELECT max(ts.w) FROM unnest(h.topic_ids) AS u(topic_id)
			JOIN topic_signal ts ON ts.topic_id = u.topic_id), 0), 0), 1)
		+ %[2]s::float8 * CASE WHEN f.author_id IS NOT NULL THEN 1 ELSE greatest(coalesce(a.w, 0), 0) END) AS rank
	FROM hits h LEFT JOIN followed f ON f.author_id = h.author_id LEFT JOIN author_signal a ON a.author_id = h.author_id`,
			q.arg(search.TopicBoost), q.arg(search.AuthorBoost))
	}

	page := ""
	if after != nil {
		page = fmt.Sprintf("WHERE (r.rank, r.id) < (%s::float8, %s::bigint)", q.arg(after.Rank), q.arg(after.ID))
	}
	// The newest items the viewer may see, walked in order through the listing indexes: the
	// window a common word's matches are found in by testing each item.
	ordered := s.orderedSearch(ctx)
	size, gate := searchWindow, ""
	if ordered {
		size, gate = orderedSearchWindow, commonWords(q.arg(commonWordShare))+" AND "
	}
	window, err := pageWalks(q, listWalks(q, sq.Viewer, content.Filter{}, content.NewestFirst(), ""),
		"c.id, c.sorted_at, c.search, c.visibility, c.author_id", content.NewestFirst(), relay.Page{Limit: size})
	if err != nil {
		return search.Page{}, err
	}
	fallback := fmt.Sprintf(`SELECT c.id FROM contents c CROSS JOIN t WHERE (SELECT count(*) FROM recent) < %[2]d AND %[1]s
	ORDER BY c.sorted_at DESC, c.id DESC LIMIT %[2]d`, q.whereClause(), search.Scanned)
	if ordered {
		// The ordered full-text index hands the newest matches of the query's positive words
		// over newest first; the whole query is tested on them as they are ranked. The words
		// are written out (not read from t) so the planner sees how common they are.
		fallback = fmt.Sprintf(`SELECT c.id FROM contents c WHERE (SELECT count(*) FROM recent) < %[3]d AND %[1]s AND c.search @@ %[2]s
	ORDER BY c.sorted_at <=| '9999-12-31'::timestamptz LIMIT %[3]d`, visible, indexableQuery(text), search.Scanned)
	}
	// Only when the window holds too few matches is the index asked; without the ordered
	// index, its matches are all read and sorted, which grows with the catalogue.
	newest := fmt.Sprintf(`recent AS MATERIALIZED (
	SELECT c.id FROM (%[1]s) c CROSS JOIN t WHERE %[2]s%[3]s ORDER BY c.sorted_at DESC, c.id DESC LIMIT %[4]d),
newest AS (
	SELECT id FROM recent WHERE (SELECT count(*) FROM recent) >= %[4]d
	UNION ALL
	(%[5]s))`, window, gate, matches, search.Scanned, fallback)
	// The newest matches are read back one by one, by ID: the LIMIT keeps the planner from
	// testing the query through the full-text index instead, which reads every match.
	stmt := fmt.Sprintf(`WITH t AS (SELECT tsq, CASE WHEN querytree(tsq) IN ('', 'T') THEN NULL ELSE querytree(tsq)::tsquery END AS indexable
	FROM (SELECT %[1]s AS tsq) w),
%[2]s,
hits AS (
	SELECT c.id, c.author_id, c.topic_ids, ts_rank_cd(%[3]s, t.tsq, 1|32)::float8 AS text_rank
	FROM newest n CROSS JOIN LATERAL (SELECT c.* FROM contents c WHERE c.id = n.id LIMIT 1) c CROSS JOIN t WHERE %[10]s @@ t.tsq
	ORDER BY text_rank DESC, c.id DESC LIMIT %[4]d)%[5]s,
ranked AS (%[6]s)
SELECT %[7]s, r.rank FROM ranked r JOIN contents c ON c.id = r.id
%[8]s
ORDER BY r.rank DESC, r.id DESC LIMIT %[9]d`,
		tsq, newest, doc, search.MaxResults, signals, ranked,
		contentSelect(sq.Fields), page, sq.Page.Limit+1, doc)

	var out search.Page
	var rank float64
	_, err = s.contents(ctx, stmt, q.args, newContentScanner(sq.Fields, nil, &rank), func(c *content.Content) {
		out.Hits = append(out.Hits, search.Hit{Content: c, Rank: rank})
	})
	if err != nil {
		return search.Page{}, fmt.Errorf("search contents: %w", err)
	}
	if len(out.Hits) > sq.Page.Limit {
		out.Hits, out.More = out.Hits[:sq.Page.Limit], true
	}
	for i := range out.Hits {
		h := &out.Hits[i]
		h.Cursor = search.Position{Rank: h.Rank, At: at, ID: h.Content.ID}.Cursor(sq.Text)
	}
	return out, nil
}

// orderedSearch reports whether the database has the ordered full-text index (RUM), which
// finds a search's newest matches without reading all of them.
func (s *ContentStore) orderedSearch(ctx context.Context) bool {
	s.search.mu.Lock()
	defer s.search.mu.Unlock()
	if !s.search.known {
		err := s.db.GetContext(ctx, &s.search.ordered, `SELECT EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
			WHERE c.relname = $1 AND i.indisvalid)`, searchIndex)
		s.search.known = err == nil
	}
	return s.search.ordered
}
