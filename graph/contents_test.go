package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

const nestedQuery = `query($n: Int!) {
  contents(first: $n) { edges { node { author { contents(first: 5) { edges { node { topics { slug } } } } } topics { name } } } }
}`

// nestedQueryDepth is the depth of nestedQuery: contents, edges, node, author, contents, edges,
// node, topics, slug.
const nestedQueryDepth = 9

func TestNestedQueryStatementsDoNotGrowWithPageSize(t *testing.T) {
	counts := map[int]int{}
	for _, n := range []int{2, 50} {
		r := post(t, nestedQuery, map[string]any{"n": n})
		var data struct {
			Contents struct {
				Edges []struct {
					Node struct {
						Author struct {
							Contents struct{ Edges []struct{} }
						}
					}
				}
			}
		}
		r.ok(t, &data)
		if len(data.Contents.Edges) != n {
			t.Fatalf("first: %d returned %d items", n, len(data.Contents.Edges))
		}
		if got := len(data.Contents.Edges[0].Node.Author.Contents.Edges); got != 5 {
			t.Fatalf("author.contents(first: 5) returned %d items", got)
		}
		counts[n] = r.statements
	}
	if counts[2] != counts[50] {
		t.Errorf("first: 2 ran %d statements, first: 50 ran %d; the count must not depend on page size", counts[2], counts[50])
	}
	if counts[50] < 1 || counts[50] > nestedQueryDepth {
		t.Errorf("first: 50 ran %d statements, want between 1 and the query depth %d", counts[50], nestedQueryDepth)
	}
}

func TestStatementsPerOperation(t *testing.T) {
	tests := []struct {
		name, query string
		want        int
	}{
		{"content page by slug (author read with the item)", `{ content(slug: "post-7") { title body author { handle } topics { slug } } }`, 2},
		{"list with authors and topics", `{ contents(first: 30) { edges { node { title author { displayName } topics { name } } } } }`, 3},
		{"list with total count", `{ contents(first: 10) { totalCount edges { node { title } } } }`, 2},
		{"list without total count", `{ contents(first: 10) { edges { node { title } } } }`, 1},
		{"topics with their contents", `{ topics(first: 4) { edges { node { slug contents(first: 3) { totalCount edges { node { title } } } } } } }`, 3},
		{"user with contents", `{ user(handle: "alice") { displayName contents(first: 5) { edges { node { slug } } } } }`, 2},
		{"nodes of three types", fmt.Sprintf(`{ nodes(ids: [%q, %q, %q, %q]) { id } }`,
			relay.ID(relay.TypeContent, 1), relay.ID(relay.TypeContent, 2), relay.ID(relay.TypeUser, 1), relay.ID(relay.TypeTopic, 1)), 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := post(t, tc.query, nil)
			var data map[string]any
			r.ok(t, &data)
			if r.statements != tc.want {
				t.Errorf("ran %d statements, want %d", r.statements, tc.want)
			}
		})
	}
}

type page struct {
	Contents struct {
		TotalCount int
		Edges      []struct {
			Cursor string
			Node   struct{ Slug, Title string }
		}
		PageInfo struct {
			HasNextPage, HasPreviousPage bool
			StartCursor, EndCursor       *string
		}
	}
}

func (p page) slugs() []string {
	var out []string
	for _, e := range p.Contents.Edges {
		out = append(out, e.Node.Slug)
	}
	return out
}

const pageQuery = `query($first: Int, $after: String, $last: Int, $before: String, $order: ContentOrder) {
  contents(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    totalCount
    edges { cursor node { slug title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`

// walk pages through the whole list in one direction and returns the slugs in list order.
func walk(t *testing.T, backward bool, size int, order map[string]any) []string {
	t.Helper()
	var all []string
	vars := map[string]any{"order": order}
	for i := 0; ; i++ {
		if i > 20 {
			t.Fatal("pagination does not end")
		}
		if backward {
			vars["last"] = size
		} else {
			vars["first"] = size
		}
		var p page
		post(t, pageQuery, vars).ok(t, &p)
		if backward {
			all = append(p.slugs(), all...)
			if p.Contents.PageInfo.HasNextPage != (i > 0) {
				t.Errorf("page %d backward: hasNextPage = %v", i, p.Contents.PageInfo.HasNextPage)
			}
			if !p.Contents.PageInfo.HasPreviousPage {
				return all
			}
			vars["before"] = *p.Contents.PageInfo.StartCursor
		} else {
			all = append(all, p.slugs()...)
			if p.Contents.PageInfo.HasPreviousPage != (i > 0) {
				t.Errorf("page %d forward: hasPreviousPage = %v", i, p.Contents.PageInfo.HasPreviousPage)
			}
			if !p.Contents.PageInfo.HasNextPage {
				return all
			}
			vars["after"] = *p.Contents.PageInfo.EndCursor
		}
	}
}

func TestContentsPaginationBothDirections(t *testing.T) {
	orders := []struct {
		name  string
		order map[string]any
		first string
	}{
		{"newest first (default)", nil, "members-only"},
		{"oldest first", map[string]any{"field": "PUBLISHED_AT", "direction": "ASC"}, "post-1"},
		{"title A to Z", map[string]any{"field": "TITLE", "direction": "ASC"}, "members-only"},
		{"title Z to A", map[string]any{"field": "TITLE", "direction": "DESC"}, "post-60"},
	}
	for _, o := range orders {
		t.Run(o.name, func(t *testing.T) {
			forward := walk(t, false, 7, o.order)
			backward := walk(t, true, 7, o.order)
			// 60 public posts plus the members-only item; drafts, private, scheduled and
			// deleted items are not listed for an anonymous viewer.
			if len(forward) != 61 {
				t.Fatalf("forward walk listed %d items, want 61", len(forward))
			}
			if !slices.Equal(forward, backward) {
				t.Fatalf("forward and backward walks differ:\n%v\n%v", forward, backward)
			}
			if forward[0] != o.first {
				t.Errorf("first item is %s, want %s", forward[0], o.first)
			}
			seen := map[string]bool{}
			for _, s := range forward {
				if seen[s] {
					t.Fatalf("%s listed twice", s)
				}
				seen[s] = true
			}
		})
	}
}

func TestContentsTotalCountAndPageDefaults(t *testing.T) {
	var p page
	post(t, pageQuery, nil).ok(t, &p)
	if p.Contents.TotalCount != 61 {
		t.Errorf("totalCount = %d, want 61", p.Contents.TotalCount)
	}
	if len(p.Contents.Edges) != 20 {
		t.Errorf("default page holds %d items, want 20", len(p.Contents.Edges))
	}
	if !p.Contents.PageInfo.HasNextPage || p.Contents.PageInfo.HasPreviousPage {
		t.Errorf("pageInfo = %+v", p.Contents.PageInfo)
	}
}

func TestContentsFilters(t *testing.T) {
	tests := []struct {
		name   string
		filter map[string]any
		want   int
	}{
		{"by topic slug", map[string]any{"topicSlugs": []string{"go"}}, 15 + 5 + 1},
		{"by topic ID", map[string]any{"topicIds": []string{relay.ID(relay.TypeTopic, 2)}}, 15 + 5},
		// Posts 12, 24, 36, 48 and 60 are filed under both topics and are listed once.
		{"by two topics", map[string]any{"topicSlugs": []string{"go", "cooking"}}, 21 + 20 - 5},
		{"by author", map[string]any{"authorIds": []string{relay.ID(relay.TypeUser, 1)}}, 28},
		{"by kind", map[string]any{"kinds": []string{"VIDEO"}}, 15},
		{"by language", map[string]any{"languages": []string{"fr"}}, 12},
		{"by kind and language", map[string]any{"kinds": []string{"ARTICLE"}, "languages": []string{"fr"}}, 3},
		{"drafts are not listed for anonymous viewers", map[string]any{"statuses": []string{"DRAFT", "SCHEDULED", "ARCHIVED"}}, 0},
		{"published", map[string]any{"statuses": []string{"PUBLISHED"}}, 61},
	}
	const q = `query($f: ContentFilter) { contents(filter: $f, first: 100) { totalCount edges { node { slug } } } }`
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p page
			post(t, q, map[string]any{"f": tc.filter}).ok(t, &p)
			if len(p.Contents.Edges) != tc.want || p.Contents.TotalCount != tc.want {
				t.Errorf("listed %d items with totalCount %d, want %d", len(p.Contents.Edges), p.Contents.TotalCount, tc.want)
			}
		})
	}
}

func TestTopicListPagesBothWays(t *testing.T) {
	const q = `query($first: Int, $after: String, $last: Int, $before: String) {
	  contents(filter: {topicSlugs: ["travel"]}, first: $first, after: $after, last: $last, before: $before) {
	    edges { node { slug } } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } } }`
	collect := func(backward bool) []string {
		var all []string
		vars := map[string]any{}
		for i := 0; i < 20; i++ {
			var p page
			if backward {
				vars["last"] = 6
			} else {
				vars["first"] = 6
			}
			post(t, q, vars).ok(t, &p)
			if backward {
				all = append(p.slugs(), all...)
				if !p.Contents.PageInfo.HasPreviousPage {
					return all
				}
				vars["before"] = *p.Contents.PageInfo.StartCursor
			} else {
				all = append(all, p.slugs()...)
				if !p.Contents.PageInfo.HasNextPage {
					return all
				}
				vars["after"] = *p.Contents.PageInfo.EndCursor
			}
		}
		t.Fatal("pagination does not end")
		return nil
	}
	forward, backward := collect(false), collect(true)
	if len(forward) != 20 || !slices.Equal(forward, backward) {
		t.Errorf("travel listed %d items forward, %d backward:\n%v\n%v", len(forward), len(backward), forward, backward)
	}
}
