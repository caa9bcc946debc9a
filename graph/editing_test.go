package graph_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

const createMutation = `mutation($in: CreateContentInput!) {
  createContent(input: $in) { content { id slug status visibility title topics { slug } author { handle } } userErrors { field code message } }
}`

type createData struct {
	CreateContent struct {
		Content *struct {
			ID, Slug, Status, Visibility, Title string
			Topics                              []struct{ Slug string }
			Author                              struct{ Handle string }
		}
		UserErrors []struct{ Field, Code, Message string }
	}
}

func draftInput(title string) map[string]any {
	return map[string]any{
		"title": title, "summary": "A summary.", "body": "A body.", "kind": "ARTICLE", "language": "en",
		"topicIds": []string{relay.ID(relay.TypeTopic, 3), relay.ID(relay.TypeTopic, 4)}, "visibility": "PUBLIC",
	}
}

func contentCount(t *testing.T) int {
	t.Helper()
	var n int
	if err := testEnv.db.DB.Get(&n, `SELECT count(*) FROM contents`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestCreateContentValidation(t *testing.T) {
	token := tokenFor(t, dora)
	tests := []struct {
		name        string
		edit        func(map[string]any)
		field, code string
	}{
		{"empty title", func(in map[string]any) { in["title"] = "   " }, "title", "REQUIRED"},
		{"long title", func(in map[string]any) { in["title"] = strings.Repeat("x", 301) }, "title", "TOO_LONG"},
		{"bad language", func(in map[string]any) { in["language"] = "english" }, "language", "INVALID"},
		{"no topics", func(in map[string]any) { in["topicIds"] = []string{} }, "topicIds", "INVALID"},
		{"unknown topic", func(in map[string]any) { in["topicIds"] = []string{relay.ID(relay.TypeTopic, 999)} }, "topicIds", "NOT_FOUND"},
		{"bad slug", func(in map[string]any) { in["slug"] = "Not A Slug" }, "slug", "INVALID"},
		{"taken slug", func(in map[string]any) { in["slug"] = "post-1" }, "slug", "TAKEN"},
	}
	before := contentCount(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := draftInput("Valid title")
			tc.edit(in)
			var d createData
			postAs(t, token, createMutation, map[string]any{"in": in}).ok(t, &d)
			if d.CreateContent.Content != nil || len(d.CreateContent.UserErrors) == 0 {
				t.Fatalf("createContent = %+v, want a refusal", d.CreateContent)
			}
			if e := d.CreateContent.UserErrors[0]; e.Field != tc.field || e.Code != tc.code || e.Message == "" {
				t.Errorf("userErrors[0] = %+v, want field %s code %s", e, tc.field, tc.code)
			}
		})
	}
	if after := contentCount(t); after != before {
		t.Errorf("refused inputs wrote %d rows", after-before)
	}
	r := postAs(t, token, createMutation, map[string]any{"in": map[string]any{"title": "x"}})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("missing required input fields: errors %+v, want BAD_USER_INPUT", r.Errors)
	}
}

const dora = 6

func TestContentLifecycle(t *testing.T) {
	token := tokenFor(t, dora)
	t.Cleanup(func() {
		testEnv.db.DB.Exec(`DELETE FROM contents WHERE author_id = $1 AND title LIKE 'Lifecycle%'`, dora)
	})

	var first, second createData
	postAs(t, token, createMutation, map[string]any{"in": draftInput("Lifecycle: Hello, World!")}).ok(t, &first)
	postAs(t, token, createMutation, map[string]any{"in": draftInput("Lifecycle: Hello, World!")}).ok(t, &second)
	c := first.CreateContent.Content
	if c == nil || c.Slug != "lifecycle-hello-world" || c.Status != "DRAFT" || c.Author.Handle != "dora" || len(c.Topics) != 2 {
		t.Fatalf("created %+v (errors %+v)", c, first.CreateContent.UserErrors)
	}
	if second.CreateContent.Content.Slug != "lifecycle-hello-world-2" {
		t.Errorf("a second item with the same title got slug %q", second.CreateContent.Content.Slug)
	}

	visible := func() bool {
		var d struct{ Content *struct{ ID string } }
		post(t, `query($id: ID!) { content(id: $id) { id } }`, map[string]any{"id": c.ID}).ok(t, &d)
		return d.Content != nil
	}
	if visible() {
		t.Fatal("a draft is visible to anonymous viewers")
	}

	var upd struct {
		UpdateContent struct {
			Content struct {
				Title  string
				Topics []struct{ Slug string }
			}
		}
	}
	postAs(t, token, `mutation($id: ID!, $t: [ID!]) { updateContent(input: {id: $id, title: "Lifecycle: renamed", topicIds: $t}) { content { title topics { slug } } } }`,
		map[string]any{"id": c.ID, "t": []string{relay.ID(relay.TypeTopic, 1)}}).ok(t, &upd)
	if upd.UpdateContent.Content.Title != "Lifecycle: renamed" || len(upd.UpdateContent.Content.Topics) != 1 || upd.UpdateContent.Content.Topics[0].Slug != "go" {
		t.Errorf("updated = %+v", upd.UpdateContent.Content)
	}

	var pub struct {
		PublishContent struct {
			Content struct{ Status string }
		}
	}
	soon := time.Now().Add(2 * time.Second).UTC().Format(time.RFC3339)
	postAs(t, token, `mutation($id: ID!, $at: Time) { publishContent(input: {id: $id, publishAt: $at}) { content { status } } }`,
		map[string]any{"id": c.ID, "at": soon}).ok(t, &pub)
	if pub.PublishContent.Content.Status != "SCHEDULED" || visible() {
		t.Fatalf("scheduled item: status %s, visible %v", pub.PublishContent.Content.Status, visible())
	}
	time.Sleep(2100 * time.Millisecond)
	n, err := postgres.NewEditStore(testEnv.db.DB).PublishDue(context.Background())
	if err != nil || n < 1 || !visible() {
		t.Fatalf("PublishDue published %d (err %v); visible %v", n, err, visible())
	}

	var del struct {
		DeleteContent struct{ DeletedContentId string }
	}
	postAs(t, token, `mutation($id: ID!) { deleteContent(input: {id: $id}) { deletedContentId } }`, map[string]any{"id": c.ID}).ok(t, &del)
	if del.DeleteContent.DeletedContentId != c.ID || visible() {
		t.Error("a deleted item is still visible")
	}
	var again struct {
		DeleteContent struct{ UserErrors []struct{ Code string } }
	}
	postAs(t, tokenFor(t, erin), `mutation($id: ID!) { deleteContent(input: {id: $id}) { userErrors { code } } }`, map[string]any{"id": c.ID}).ok(t, &again)
	if len(again.DeleteContent.UserErrors) != 1 || again.DeleteContent.UserErrors[0].Code != "NOT_FOUND" {
		t.Errorf("deleting a deleted item: %+v, want NOT_FOUND", again.DeleteContent.UserErrors)
	}
}

func TestMutationsOverGETAreRefused(t *testing.T) {
	r := send(t, "GET", "/graphql?query="+`mutation%7BlogOut(input:%7B%7D)%7Brevoked%7D%7D`, "", nil)
	if r.status != 405 || len(r.Errors) != 1 {
		t.Errorf("GET mutation answered %d %+v, want 405", r.status, r.Errors)
	}
}
