package graph_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

func TestContentPageGolden(t *testing.T) {
	r := post(t, `{
	  content(slug: "post-12") {
	    id slug title summary body kind language status visibility publishedAt
	    author { id handle displayName role email preferences { locale } }
	    topics { id slug name }
	    viewerState { liked }
	  }
	}`, nil)
	var data map[string]any
	r.ok(t, &data)
	golden(t, "content_page", r.Data)
}

func TestHiddenContentIsIndistinguishableFromMissing(t *testing.T) {
	for _, slug := range []string{"alice-draft", "alice-private", "bob-scheduled", "bob-deleted", "no-such-item"} {
		t.Run(slug, func(t *testing.T) {
			var bySlug struct{ Content *struct{ ID string } }
			post(t, `query($s: String!) { content(slug: $s) { id } }`, map[string]any{"s": slug}).ok(t, &bySlug)
			if bySlug.Content != nil {
				t.Errorf("content(slug: %q) = %+v, want null", slug, bySlug.Content)
			}
		})
	}
	// IDs 61, 62, 64 and 65 are the draft, the private, the scheduled and the deleted item; 999 does not exist.
	for _, id := range []int64{61, 62, 64, 65, 999} {
		gid := relay.ID(relay.TypeContent, id)
		var data struct {
			Content *struct{ ID string }
			Node    *struct{ ID string }
			Nodes   []*struct{ ID string }
		}
		post(t, `query($id: ID!) { content(id: $id) { id } node(id: $id) { id } nodes(ids: [$id]) { id } }`, map[string]any{"id": gid}).ok(t, &data)
		if data.Content != nil || data.Node != nil || len(data.Nodes) != 1 || data.Nodes[0] != nil {
			t.Errorf("content %d is visible: %+v", id, data)
		}
	}
	var counts struct {
		User  struct{ Contents struct{ TotalCount int } }
		Topic struct{ Contents struct{ TotalCount int } }
	}
	post(t, `{ user(handle: "alice") { contents { totalCount } } topic(slug: "go") { contents { totalCount } } }`, nil).ok(t, &counts)
	if counts.User.Contents.TotalCount != 28 || counts.Topic.Contents.TotalCount != 21 {
		t.Errorf("counts include hidden items: %+v", counts)
	}
}

func TestMembersOnlyBodyIsGated(t *testing.T) {
	var data struct {
		Content struct {
			Summary string
			Body    *string
		}
	}
	post(t, `{ content(slug: "members-only") { summary body } }`, nil).ok(t, &data)
	if data.Content.Summary != "A teaser for everyone." || data.Content.Body != nil {
		t.Errorf("anonymous viewer got %+v, want the teaser and no body", data.Content)
	}
}

func TestNodeFetchesEveryType(t *testing.T) {
	tests := []struct {
		gid, want string
	}{
		{relay.ID(relay.TypeContent, 3), `{"node":{"__typename":"Content","title":"Post 03"}}`},
		{relay.ID(relay.TypeUser, 2), `{"node":{"__typename":"User","handle":"bob"}}`},
		{relay.ID(relay.TypeTopic, 3), `{"node":{"__typename":"Topic","slug":"travel"}}`},
		{relay.ID(relay.TypeUser, 999), `{"node":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.gid, func(t *testing.T) {
			r := post(t, `query($id: ID!) { node(id: $id) { __typename ... on Content { title } ... on User { handle } ... on Topic { slug } } }`, map[string]any{"id": tc.gid})
			var data json.RawMessage
			r.ok(t, &data)
			if string(data) != tc.want {
				t.Errorf("got %s, want %s", data, tc.want)
			}
		})
	}
}

func TestIDsRoundTrip(t *testing.T) {
	var list struct {
		Contents struct {
			Edges []struct{ Node struct{ ID, Slug string } }
		}
	}
	post(t, `{ contents(first: 3) { edges { node { id slug } } } }`, nil).ok(t, &list)
	for _, e := range list.Contents.Edges {
		var one struct{ Content struct{ Slug string } }
		post(t, `query($id: ID!) { content(id: $id) { slug } }`, map[string]any{"id": e.Node.ID}).ok(t, &one)
		if one.Content.Slug != e.Node.Slug {
			t.Errorf("content(id: %s) = %s, want %s", e.Node.ID, one.Content.Slug, e.Node.Slug)
		}
	}
}

func TestTopics(t *testing.T) {
	var data struct {
		Topics struct {
			TotalCount int
			Edges      []struct{ Node struct{ Slug string } }
			PageInfo   struct {
				HasNextPage bool
				EndCursor   string
			}
		}
		Topic   struct{ Name string }
		Unknown *struct{ Name string }
	}
	post(t, `{ topics(first: 3) { totalCount edges { node { slug } } pageInfo { hasNextPage endCursor } }
	          topic(slug: "music") { name } unknown: topic(slug: "knitting") { name } }`, nil).ok(t, &data)
	var slugs []string
	for _, e := range data.Topics.Edges {
		slugs = append(slugs, e.Node.Slug)
	}
	if data.Topics.TotalCount != 4 || strings.Join(slugs, ",") != "cooking,go,music" || !data.Topics.PageInfo.HasNextPage {
		t.Errorf("topics = %+v", data.Topics)
	}
	if data.Topic.Name != "Music" || data.Unknown != nil {
		t.Errorf("topic lookups = %+v, %+v", data.Topic, data.Unknown)
	}
	var next struct {
		Topics struct {
			Edges    []struct{ Node struct{ Slug string } }
			PageInfo struct{ HasNextPage, HasPreviousPage bool }
		}
	}
	post(t, `query($after: String) { topics(first: 3, after: $after) { edges { node { slug } } pageInfo { hasNextPage hasPreviousPage } } }`,
		map[string]any{"after": data.Topics.PageInfo.EndCursor}).ok(t, &next)
	if len(next.Topics.Edges) != 1 || next.Topics.Edges[0].Node.Slug != "travel" || next.Topics.PageInfo.HasNextPage || !next.Topics.PageInfo.HasPreviousPage {
		t.Errorf("second page = %+v", next.Topics)
	}
}

func TestPrivateFieldsAreNullForAnonymousViewers(t *testing.T) {
	var data struct {
		Viewer *struct{ ID string }
		User   struct {
			Email       *string
			Preferences *struct{ Locale string }
		}
	}
	post(t, `{ viewer { id } user(handle: "carol") { email preferences { locale } } }`, nil).ok(t, &data)
	if data.Viewer != nil || data.User.Email != nil || data.User.Preferences != nil {
		t.Errorf("anonymous viewer sees private fields: %+v", data)
	}
}

func TestGETQueries(t *testing.T) {
	q := url.Values{"query": {`{ topic(slug: "go") { name } }`}}
	r := send(t, http.MethodGet, "/graphql?"+q.Encode(), "", nil)
	var data struct{ Topic struct{ Name string } }
	r.ok(t, &data)
	if r.status != http.StatusOK || data.Topic.Name != "Go" {
		t.Errorf("GET answered %d with %+v", r.status, data)
	}
}

func TestComplexityLimit(t *testing.T) {
	q := `{ contents(first: 100) { edges { node { author { contents(first: 100) { edges { node { author { contents(first: 100) { edges { node { title } } } } } } } } } } } }`
	r := post(t, q, nil)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "QUERY_TOO_COMPLEX" {
		t.Fatalf("errors = %+v, want QUERY_TOO_COMPLEX", r.Errors)
	}
	if !strings.Contains(r.Errors[0].Message, "complexity") {
		t.Errorf("message %q does not say what was refused", r.Errors[0].Message)
	}
}

func TestProbesAndExplorer(t *testing.T) {
	tests := []struct {
		path, contains string
	}{
		{"/healthz", "ok"},
		{"/readyz", "ok"},
		{"/", "/graphql"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			res, err := http.Get(testEnv.server.URL + tc.path)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusOK || !strings.Contains(string(body), tc.contains) {
				t.Errorf("GET %s = %d %s", tc.path, res.StatusCode, body)
			}
		})
	}
}

func TestSchemaDescribesEverything(t *testing.T) {
	r := post(t, `{ __schema { types { name kind description fields { name description args { name description } } inputFields { name description } enumValues { name description } } } }`, nil)
	var data struct {
		Schema struct {
			Types []struct {
				Name, Kind  string
				Description *string
				Fields      []struct {
					Name        string
					Description *string
					Args        []struct {
						Name        string
						Description *string
					}
				}
				InputFields []struct {
					Name        string
					Description *string
				}
				EnumValues []struct {
					Name        string
					Description *string
				}
			}
		} `json:"__schema"`
	}
	r.ok(t, &data)
	missing := func(d *string) bool { return d == nil || *d == "" }
	for _, ty := range data.Schema.Types {
		if strings.HasPrefix(ty.Name, "__") || ty.Kind == "SCALAR" && ty.Name != "Time" {
			continue
		}
		if missing(ty.Description) {
			t.Errorf("type %s has no description", ty.Name)
		}
		for _, f := range ty.Fields {
			if missing(f.Description) {
				t.Errorf("field %s.%s has no description", ty.Name, f.Name)
			}
			for _, a := range f.Args {
				if missing(a.Description) {
					t.Errorf("argument %s.%s(%s) has no description", ty.Name, f.Name, a.Name)
				}
			}
		}
		for _, f := range ty.InputFields {
			if missing(f.Description) {
				t.Errorf("input field %s.%s has no description", ty.Name, f.Name)
			}
		}
		for _, v := range ty.EnumValues {
			if missing(v.Description) {
				t.Errorf("enum value %s.%s has no description", ty.Name, v.Name)
			}
		}
	}
	if len(data.Schema.Types) < 10 {
		t.Fatalf("introspection returned %d types", len(data.Schema.Types))
	}
}
