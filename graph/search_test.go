package graph_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/search"
)

// testContent is an item a test writes straight into the database.
type testContent struct {
	slug, title, summary, body string
	author                     int64
	// language defaults to en, status to published, visibility to public.
	language, status, visibility string
	// published is an SQL expression for published_at; now() minus a minute when empty.
	published string
	deleted   bool
	topics    []int64
}

// insertContents writes items and removes them (with their topics and states) when the test
// ends, so the other tests' counts are untouched. It returns the items' IDs by slug.
func insertContents(t *testing.T, items ...testContent) map[string]int64 {
	t.Helper()
	ids := map[string]int64{}
	var all []int64
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM contents WHERE id = ANY($1)`, pq.Array(all)) })
	for _, it := range items {
		lang, status, vis := orDefault(it.language, "en"), orDefault(it.status, "published"), orDefault(it.visibility, "public")
		published := orDefault(it.published, "now() - interval '1 minute'")
		if status == "draft" {
			published = "NULL"
		}
		deleted := "NULL"
		if it.deleted {
			deleted = "now()"
		}
		var id int64
		err := testEnv.db.DB.QueryRow(fmt.Sprintf(`INSERT INTO contents
			(slug, author_id, title, summary, body, kind, language, status, visibility, published_at, deleted_at)
			VALUES ($1, $2, $3, $4, $5, 'article', $6, $7, $8, %s, %s) RETURNING id`, published, deleted),
			it.slug, it.author, it.title, it.summary, it.body, lang, status, vis).Scan(&id)
		if err != nil {
			t.Fatalf("insert %s: %v", it.slug, err)
		}
		all = append(all, id)
		ids[it.slug] = id
		for i, topic := range it.topics {
			if _, err := testEnv.db.DB.Exec(`INSERT INTO content_topics (content_id, topic_id, position) VALUES ($1, $2, $3)`, id, topic, i); err != nil {
				t.Fatal(err)
			}
		}
	}
	return ids
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// insertUser writes a reader account and removes it, with everything it owns, when the test ends.
func insertUser(t *testing.T, handle string) int64 {
	t.Helper()
	var id int64
	if err := testEnv.db.DB.QueryRow(`INSERT INTO users (handle, email, display_name) VALUES ($1, $1 || '@example.com', $1) RETURNING id`,
		handle).Scan(&id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM users WHERE id = $1`, id) })
	return id
}

// mustExec runs a statement of test setup.
func mustExec(t *testing.T, stmt string, args ...any) {
	t.Helper()
	if _, err := testEnv.db.DB.Exec(stmt, args...); err != nil {
		t.Fatalf("%s: %v", stmt, err)
	}
}

const searchQuery = `query($q: String!, $first: Int, $after: String) {
  search(query: $q, first: $first, after: $after) {
    edges { cursor rank node { slug title author { handle } } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`

type searchPage struct {
	Search struct {
		Edges []struct {
			Cursor string
			Rank   float64
			Node   struct {
				Slug, Title string
				Author      struct{ Handle string }
			}
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

func (p searchPage) slugs() []string {
	out := []string{}
	for _, e := range p.Search.Edges {
		out = append(out, e.Node.Slug)
	}
	return out
}

// search runs searchQuery as the viewer with the given token (anonymous when empty).
func searchAs(t *testing.T, token, q string, vars map[string]any) searchPage {
	t.Helper()
	v := map[string]any{"q": q}
	for k, x := range vars {
		v[k] = x
	}
	var p searchPage
	postAs(t, token, searchQuery, v).ok(t, &p)
	return p
}

func TestSearchFindsRanksAndStems(t *testing.T) {
	insertContents(t,
		testContent{slug: "s-title", title: "Zephyrine running guide", summary: "How to get ready.", body: "Plain words only.", author: alice, topics: []int64{1}},
		testContent{slug: "s-summary", title: "Weekend notes", summary: "A word on zephyrine.", body: "Nothing else here.", author: bob},
		testContent{slug: "s-body", title: "Other notes", summary: "Miscellany.", body: "We also talked about zephyrine for a while.", author: bob},
		testContent{slug: "s-fr", title: "Les chevaux sauvages de Camargue", summary: "Une promenade.", body: "Des étangs et des flamants.", author: alice, language: "fr"},
		testContent{slug: "s-fr-body", title: "Carnet de voyage", summary: "Notes.", body: "Nous avons vu des chevaux blancs.", author: bob, language: "fr"},
	)
	tests := []struct {
		name, query string
		want        []string // in rank order
	}{
		{"title above summary above body", "zephyrine", []string{"s-title", "s-summary", "s-body"}},
		{"case and spacing do not matter", "  ZEPHYRINE ", []string{"s-title", "s-summary", "s-body"}},
		{"English stemming: run finds running", "run", []string{"s-title"}},
		{"English stemming: runs finds running", "runs", []string{"s-title"}},
		{"French stemming: cheval finds chevaux", "cheval", []string{"s-fr", "s-fr-body"}},
		{"French plural finds itself", "chevaux", []string{"s-fr", "s-fr-body"}},
		{"all words must match", "zephyrine guide", []string{"s-title"}},
		{"or matches either word", "camargue or zephyrine", []string{"s-fr", "s-title", "s-summary", "s-body"}},
		{"minus excludes a word", "zephyrine -guide", []string{"s-summary", "s-body"}},
		{"quotes match a phrase", `"running guide"`, []string{"s-title"}},
		{"quoted phrase out of order finds nothing", `"guide running"`, []string{}},
		{"no word at all is an empty result", "!!! ???", []string{}},
		{"an unknown word is an empty result", "qwxzvbnmlk", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := searchAs(t, "", tc.query, nil)
			got := p.slugs()
			if tc.name == "or matches either word" {
				// The French item's title match and the English title match rank alike; compare as sets.
				slices.Sort(got)
				tc.want = slices.Sorted(slices.Values(tc.want))
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("search %q = %v, want %v", tc.query, got, tc.want)
			}
			for i, e := range p.Search.Edges {
				if e.Rank <= 0 || (i > 0 && e.Rank > p.Search.Edges[i-1].Rank) {
					t.Errorf("ranks are not positive and descending: %v at %d", e.Rank, i)
				}
			}
		})
	}
}

func TestSearchVisibility(t *testing.T) {
	insertContents(t,
		testContent{slug: "v-public", title: "Quixotrelle in public", author: alice},
		testContent{slug: "v-draft", title: "Quixotrelle draft", author: alice, status: "draft"},
		testContent{slug: "v-private", title: "Quixotrelle private", author: alice, visibility: "private"},
		testContent{slug: "v-deleted", title: "Quixotrelle deleted", author: alice, deleted: true},
		testContent{slug: "v-scheduled", title: "Quixotrelle scheduled", author: alice, status: "scheduled", published: "now() + interval '1 day'"},
		// A members-only body must not be searchable by those it is closed to.
		testContent{slug: "v-members", title: "Members teaser", summary: "Open to all.", body: "The secret word is vellichor.", author: bob, visibility: "members"},
		testContent{slug: "v-members-title", title: "Vellichor for members", summary: "Open to all.", body: "Body.", author: bob, visibility: "members"},
	)
	tests := []struct {
		name   string
		viewer int64 // 0 for anonymous
		query  string
		want   []string
	}{
		{"anonymous sees published items only", 0, "quixotrelle", []string{"v-public"}},
		{"another reader sees published items only", carol, "quixotrelle", []string{"v-public"}},
		{"the author sees her drafts, private and scheduled items", alice, "quixotrelle", []string{"v-draft", "v-private", "v-public", "v-scheduled"}},
		{"an editor sees everything not deleted", erin, "quixotrelle", []string{"v-draft", "v-private", "v-public", "v-scheduled"}},
		{"anonymous search ignores members-only bodies", 0, "vellichor", []string{"v-members-title"}},
		{"a reader's search ignores members-only bodies", carol, "vellichor", []string{"v-members-title"}},
		{"a member's search reads members-only bodies", mia, "vellichor", []string{"v-members", "v-members-title"}},
		{"the author's search reads her members-only bodies", bob, "vellichor", []string{"v-members", "v-members-title"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := ""
			if tc.viewer != 0 {
				token = tokenFor(t, tc.viewer)
			}
			got := searchAs(t, token, tc.query, nil).slugs()
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("search %q = %v, want %v", tc.query, got, tc.want)
			}
		})
	}
}

func TestSearchBoostsTheViewersAuthorsAndTopics(t *testing.T) {
	viewer := insertUser(t, "search_booster")
	// Pairs of items with the same text rank alike; without a boost the newer ID comes first.
	ids := insertContents(t,
		testContent{slug: "b-bob", title: "Nimbostrata", author: bob},
		testContent{slug: "b-alice", title: "Nimbostrata", author: alice},
		testContent{slug: "b-music", title: "Cirrocumula", author: alice, topics: []int64{4}},
		testContent{slug: "b-travel", title: "Cirrocumula", author: alice, topics: []int64{3}},
	)
	if ids["b-alice"] < ids["b-bob"] || ids["b-travel"] < ids["b-music"] {
		t.Fatal("IDs are not in insertion order")
	}
	mustExec(t, `INSERT INTO follows (follower_id, author_id) VALUES ($1, $2)`, viewer, bob)
	mustExec(t, `INSERT INTO topic_preferences (user_id, topic_id, weight) VALUES ($1, 4, 1)`, viewer)
	tests := []struct {
		name, query string
		viewer      int64
		want        []string
		boost       float64 // of the first item's rank over the second's
	}{
		{"anonymous: no boost, newer first", "nimbostrata", 0, []string{"b-alice", "b-bob"}, 1},
		{"a followed author comes first", "nimbostrata", viewer, []string{"b-bob", "b-alice"}, 1.15},
		{"anonymous: no boost for topics", "cirrocumula", 0, []string{"b-travel", "b-music"}, 1},
		{"a liked topic comes first", "cirrocumula", viewer, []string{"b-music", "b-travel"}, 1.25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := ""
			if tc.viewer != 0 {
				token = tokenFor(t, tc.viewer)
			}
			p := searchAs(t, token, tc.query, nil)
			if got := p.slugs(); !slices.Equal(got, tc.want) {
				t.Fatalf("search %q = %v, want %v", tc.query, got, tc.want)
			}
			ratio := p.Search.Edges[0].Rank / p.Search.Edges[1].Rank
			if ratio < tc.boost-1e-9 || ratio > tc.boost+1e-9 {
				t.Errorf("rank ratio = %v, want %v", ratio, tc.boost)
			}
		})
	}
}

func TestSearchPagination(t *testing.T) {
	// 25 items whose ranks differ (the word appears in title, summary or body, in documents of
	// various lengths) and tie (identical texts).
	var items []testContent
	for i := range 25 {
		it := testContent{slug: fmt.Sprintf("p-%02d", i), author: alice, title: "Page item", summary: "Summary.", body: "Body."}
		switch i % 3 {
		case 0:
			it.title = "Glimmerstone " + strings.Repeat("word ", i%5)
		case 1:
			it.summary = "About glimmerstone."
		case 2:
			it.body = "Body with glimmerstone " + strings.Repeat("and more ", i%4) + "."
		}
		items = append(items, it)
	}
	insertContents(t, items...)

	whole := searchAs(t, "", "glimmerstone", map[string]any{"first": 100})
	if len(whole.Search.Edges) != 25 || whole.Search.PageInfo.HasNextPage || whole.Search.PageInfo.HasPreviousPage {
		t.Fatalf("one page of 100 = %d items, pageInfo %+v", len(whole.Search.Edges), whole.Search.PageInfo)
	}
	ties := 0
	for i := 1; i < 25; i++ {
		if whole.Search.Edges[i].Rank == whole.Search.Edges[i-1].Rank {
			ties++
		}
	}
	if ties == 0 {
		t.Fatal("the items have no tied ranks; the test does not exercise the ID tiebreaker")
	}
	for _, size := range []int{1, 4, 7} {
		t.Run(fmt.Sprintf("pages of %d", size), func(t *testing.T) {
			var walked []string
			vars := map[string]any{"first": size}
			for i := 0; ; i++ {
				if i > 30 {
					t.Fatal("pagination does not end")
				}
				p := searchAs(t, "", "glimmerstone", vars)
				if p.Search.PageInfo.HasPreviousPage != (i > 0) {
					t.Errorf("page %d: hasPreviousPage = %v", i, p.Search.PageInfo.HasPreviousPage)
				}
				walked = append(walked, p.slugs()...)
				if !p.Search.PageInfo.HasNextPage {
					break
				}
				vars["after"] = *p.Search.PageInfo.EndCursor
			}
			if !slices.Equal(walked, whole.slugs()) {
				t.Errorf("walk = %v\nwant   %v", walked, whole.slugs())
			}
		})
	}
}

func TestSearchBadInput(t *testing.T) {
	other := searchAs(t, "", "post", map[string]any{"first": 1})
	if other.Search.PageInfo.EndCursor == nil {
		t.Fatal("the search for post found nothing")
	}
	var list page
	post(t, pageQuery, map[string]any{"first": 1}).ok(t, &list)
	const foreign = "after: the cursor does not belong to this search; pass a cursor returned by a search for the same words"
	tests := []struct {
		name, query string
		vars        map[string]any
		message     string
	}{
		{"empty query", "", nil, "query: give at least one word to search for"},
		{"blank query", "  \t ", nil, "query: give at least one word to search for"},
		{"201 characters", strings.Repeat("a", 201), nil, "query: at most 200 characters, got 201"},
		{"201 characters of several bytes each", strings.Repeat("é", 201), nil, "query: at most 200 characters, got 201"},
		{"a NUL character", "bad\x00word", nil, "variables.q: text must not contain control characters (found U+0000); remove it"},
		{"first is zero", "post", map[string]any{"first": 0}, "first must be between 1 and 100, got 0"},
		{"first is too large", "post", map[string]any{"first": 101}, "first must be between 1 and 100, got 101"},
		{"cursor of another search", "glimmerstone", map[string]any{"after": *other.Search.PageInfo.EndCursor}, foreign},
		{"cursor of the contents list", "post", map[string]any{"after": *list.Contents.PageInfo.EndCursor}, foreign},
		{"cursor that is not one", "post", map[string]any{"after": "not-a-cursor"}, foreign},
		{"forged cursor with a bad key", "post", map[string]any{"after": relay.Cursor{Order: search.Order("post"), Key: "NaN@1", ID: 1}.Encode()}, foreign},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v := map[string]any{"q": tc.query}
			for k, x := range tc.vars {
				v[k] = x
			}
			post(t, searchQuery, v).failsWith(t, "BAD_USER_INPUT", tc.message)
		})
	}
	t.Run("200 characters are fine", func(t *testing.T) {
		if p := searchAs(t, "", strings.Repeat("a", 200), nil); len(p.Search.Edges) != 0 {
			t.Errorf("found %v", p.slugs())
		}
	})
	t.Run("a cursor of the same words differently spaced is accepted", func(t *testing.T) {
		searchAs(t, "", "  POST ", map[string]any{"first": 1, "after": *other.Search.PageInfo.EndCursor})
	})
}

func TestSearchStatements(t *testing.T) {
	r := post(t, `{ search(query: "post", first: 10) { edges { node { title author { handle } topics { slug } } } } }`, nil)
	var data struct {
		Search struct {
			Edges []struct {
				Node struct {
					Author struct{ Handle string }
					Topics []struct{ Slug string }
				}
			}
		}
	}
	r.ok(t, &data)
	if len(data.Search.Edges) != 10 {
		t.Fatalf("found %d items, want 10", len(data.Search.Edges))
	}
	for _, e := range data.Search.Edges {
		if e.Node.Author.Handle == "" || len(e.Node.Topics) == 0 {
			t.Fatalf("an item lacks its author or topics: %+v", e.Node)
		}
	}
	if r.statements < 1 || r.statements > 4 {
		t.Errorf("ran %d statements, want at most 4 (search, authors, topics)", r.statements)
	}
}
