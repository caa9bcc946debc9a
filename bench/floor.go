package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"runtime/metrics"
	"slices"
	"strconv"
	"time"

	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/relay"
)

// statementsHeader is graph.StatementsHeader, repeated here so the floor binary does not link
// the GraphQL layer (a test keeps the two equal).
const statementsHeader = "Tailor-Sql-Statements"

// The floor's SQL: what a careful hand-written service runs for W2, W3 and W6 on behalf of an
// anonymous visitor, with the same visibility rules as the gateway.
const (
	// floorTopicList is W2's list: the topic's 50 newest visible items, walked from the topic's
	// listing index (content_topics_listed_idx: listed = published, not private, not deleted).
	floorTopicList = `SELECT c.id, c.title, c.author_id FROM content_topics ct JOIN contents c ON c.id = ct.content_id
		WHERE ct.topic_id = $1 AND ct.listed
		ORDER BY ct.sorted_at DESC, ct.content_id DESC LIMIT 50`
	// floorAuthors reads the page's authors at once.
	floorAuthors = `SELECT u.id, u.handle FROM users u WHERE u.id = ANY($1)`
	// floorAuthorsTop3 reads each author's three newest visible items with one statement.
	floorAuthorsTop3 = `SELECT p.id, x.title FROM unnest($1::bigint[]) WITH ORDINALITY AS p(id, ord)
		CROSS JOIN LATERAL (SELECT c.title, c.sorted_at, c.id FROM contents c
			WHERE c.author_id = p.id AND c.deleted_at IS NULL AND c.status = 'published' AND c.visibility <> 'private'
			ORDER BY c.sorted_at DESC, c.id DESC LIMIT 3) x
		ORDER BY p.ord, x.sorted_at DESC, x.id DESC`
	// floorTopicsOf reads the topics of many items, in the order their authors filed them.
	floorTopicsOf = `SELECT ct.content_id, t.slug, t.name FROM content_topics ct JOIN topics t ON t.id = ct.topic_id
		WHERE ct.content_id = ANY($1) ORDER BY ct.content_id, ct.position, t.id`
	// floorContentBySlug is W3's item with its author.
	floorContentBySlug = `SELECT c.id, c.title, c.summary, c.body, c.visibility, c.published_at, u.handle, u.display_name
		FROM contents c JOIN users u ON u.id = c.author_id
		WHERE c.slug = $1 AND c.deleted_at IS NULL AND c.status = 'published' AND c.visibility <> 'private'`
	// floorTopicsOfOne reads one item's topics.
	floorTopicsOfOne = `SELECT t.slug, t.name FROM content_topics ct JOIN topics t ON t.id = ct.topic_id
		WHERE ct.content_id = $1 ORDER BY ct.position, t.id`
	// floorRelated is W3's five related items, by the schema's rule (Content.related): a point
	// for each topic shared with one of the item's topics' 50 newest listed items, half a point
	// for each of the 50 people who most recently liked or bookmarked the item and also liked or
	// bookmarked the candidate (among their 100 latest), never the item itself, visible to an
	// anonymous visitor, best first and ties to the newer item. The walks use the same indexes
	// in the same order as the gateway (content_topics_listed_idx and the two
	// content_states_engaged_by_* indexes), so both pick the same candidates when timestamps tie.
	floorRelated = `SELECT c.id, c.title FROM (
			SELECT cand.id, sum(cand.w) AS score FROM (
				SELECT t.content_id AS id, 1.0 AS w
				FROM content_topics mine CROSS JOIN LATERAL (
					SELECT ct.content_id FROM content_topics ct
					WHERE ct.topic_id = mine.topic_id AND ct.listed
					ORDER BY ct.sorted_at DESC LIMIT 50) t
				WHERE mine.content_id = $1
				UNION ALL
				SELECT o.content_id, 0.5
				FROM (SELECT s.user_id FROM content_states s
					WHERE s.content_id = $1 AND (s.liked_at IS NOT NULL OR s.bookmarked_at IS NOT NULL)
					ORDER BY greatest(s.liked_at, s.bookmarked_at) DESC LIMIT 50) u
				CROSS JOIN LATERAL (
					SELECT s.content_id FROM content_states s
					WHERE s.user_id = u.user_id AND (s.liked_at IS NOT NULL OR s.bookmarked_at IS NOT NULL)
					ORDER BY greatest(s.liked_at, s.bookmarked_at) DESC LIMIT 100) o) cand
			WHERE cand.id <> $1
			GROUP BY cand.id) r
		JOIN contents c ON c.id = r.id
		WHERE c.deleted_at IS NULL AND c.status = 'published' AND c.visibility <> 'private'
		ORDER BY r.score DESC, c.sorted_at DESC, c.id DESC LIMIT 5`
)

// The floor's SQL for W6, the plain list.
const (
	// floorNewest is W6's list: the 20 newest items an anonymous visitor may see, walked
	// backwards from contents_status_sorted_idx (status, sorted_at, id) at status 'published'.
	floorNewest = `SELECT c.id, c.title, c.author_id FROM contents c
		WHERE c.deleted_at IS NULL AND c.status = 'published' AND c.visibility <> 'private'
		ORDER BY c.sorted_at DESC, c.id DESC LIMIT 20`
	// floorTopicSlugsOf reads the topics' slugs of many items, in the order their authors
	// filed them.
	floorTopicSlugsOf = `SELECT ct.content_id, t.slug FROM content_topics ct JOIN topics t ON t.id = ct.topic_id
		WHERE ct.content_id = ANY($1) ORDER BY ct.content_id, ct.position, t.id`
)

// floorMaxConns matches the gateway's default TAILOR_DB_MAX_CONNS.
const floorMaxConns = 20

// The JSON the floor writes, field for field the shape the gateway answers W2 and W3 with.
type (
	topicJSON struct {
		Slug string `json:"slug"`
		Name string `json:"name"`
	}
	titleEdgeJSON struct {
		Node struct {
			Title string `json:"title"`
		} `json:"node"`
	}
	w2AuthorJSON struct {
		Handle   string `json:"handle"`
		Contents struct {
			Edges []titleEdgeJSON `json:"edges"`
		} `json:"contents"`
	}
	w2NodeJSON struct {
		ID     string        `json:"id"`
		Title  string        `json:"title"`
		Author *w2AuthorJSON `json:"author"`
		Topics []topicJSON   `json:"topics"`
	}
	w2EdgeJSON struct {
		Node *w2NodeJSON `json:"node"`
	}
	w2JSON struct {
		Data struct {
			Contents struct {
				Edges []w2EdgeJSON `json:"edges"`
			} `json:"contents"`
		} `json:"data"`
	}
	w3ContentJSON struct {
		ID          string     `json:"id"`
		Title       string     `json:"title"`
		Summary     string     `json:"summary"`
		Body        *string    `json:"body"`
		PublishedAt *time.Time `json:"publishedAt"`
		Author      struct {
			Handle      string `json:"handle"`
			DisplayName string `json:"displayName"`
		} `json:"author"`
		Topics  []topicJSON   `json:"topics"`
		Related []relatedJSON `json:"related"`
	}
	relatedJSON struct {
		ID    string `json:"id"`
		Title string `json:"title"`
	}
	w3JSON struct {
		Data struct {
			Content *w3ContentJSON `json:"content"`
		} `json:"data"`
	}
	slugJSON struct {
		Slug string `json:"slug"`
	}
	handleJSON struct {
		Handle string `json:"handle"`
	}
	w6NodeJSON struct {
		ID     string      `json:"id"`
		Title  string      `json:"title"`
		Author *handleJSON `json:"author"`
		Topics []slugJSON  `json:"topics"`
	}
	w6EdgeJSON struct {
		Node *w6NodeJSON `json:"node"`
	}
	w6JSON struct {
		Data struct {
			Contents struct {
				Edges []w6EdgeJSON `json:"edges"`
			} `json:"contents"`
		} `json:"data"`
	}
)

// floor is the hand-written service: net/http, database/sql and lib/pq, nothing else.
type floor struct {
	db     *sql.DB
	logger *slog.Logger
}

// serveFloor runs the floor on addr over the database at dsn until ctx ends.
func serveFloor(ctx context.Context, addr, dsn string) error {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	db, err := sql.Open("postgres", withoutJIT(dsn))
	if err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	defer db.Close()
	db.SetMaxOpenConns(floorMaxConns)
	db.SetMaxIdleConns(floorMaxConns)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		return fmt.Errorf("floor: %w", err)
	}
	f := &floor{db: db, logger: logger}
	mux := http.NewServeMux()
	mux.Handle("POST /graphql", f)
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.PingContext(r.Context()); err != nil {
			http.Error(w, "database unreachable", http.StatusServiceUnavailable)
			return
		}
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /metrics", serveMallocs)
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("floor: listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 2 * time.Minute}
	errs := make(chan error, 1)
	go func() { errs <- srv.Serve(ln) }()
	select {
	case err := <-errs:
		return fmt.Errorf("floor: %w", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("floor: shutdown: %w", err)
	}
	return nil
}

// withoutJIT turns JIT compilation off for the floor's sessions unless dsn sets it, as the
// gateway does for its own (internal/postgres.Open), so both run the same plans.
func withoutJIT(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		return dsn
	}
	q := u.Query()
	if !q.Has("jit") {
		q.Set("jit", "off")
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// serveMallocs writes go_memstats_mallocs_total the way the Prometheus Go collector computes
// it, so the harness reads both servers alike.
func serveMallocs(w http.ResponseWriter, _ *http.Request) {
	s := []metrics.Sample{{Name: "/gc/heap/allocs:objects"}, {Name: "/gc/heap/tiny/allocs:objects"}}
	metrics.Read(s)
	var n uint64
	for _, x := range s {
		if x.Value.Kind() == metrics.KindUint64 {
			n += x.Value.Uint64()
		}
	}
	w.Header().Set("Content-Type", "text/plain; version=0.0.4")
	fmt.Fprintf(w, "go_memstats_mallocs_total %d\n", n)
}

// floorRequest is the part of a GraphQL request the floor reads: it dispatches on the
// operation name and takes the variables it knows.
type floorRequest struct {
	OperationName string `json:"operationName"`
	Variables     struct {
		Topic string `json:"topic"`
		Slug  string `json:"slug"`
	} `json:"variables"`
}

// ServeHTTP answers one W2, W3 or W6 request.
func (f *floor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err != nil {
		writeFloorError(w, http.StatusBadRequest, "the request body could not be read")
		return
	}
	var req floorRequest
	if err := json.Unmarshal(body, &req); err != nil {
		writeFloorError(w, http.StatusBadRequest, "the request body is not JSON")
		return
	}
	var (
		out   any
		stmts int
	)
	switch req.OperationName {
	case opTopicPage:
		out, stmts, err = f.topicPage(r.Context(), req.Variables.Topic)
	case opContentPage:
		out, stmts, err = f.contentPage(r.Context(), req.Variables.Slug)
	case opContentList:
		out, stmts, err = f.contentList(r.Context())
	default:
		writeFloorError(w, http.StatusBadRequest, fmt.Sprintf("the floor does not serve operation %q", req.OperationName))
		return
	}
	if err != nil {
		f.logger.ErrorContext(r.Context(), "floor request failed", "op", req.OperationName, "err", err)
		writeFloorError(w, http.StatusInternalServerError, "internal error")
		return
	}
	b, err := json.Marshal(out)
	if err != nil {
		writeFloorError(w, http.StatusInternalServerError, "internal error")
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set(statementsHeader, strconv.Itoa(stmts))
	w.Write(b)
}

func writeFloorError(w http.ResponseWriter, status int, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": message}}})
}

// topicPage answers W2 with four statements: the list, its authors, the authors' newest three
// items, and the items' topics.
func (f *floor) topicPage(ctx context.Context, topicGID string) (*w2JSON, int, error) {
	topicID, err := relay.ParseIDOf("topic", topicGID, relay.TypeTopic)
	if err != nil {
		return nil, 0, err
	}
	type item struct {
		id       int64
		title    string
		authorID int64
	}
	var items []item
	rows, err := f.db.QueryContext(ctx, floorTopicList, topicID)
	if err != nil {
		return nil, 1, fmt.Errorf("list: %w", err)
	}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.title, &it.authorID); err != nil {
			rows.Close()
			return nil, 1, fmt.Errorf("list: %w", err)
		}
		items = append(items, it)
	}
	if err := closeRows(rows); err != nil {
		return nil, 1, fmt.Errorf("list: %w", err)
	}
	out := &w2JSON{}
	out.Data.Contents.Edges = make([]w2EdgeJSON, 0, len(items))
	if len(items) == 0 {
		return out, 1, nil
	}

	contentIDs := make([]int64, len(items))
	var authorIDs []int64
	for i, it := range items {
		contentIDs[i] = it.id
		if !slices.Contains(authorIDs, it.authorID) {
			authorIDs = append(authorIDs, it.authorID)
		}
	}
	authors := make(map[int64]*w2AuthorJSON, len(authorIDs))
	rows, err = f.db.QueryContext(ctx, floorAuthors, pq.Array(authorIDs))
	if err != nil {
		return nil, 2, fmt.Errorf("authors: %w", err)
	}
	for rows.Next() {
		var id int64
		a := &w2AuthorJSON{}
		if err := rows.Scan(&id, &a.Handle); err != nil {
			rows.Close()
			return nil, 2, fmt.Errorf("authors: %w", err)
		}
		a.Contents.Edges = make([]titleEdgeJSON, 0, 3)
		authors[id] = a
	}
	if err := closeRows(rows); err != nil {
		return nil, 2, fmt.Errorf("authors: %w", err)
	}

	rows, err = f.db.QueryContext(ctx, floorAuthorsTop3, pq.Array(authorIDs))
	if err != nil {
		return nil, 3, fmt.Errorf("authors' contents: %w", err)
	}
	for rows.Next() {
		var id int64
		var e titleEdgeJSON
		if err := rows.Scan(&id, &e.Node.Title); err != nil {
			rows.Close()
			return nil, 3, fmt.Errorf("authors' contents: %w", err)
		}
		if a := authors[id]; a != nil {
			a.Contents.Edges = append(a.Contents.Edges, e)
		}
	}
	if err := closeRows(rows); err != nil {
		return nil, 3, fmt.Errorf("authors' contents: %w", err)
	}

	topics := make(map[int64][]topicJSON, len(items))
	rows, err = f.db.QueryContext(ctx, floorTopicsOf, pq.Array(contentIDs))
	if err != nil {
		return nil, 4, fmt.Errorf("topics: %w", err)
	}
	for rows.Next() {
		var id int64
		var t topicJSON
		if err := rows.Scan(&id, &t.Slug, &t.Name); err != nil {
			rows.Close()
			return nil, 4, fmt.Errorf("topics: %w", err)
		}
		topics[id] = append(topics[id], t)
	}
	if err := closeRows(rows); err != nil {
		return nil, 4, fmt.Errorf("topics: %w", err)
	}

	for _, it := range items {
		a := authors[it.authorID]
		if a == nil {
			return nil, 4, fmt.Errorf("content %d: author %d not found", it.id, it.authorID)
		}
		ts := topics[it.id]
		if ts == nil {
			ts = []topicJSON{}
		}
		out.Data.Contents.Edges = append(out.Data.Contents.Edges, w2EdgeJSON{Node: &w2NodeJSON{
			ID: relay.ID(relay.TypeContent, it.id), Title: it.title, Author: a, Topics: ts,
		}})
	}
	return out, 4, nil
}

// contentPage answers W3 with three statements: the item with its author, its topics, and
// its related items.
func (f *floor) contentPage(ctx context.Context, slug string) (*w3JSON, int, error) {
	out := &w3JSON{}
	var (
		c          w3ContentJSON
		id         int64
		body       string
		visibility string
		published  sql.NullTime
	)
	err := f.db.QueryRowContext(ctx, floorContentBySlug, slug).Scan(&id, &c.Title, &c.Summary, &body, &visibility,
		&published, &c.Author.Handle, &c.Author.DisplayName)
	if errors.Is(err, sql.ErrNoRows) {
		return out, 1, nil
	}
	if err != nil {
		return nil, 1, fmt.Errorf("content: %w", err)
	}
	c.ID = relay.ID(relay.TypeContent, id)
	if visibility != "members" { // an anonymous visitor reads members-only summaries, not bodies
		c.Body = &body
	}
	if published.Valid {
		c.PublishedAt = &published.Time
	}
	c.Topics = []topicJSON{}
	rows, err := f.db.QueryContext(ctx, floorTopicsOfOne, id)
	if err != nil {
		return nil, 2, fmt.Errorf("topics: %w", err)
	}
	for rows.Next() {
		var t topicJSON
		if err := rows.Scan(&t.Slug, &t.Name); err != nil {
			rows.Close()
			return nil, 2, fmt.Errorf("topics: %w", err)
		}
		c.Topics = append(c.Topics, t)
	}
	if err := closeRows(rows); err != nil {
		return nil, 2, fmt.Errorf("topics: %w", err)
	}
	c.Related = make([]relatedJSON, 0, 5)
	rows, err = f.db.QueryContext(ctx, floorRelated, id)
	if err != nil {
		return nil, 3, fmt.Errorf("related: %w", err)
	}
	for rows.Next() {
		var rid int64
		var r relatedJSON
		if err := rows.Scan(&rid, &r.Title); err != nil {
			rows.Close()
			return nil, 3, fmt.Errorf("related: %w", err)
		}
		r.ID = relay.ID(relay.TypeContent, rid)
		c.Related = append(c.Related, r)
	}
	if err := closeRows(rows); err != nil {
		return nil, 3, fmt.Errorf("related: %w", err)
	}
	out.Data.Content = &c
	return out, 3, nil
}

// closeRows closes rows and returns the error that ended their iteration, if any.
func closeRows(rows *sql.Rows) error {
	err := rows.Err()
	return errors.Join(err, rows.Close())
}

// contentList answers W6 with three statements: the 20 newest items, their authors and their
// topics.
func (f *floor) contentList(ctx context.Context) (*w6JSON, int, error) {
	type item struct {
		id       int64
		title    string
		authorID int64
	}
	var items []item
	rows, err := f.db.QueryContext(ctx, floorNewest)
	if err != nil {
		return nil, 1, fmt.Errorf("list: %w", err)
	}
	for rows.Next() {
		var it item
		if err := rows.Scan(&it.id, &it.title, &it.authorID); err != nil {
			rows.Close()
			return nil, 1, fmt.Errorf("list: %w", err)
		}
		items = append(items, it)
	}
	if err := closeRows(rows); err != nil {
		return nil, 1, fmt.Errorf("list: %w", err)
	}
	out := &w6JSON{}
	out.Data.Contents.Edges = make([]w6EdgeJSON, len(items))
	if len(items) == 0 {
		return out, 1, nil
	}
	contentIDs := make([]int64, len(items))
	var authorIDs []int64
	for i, it := range items {
		contentIDs[i] = it.id
		if !slices.Contains(authorIDs, it.authorID) {
			authorIDs = append(authorIDs, it.authorID)
		}
	}

	authors := make(map[int64]*handleJSON, len(authorIDs))
	rows, err = f.db.QueryContext(ctx, floorAuthors, pq.Array(authorIDs))
	if err != nil {
		return nil, 2, fmt.Errorf("authors: %w", err)
	}
	for rows.Next() {
		var id int64
		a := &handleJSON{}
		if err := rows.Scan(&id, &a.Handle); err != nil {
			rows.Close()
			return nil, 2, fmt.Errorf("authors: %w", err)
		}
		authors[id] = a
	}
	if err := closeRows(rows); err != nil {
		return nil, 2, fmt.Errorf("authors: %w", err)
	}

	topics := make(map[int64][]slugJSON, len(items))
	rows, err = f.db.QueryContext(ctx, floorTopicSlugsOf, pq.Array(contentIDs))
	if err != nil {
		return nil, 3, fmt.Errorf("topics: %w", err)
	}
	for rows.Next() {
		var id int64
		var t slugJSON
		if err := rows.Scan(&id, &t.Slug); err != nil {
			rows.Close()
			return nil, 3, fmt.Errorf("topics: %w", err)
		}
		topics[id] = append(topics[id], t)
	}
	if err := closeRows(rows); err != nil {
		return nil, 3, fmt.Errorf("topics: %w", err)
	}

	for i, it := range items {
		a := authors[it.authorID]
		if a == nil {
			return nil, 3, fmt.Errorf("content %d: author %d not found", it.id, it.authorID)
		}
		ts := topics[it.id]
		if ts == nil {
			ts = []slugJSON{}
		}
		out.Data.Contents.Edges[i].Node = &w6NodeJSON{ID: relay.ID(relay.TypeContent, it.id), Title: it.title, Author: a, Topics: ts}
	}
	return out, 3, nil
}
