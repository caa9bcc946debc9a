package graph_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

const relatedQuery = `query($id: ID!, $first: Int) {
  content(id: $id) { slug related(first: $first) { slug topics { slug } } }
}`

// related returns the slugs of the items related to content id, as the viewer with the given
// token (anonymous when empty) sees them.
func related(t *testing.T, token string, id int64, first int) []string {
	t.Helper()
	var d struct {
		Content struct {
			Related []struct{ Slug string }
		}
	}
	postAs(t, token, relatedQuery, map[string]any{"id": relay.ID(relay.TypeContent, id), "first": first}).ok(t, &d)
	out := []string{}
	for _, r := range d.Content.Related {
		out = append(out, r.Slug)
	}
	return out
}

// relatedFixture writes a topic of its own with items of known ages, so the candidates of its
// items are known whatever other tests left behind; people who engage are new accounts too.
func relatedFixture(t *testing.T) (topic int64, ids map[string]int64) {
	t.Helper()
	if err := testEnv.db.DB.QueryRow(`INSERT INTO topics (slug, name) VALUES ('related-test', 'Related test') RETURNING id`).Scan(&topic); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM topics WHERE id = $1`, topic) })
	at := func(days int) string { return fmt.Sprintf("now() - interval '%d days'", days) }
	ids = insertContents(t,
		testContent{slug: "r-source", title: "Source", author: alice, topics: []int64{topic}, published: at(1)},
		testContent{slug: "r-newest", title: "Newest", author: bob, topics: []int64{topic}, published: at(2)},
		testContent{slug: "r-newer", title: "Newer", author: bob, topics: []int64{topic}, published: at(3)},
		testContent{slug: "r-older", title: "Older", author: bob, topics: []int64{topic}, published: at(4)},
		testContent{slug: "r-oldest", title: "Oldest", author: bob, topics: []int64{topic}, published: at(5)},
		// Not listed in the topic: reachable only through the people who engaged with them.
		testContent{slug: "r-elsewhere", title: "Elsewhere", author: bob, published: at(6)},
		testContent{slug: "r-draft", title: "Draft", author: alice, topics: []int64{topic}, status: "draft"},
		testContent{slug: "r-private", title: "Private", author: alice, topics: []int64{topic}, visibility: "private", published: at(7)},
		testContent{slug: "r-deleted", title: "Deleted", author: alice, topics: []int64{topic}, deleted: true, published: at(8)},
	)
	return topic, ids
}

func TestRelatedContent(t *testing.T) {
	_, ids := relatedFixture(t)
	source := ids["r-source"]

	t.Run("shared topics, newest first, without the item itself", func(t *testing.T) {
		want := []string{"r-newest", "r-newer", "r-older", "r-oldest"}
		if got := related(t, "", source, 20); !slices.Equal(got, want) {
			t.Errorf("related = %v, want %v", got, want)
		}
		if got := related(t, "", source, 2); !slices.Equal(got, want[:2]) {
			t.Errorf("related(first: 2) = %v, want %v", got, want[:2])
		}
	})

	// Three people liked or bookmarked the source; all three also engaged with the oldest item
	// and with one outside the topic; one of them also liked items not everyone may see.
	for i, handle := range []string{"related_one", "related_two", "related_three"} {
		u := insertUser(t, handle)
		mustExec(t, `INSERT INTO content_states (user_id, content_id, liked_at, bookmarked_at) VALUES
			($1, $2, now(), NULL), ($1, $3, NULL, now()), ($1, $4, now(), now())`, u, source, ids["r-oldest"], ids["r-elsewhere"])
		if i == 0 {
			mustExec(t, `INSERT INTO content_states (user_id, content_id, liked_at) VALUES ($1, $2, now()), ($1, $3, now()), ($1, $4, now())`,
				u, ids["r-draft"], ids["r-private"], ids["r-deleted"])
		}
	}
	// Views alone are not engagement.
	viewer := insertUser(t, "related_viewer")
	mustExec(t, `INSERT INTO content_states (user_id, content_id, views, viewed_at) VALUES ($1, $2, 1, now()), ($1, $3, 1, now())`,
		viewer, source, ids["r-newer"])

	tests := []struct {
		name   string
		viewer int64 // 0 for anonymous
		first  int
		want   []string
	}{
		// r-oldest: 1 shared topic + 3 × 0.5; r-elsewhere: 3 × 0.5; the others: 1 shared topic.
		{"co-engagement lifts items, anonymously", 0, 20, []string{"r-oldest", "r-elsewhere", "r-newest", "r-newer", "r-older"}},
		{"a reader sees the same", carol, 20, []string{"r-oldest", "r-elsewhere", "r-newest", "r-newer", "r-older"}},
		// The draft and the private item (0.5 each) are alice's own: she sees them, newest first
		// (a draft sorts by its creation time).
		{"the author also sees her own items", alice, 20, []string{"r-oldest", "r-elsewhere", "r-newest", "r-newer", "r-older", "r-draft", "r-private"}},
		{"an editor sees them too, never the deleted one", erin, 20, []string{"r-oldest", "r-elsewhere", "r-newest", "r-newer", "r-older", "r-draft", "r-private"}},
		{"first bounds the list", 0, 3, []string{"r-oldest", "r-elsewhere", "r-newest"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			token := ""
			if tc.viewer != 0 {
				token = tokenFor(t, tc.viewer)
			}
			if got := related(t, token, source, tc.first); !slices.Equal(got, tc.want) {
				t.Errorf("related = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRelatedBadInput(t *testing.T) {
	id := relay.ID(relay.TypeContent, 8)
	for _, first := range []int{0, 21, -1} {
		t.Run(fmt.Sprint(first), func(t *testing.T) {
			post(t, relatedQuery, map[string]any{"id": id, "first": first}).
				failsWith(t, "BAD_USER_INPUT", fmt.Sprintf("first must be between 1 and 20, got %d", first))
		})
	}
	t.Run("default of 5", func(t *testing.T) {
		var d struct {
			Content struct{ Related []struct{ Slug string } }
		}
		post(t, `query($id: ID!) { content(id: $id) { related { slug } } }`, map[string]any{"id": id}).ok(t, &d)
		if len(d.Content.Related) != 5 {
			t.Errorf("related without first listed %d items, want 5", len(d.Content.Related))
		}
	})
}

func TestRelatedStatementsDoNotGrowWithTheList(t *testing.T) {
	const q = `query($n: Int!) { contents(first: $n) { edges { node { slug related(first: 3) { title } } } } }`
	counts := map[int]int{}
	for _, n := range []int{2, 20} {
		r := post(t, q, map[string]any{"n": n})
		var d struct {
			Contents struct {
				Edges []struct {
					Node struct {
						Slug    string
						Related []struct{ Title string }
					}
				}
			}
		}
		r.ok(t, &d)
		if len(d.Contents.Edges) != n {
			t.Fatalf("contents(first: %d) listed %d items", n, len(d.Contents.Edges))
		}
		for _, e := range d.Contents.Edges {
			if len(e.Node.Related) != 3 {
				t.Errorf("%s has %d related items, want 3", e.Node.Slug, len(e.Node.Related))
			}
		}
		counts[n] = r.statements
	}
	if counts[2] != counts[20] || counts[20] != 2 {
		t.Errorf("2 contents ran %d statements, 20 ran %d; want 2 for both (the list, then one for every related list)", counts[2], counts[20])
	}
}
