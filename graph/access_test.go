package graph_test

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

// Fixture user IDs.
const (
	alice = 1 // author: owns the items under test
	bob   = 2 // another author
	carol = 3 // reader
	erin  = 4 // editor
	mia   = 5 // member
	adam  = 7 // admin
)

// principal is one kind of caller in the authorization matrix.
type principal struct {
	name   string
	userID int64    // 0 for anonymous
	scopes []string // nil for an access token; set for an API key of alice's
}

func principals() []principal {
	all := []string{"CONTENT_READ", "CONTENT_WRITE", "USERS_READ", "USERS_EMAIL", "PREFERENCES_READ", "PREFERENCES_WRITE"}
	ps := []principal{
		{name: "anonymous"},
		{name: "reader", userID: carol},
		{name: "member", userID: mia},
		{name: "owning author", userID: alice},
		{name: "other author", userID: bob},
		{name: "editor", userID: erin},
		{name: "admin", userID: adam},
		{name: "key: all scopes", userID: alice, scopes: all},
	}
	for _, s := range all {
		ps = append(ps, principal{name: "key: " + strings.ToLower(strings.ReplaceAll(s, "_", ":")) + " only", userID: alice, scopes: []string{s}})
	}
	return ps
}

func (p principal) isKey() bool           { return p.scopes != nil }
func (p principal) has(scope string) bool { return !p.isKey() || slices.Contains(p.scopes, scope) }

// credential returns the bearer credential of p: a signed access token, or a fresh API key.
func (p principal) credential(t *testing.T) string {
	t.Helper()
	if p.userID == 0 {
		return ""
	}
	token := tokenFor(t, p.userID)
	if !p.isKey() {
		return token
	}
	var data struct {
		CreateApiKey struct{ Secret string }
	}
	postAs(t, token, `mutation($s: [ApiKeyScope!]!) { createApiKey(input: {name: "matrix", scopes: $s}) { secret userErrors { message } } }`,
		map[string]any{"s": p.scopes}).ok(t, &data)
	if data.CreateApiKey.Secret == "" {
		t.Fatal("createApiKey returned no secret")
	}
	return data.CreateApiKey.Secret
}

func tokenFor(t *testing.T, userID int64) string {
	t.Helper()
	token, _, err := testTokens(nowFunc()).Issue(userID)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// operation is one protected field or mutation, with the outcome each principal must get.
type operation struct {
	name   string
	query  string
	vars   func(t *testing.T) map[string]any
	result func(data map[string]any) string // what a successful answer shows: "ok" or "null"
	want   func(p principal) string
}

// insertItem writes one of alice's items straight into the database and removes it when the
// test ends, so the other tests' counts are untouched.
func insertItem(t *testing.T, slug, status, visibility string) string {
	t.Helper()
	var id int64
	published := "now()"
	if status == "draft" {
		published = "NULL"
	}
	err := testEnv.db.DB.QueryRowContext(context.Background(), fmt.Sprintf(`INSERT INTO contents
		(slug, author_id, title, summary, body, kind, language, status, visibility, published_at)
		VALUES ($1, $2, 'Matrix item', 'Teaser.', 'Secret body.', 'article', 'en', $3, $4, %s) RETURNING id`, published),
		slug, alice, status, visibility).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := testEnv.db.DB.Exec(`INSERT INTO content_topics (content_id, topic_id) VALUES ($1, 4)`, id); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM contents WHERE id = $1`, id) })
	return relay.ID(relay.TypeContent, id)
}

func field(data map[string]any, path ...string) any {
	var cur any = data
	for _, p := range path {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		cur = m[p]
	}
	return cur
}

func present(v any) string {
	if v == nil {
		return "null"
	}
	return "ok"
}

func payloadResult(name string) func(map[string]any) string {
	return func(data map[string]any) string {
		errs, _ := field(data, name, "userErrors").([]any)
		if len(errs) > 0 {
			code, _ := field(errs[0].(map[string]any), "code").(string)
			return "userError " + code
		}
		return "ok"
	}
}

func operations() []operation {
	noVars := func(*testing.T) map[string]any { return nil }
	token := func(p principal) bool { return p.userID != 0 && !p.isKey() }
	sees := func(p principal) bool { // may see alice's unpublished and private items
		return p.userID == alice && p.has("CONTENT_READ") || p.userID == erin || p.userID == adam
	}
	write := func(ok string) func(p principal) string {
		return func(p principal) string {
			switch {
			case p.userID == 0:
				return "UNAUTHENTICATED"
			case p.userID == carol || p.userID == mia:
				return "FORBIDDEN"
			case !p.has("CONTENT_WRITE"):
				return "FORBIDDEN"
			case p.userID == bob:
				return ok
			}
			return "ok"
		}
	}
	editAlice := func(p principal) string {
		return write("userError NOT_FOUND")(p)
	}
	return []operation{
		{name: "User.email (alice)", query: `{ user(handle: "alice") { email } }`, vars: noVars,
			result: func(d map[string]any) string { return present(field(d, "user", "email")) },
			want: func(p principal) string {
				if (p.userID == alice && p.has("USERS_EMAIL")) || (token(p) && p.userID == adam) {
					return "ok"
				}
				return "null"
			}},
		{name: "User.preferences (alice)", query: `{ user(handle: "alice") { preferences { locale } } }`, vars: noVars,
			result: func(d map[string]any) string { return present(field(d, "user", "preferences")) },
			want: func(p principal) string {
				if p.userID == alice && p.has("PREFERENCES_READ") {
					return "ok"
				}
				return "null"
			}},
		{name: "User.apiKeys (alice)", query: `{ user(handle: "alice") { apiKeys { name } } }`, vars: noVars,
			result: func(d map[string]any) string { return present(field(d, "user", "apiKeys")) },
			// Keys are managed by people signed in with a token, never by keys.
			want: func(p principal) string {
				if token(p) && p.userID == alice {
					return "ok"
				}
				return "null"
			}},
		{name: "Query.viewer", query: `{ viewer { handle } }`, vars: noVars,
			result: func(d map[string]any) string { return present(field(d, "viewer")) },
			want: func(p principal) string {
				if p.userID != 0 && p.has("USERS_READ") {
					return "ok"
				}
				return "null"
			}},
		{name: "Content.viewerState", query: `{ content(slug: "post-5") { viewerState { liked } } }`, vars: noVars,
			result: func(d map[string]any) string { return present(field(d, "content", "viewerState")) },
			want: func(p principal) string {
				if p.userID != 0 && p.has("CONTENT_READ") {
					return "ok"
				}
				return "null"
			}},
		{name: "Content.body (alice's members-only item)", query: `query($id: ID!) { content(id: $id) { summary body } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-members", "published", "members")}
			},
			result: func(d map[string]any) string { return present(field(d, "content", "body")) },
			// Roles include the rights of lower ones: authors and editors are members too.
			want: func(p principal) string {
				if p.userID == mia || p.userID == bob || sees(p) {
					return "ok"
				}
				return "null"
			}},
		{name: "alice's draft", query: `query($id: ID!) { content(id: $id) { title } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-draft", "draft", "public")}
			},
			result: func(d map[string]any) string { return present(field(d, "content")) },
			want: func(p principal) string {
				if sees(p) {
					return "ok"
				}
				return "null"
			}},
		{name: "alice's private item", query: `query($id: ID!) { content(id: $id) { title } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-private", "published", "private")}
			},
			result: func(d map[string]any) string { return present(field(d, "content")) },
			want: func(p principal) string {
				if sees(p) {
					return "ok"
				}
				return "null"
			}},
		{name: "createContent", query: `mutation { createContent(input: {title: "Matrix", summary: "", body: "", kind: ARTICLE, language: "en",
			topicIds: ["VG9waWM6NA"], visibility: PUBLIC}) { content { id } userErrors { code } } }`, vars: noVars,
			result: payloadResult("createContent"), want: write("ok")},
		{name: "updateContent (alice's draft)", query: `mutation($id: ID!) { updateContent(input: {id: $id, title: "Renamed"}) { content { id } userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-update-draft", "draft", "public")}
			},
			result: payloadResult("updateContent"), want: editAlice},
		{name: "updateContent payload body (alice's draft)", query: `mutation($id: ID!) { updateContent(input: {id: $id}) { content { body } userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-update-payload", "draft", "public")}
			},
			// The payload is read with the caller's read rights: a key without content:read
			// changes the draft but cannot read it back.
			result: func(d map[string]any) string {
				if r := payloadResult("updateContent")(d); r != "ok" {
					return r
				}
				return present(field(d, "updateContent", "content", "body"))
			},
			want: func(p principal) string {
				if w := editAlice(p); w != "ok" {
					return w
				}
				if !sees(p) {
					return "null"
				}
				return "ok"
			}},
		{name: "updateContent (alice's published item)", query: `mutation($id: ID!) { updateContent(input: {id: $id, summary: "Edited."}) { content { id } userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-update-published", "published", "public")}
			},
			result: payloadResult("updateContent"), want: write("FORBIDDEN")},
		{name: "publishContent (alice's draft, scheduled)", query: `mutation($id: ID!) { publishContent(input: {id: $id, publishAt: "2099-01-01T00:00:00Z"}) { content { status } userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-publish", "draft", "public")}
			},
			result: payloadResult("publishContent"), want: editAlice},
		{name: "deleteContent (alice's draft)", query: `mutation($id: ID!) { deleteContent(input: {id: $id}) { deletedContentId userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				return map[string]any{"id": insertItem(t, "matrix-delete", "draft", "public")}
			},
			result: payloadResult("deleteContent"), want: editAlice},
		{name: "changeRole (carol to READER)", query: `mutation { changeRole(input: {userId: "VXNlcjoz", role: READER}) { user { role } userErrors { code } } }`, vars: noVars,
			result: payloadResult("changeRole"),
			want: func(p principal) string {
				switch {
				case p.userID == 0:
					return "UNAUTHENTICATED"
				case token(p) && p.userID == adam:
					return "ok"
				}
				return "FORBIDDEN"
			}},
		{name: "revokeApiKey (one of alice's keys)", query: `mutation($id: ID!) { revokeApiKey(input: {id: $id}) { apiKey { id } userErrors { code } } }`,
			vars: func(t *testing.T) map[string]any {
				var data struct {
					CreateApiKey struct{ ApiKey struct{ ID string } }
				}
				postAs(t, tokenFor(t, alice), `mutation { createApiKey(input: {name: "sibling", scopes: [CONTENT_READ]}) { apiKey { id } } }`, nil).ok(t, &data)
				return map[string]any{"id": data.CreateApiKey.ApiKey.ID}
			},
			result: payloadResult("revokeApiKey"),
			want: func(p principal) string {
				switch {
				case p.userID == 0:
					return "UNAUTHENTICATED"
				case !token(p):
					return "FORBIDDEN"
				case p.userID == alice || p.userID == adam:
					return "ok"
				}
				return "userError NOT_FOUND"
			}},
		{name: "createApiKey", query: `mutation { createApiKey(input: {name: "matrix", scopes: [CONTENT_READ]}) { apiKey { id } userErrors { code } } }`, vars: noVars,
			result: payloadResult("createApiKey"),
			want: func(p principal) string {
				switch {
				case p.userID == 0:
					return "UNAUTHENTICATED"
				case token(p):
					return "ok"
				}
				return "FORBIDDEN"
			}},
		{name: "exportMyData", query: `mutation { exportMyData { userErrors { code } } }`, vars: noVars,
			result: payloadResult("exportMyData"),
			want: func(p principal) string {
				switch {
				case p.userID == 0:
					return "UNAUTHENTICATED"
				case token(p):
					return "ok"
				}
				return "FORBIDDEN"
			}},
		{name: "deleteMyAccount (wrong password)", query: `mutation { deleteMyAccount(input: {password: "not the password"}) { deleted userErrors { code } } }`, vars: noVars,
			result: payloadResult("deleteMyAccount"),
			want: func(p principal) string {
				switch {
				case p.userID == 0:
					return "UNAUTHENTICATED"
				case token(p):
					return "BAD_USER_INPUT"
				}
				return "FORBIDDEN"
			}},
	}
}

// TestAuthorizationMatrix runs every protected field and operation as every kind of caller
// through the HTTP handler with real tokens and keys, and writes the outcomes to
// docs/authorization.md.
func TestAuthorizationMatrix(t *testing.T) {
	ps, ops := principals(), operations()
	t.Cleanup(func() { testEnv.db.DB.Exec(`DELETE FROM contents WHERE title = 'Matrix'`) })
	creds := make([]string, len(ps))
	for i, p := range ps {
		creds[i] = p.credential(t)
	}
	var doc strings.Builder
	doc.WriteString("# Authorization matrix\n\nWhat each kind of caller gets from each protected field and operation, as checked by\n`TestAuthorizationMatrix` in `graph/access_test.go` (regenerate with `go test ./graph -run TestAuthorizationMatrix -update`).\n")
	doc.WriteString("\"ok\" means the field or mutation answered; \"null\" that the field was null (hidden items are\nindistinguishable from missing ones); an error code is the GraphQL error's `extensions.code`;\n\"userError X\" is a `userErrors` entry with code X. Keys are API keys owned by the author alice.\n\n")
	doc.WriteString("| operation | " + strings.Join(names(ps), " | ") + " |\n|---" + strings.Repeat("|---", len(ps)) + "|\n")
	for _, op := range ops {
		row := make([]string, len(ps))
		for i, p := range ps {
			t.Run(op.name+"/"+p.name, func(t *testing.T) {
				r := postAs(t, creds[i], op.query, op.vars(t))
				got := ""
				if len(r.Errors) > 0 {
					got, _ = r.Errors[0].Extensions["code"].(string)
				} else {
					var data map[string]any
					r.ok(t, &data)
					got = op.result(data)
				}
				if want := op.want(p); got != want {
					t.Errorf("got %s, want %s (errors: %+v)", got, want, r.Errors)
				}
				row[i] = got
			})
		}
		doc.WriteString("| " + op.name + " | " + strings.Join(row, " | ") + " |\n")
	}
	const path = "../docs/authorization.md"
	if *update {
		if err := os.WriteFile(path, []byte(doc.String()), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if string(want) != doc.String() {
		t.Errorf("%s is out of date; run with -update:\n%s", path, doc.String())
	}
}

func names(ps []principal) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.name
	}
	return out
}
