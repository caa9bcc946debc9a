package postgres

import (
	"fmt"
	"strings"

	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/relay"
)

// listedSQL is the condition under which an item (table alias a) is on public lists:
// published, not private, not deleted. It is content.Content.Listed in SQL, written from the
// same constants, and the predicate of the listing indexes.
func listedSQL(a string) string {
	return fmt.Sprintf("%[1]s.status = '%[2]s' AND %[1]s.visibility <> '%[3]s' AND %[1]s.deleted_at IS NULL",
		a, content.StatusPublished, content.VisibilityPrivate)
}

// walk is one ordered index walk of a list: the rows of from that meet where, in the list's
// order of key and id, stopping at the page size.
type walk struct {
	from    string
	where   []string
	key, id string
}

// listWalks returns the walks whose merge is the list v may see of the items that match f in
// order o: everything (editors and admins); or the listed items and, for someone signed in,
// their own unlisted items, two walks that each follow an index instead of one condition with
// an OR that none can. topic, when not empty, is an SQL expression naming one topic that
// every item must be filed under; the filter's own topics, when it has several, are a
// condition of every walk.
func listWalks(q *query, v access.Viewer, f content.Filter, o content.Order, topic string) []walk {
	v = v.ForContent()
	key := orderKey(o)
	var walks []walk
	if topic == "" && len(f.TopicIDs) == 1 {
		topic = q.arg(f.TopicIDs[0])
	}
	filters := filterConds(q, f)
	if topic == "" && len(f.TopicIDs) > 1 {
		filters = append(filters, fmt.Sprintf("EXISTS (SELECT 1 FROM content_topics ft WHERE ft.content_id = c.id AND ft.topic_id = ANY(%s))", q.arg(pq.Array(f.TopicIDs))))
	}
	inTopic := ""
	if topic != "" {
		inTopic = fmt.Sprintf("EXISTS (SELECT 1 FROM content_topics it WHERE it.content_id = c.id AND it.topic_id = %s)", topic)
	}
	if v.SeesEverything() {
		w := walk{from: "contents c", where: append([]string{"c.deleted_at IS NULL"}, filters...), key: key, id: "c.id"}
		if topic != "" && o.Field == content.OrderPublishedAt {
			w = walk{from: "content_topics ct JOIN contents c ON c.id = ct.content_id", key: "ct.sorted_at", id: "ct.content_id",
				where: append([]string{"ct.topic_id = " + topic, "c.deleted_at IS NULL"}, filters...)}
		} else if topic != "" {
			w.where = append(w.where, inTopic)
		}
		return []walk{w}
	}
	if statusAllowed(f, content.StatusPublished) {
		w := walk{from: "contents c", where: append([]string{listedSQL("c")}, filters...), key: key, id: "c.id"}
		if topic != "" && o.Field == content.OrderPublishedAt {
			// A topic's listed items by recency have an index of their own.
			w = walk{from: "content_topics ct JOIN contents c ON c.id = ct.content_id", key: "ct.sorted_at", id: "ct.content_id",
				where: append([]string{"ct.topic_id = " + topic, "ct.listed"}, filters...)}
		} else if topic != "" {
			w.where = append(w.where, inTopic)
		}
		walks = append(walks, w)
	}
	if !v.Anonymous() {
		own := walk{from: "contents c", key: key, id: "c.id", where: append([]string{
			"c.author_id = " + q.arg(v.UserID), "c.deleted_at IS NULL", "NOT (" + listedSQL("c") + ")"}, filters...)}
		if topic != "" {
			own.where = append(own.where, inTopic)
		}
		walks = append(walks, own)
	}
	if len(walks) == 0 {
		// Nothing can match (an anonymous viewer asking for drafts); the filter's arguments
		// are still the statement's.
		walks = append(walks, walk{from: "contents c", where: append([]string{"FALSE"}, filters...), key: key, id: "c.id"})
	}
	return walks
}

// statusAllowed reports whether the filter lets items of status s through.
func statusAllowed(f content.Filter, s content.Status) bool {
	if len(f.Statuses) == 0 {
		return true
	}
	for _, x := range f.Statuses {
		if x == s {
			return true
		}
	}
	return false
}

// pageWalks writes the statement that reads one page of the merged walks: each walk stops at
// the page size past the cursor, and the merge keeps the page's worth in order. cols are the
// columns each walk reads.
func pageWalks(q *query, walks []walk, cols string, o content.Order, p relay.Page) (string, error) {
	desc := o.Descending != p.Backward
	dir, cmp := "ASC", ">"
	if desc {
		dir, cmp = "DESC", "<"
	}
	var keyArg, idArg string
	if p.Cursor != nil {
		field := "after"
		if p.Backward {
			field = "before"
		}
		k, err := o.ParseCursorKey(field, p.Cursor.Key)
		if err != nil {
			return "", err
		}
		keyArg, idArg = q.arg(k), q.arg(p.Cursor.ID)
	}
	parts := make([]string, len(walks))
	for i, w := range walks {
		where := w.where
		if p.Cursor != nil {
			where = append(where[:len(where):len(where)], fmt.Sprintf("(%s, %s) %s (%s, %s)", w.key, w.id, cmp, keyArg, idArg))
		}
		cond := "TRUE"
		if len(where) > 0 {
			cond = strings.Join(where, " AND ")
		}
		parts[i] = fmt.Sprintf("SELECT %s FROM %s WHERE %s ORDER BY %s %s, %s %s LIMIT %d", cols, w.from, cond, w.key, dir, w.id, dir, p.Limit+1)
	}
	if len(parts) == 1 {
		return parts[0], nil
	}
	outer := "sorted_at"
	if o.Field == content.OrderTitle {
		outer = "title"
	}
	return fmt.Sprintf("SELECT * FROM ((%s)) w ORDER BY w.%s %s, w.id %s LIMIT %d",
		strings.Join(parts, ") UNION ALL ("), outer, dir, dir, p.Limit+1), nil
}

// filterConds returns the conditions of a filter but its topics.
func filterConds(q *query, f content.Filter) []string {
	sub := &query{args: q.args}
	f.TopicIDs = nil
	applyFilter(sub, f)
	q.args = sub.args
	return sub.where
}
