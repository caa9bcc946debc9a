package graph_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/privacy"
	"github.com/tailorhq/tailor/internal/relay"
)

// person is an account holding a row in every table Tailor keeps on people.
type person struct {
	id                          int64
	handle, token, pw           string
	apiKeySecret, webhookSecret string
	published, draft            int64
}

const personPassword = "a fine long password"

// personWithEverything signs up an author with preferences, follows both ways, interactions,
// affinities, a published item and a draft, a notification, an API key, a webhook with a
// delivery and a revoked token.
func personWithEverything(t *testing.T, name string) person {
	t.Helper()
	p := person{handle: uniq(name), pw: personPassword, webhookSecret: "whsec_" + uniq("never_exported")}
	d := signUp(t, p.handle+"@example.com", p.handle, p.pw)
	if d.SignUp.AccessToken == nil {
		t.Fatalf("sign up: %+v", d.SignUp.UserErrors)
	}
	p.token = *d.SignUp.AccessToken
	db := testEnv.db.DB
	if err := db.Get(&p.id, `UPDATE users SET role = 'author' WHERE handle = $1 RETURNING id`, p.handle); err != nil {
		t.Fatal(err)
	}
	for _, item := range []struct {
		status string
		id     *int64
	}{{"published", &p.published}, {"draft", &p.draft}} {
		if err := db.QueryRow(`INSERT INTO contents (slug, author_id, title, summary, body, kind, language, status, visibility, published_at)
			VALUES ($1, $2, 'Privacy fixture', 'Kept or erased.', 'Body.', 'article', 'en', $3, 'public',
				CASE WHEN $3 = 'published' THEN timestamptz '2001-01-01' END) RETURNING id`,
			strings.ReplaceAll(p.handle, "_", "-")+"-"+item.status, p.id, item.status).Scan(item.id); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() { _, _ = db.Exec(`DELETE FROM contents WHERE id IN ($1, $2)`, p.published, p.draft) })
	updatePrefs(t, p.token, map[string]any{"topics": []map[string]any{{"topicId": topicID(topicCooking), "weight": 0.5}},
		"mutedTopicIds": []string{topicID(topicMusic)}, "mutedAuthorIds": []string{relay.ID(relay.TypeUser, bob)}})
	var f struct {
		FollowUser struct{ UserErrors []struct{ Code string } }
	}
	postAs(t, p.token, `mutation($id: ID!) { followUser(input: {userId: $id}) { userErrors { code } } }`,
		map[string]any{"id": relay.ID(relay.TypeUser, alice)}).ok(t, &f)
	interact(t, p.token, relay.ID(relay.TypeContent, 8), "VIEW", 20000)
	interact(t, p.token, relay.ID(relay.TypeContent, 8), "LIKE", nil)
	interact(t, p.token, relay.ID(relay.TypeContent, 16), "BOOKMARK", nil)
	var k struct{ CreateAPIKey struct{ Secret string } }
	postAs(t, p.token, `mutation { createApiKey(input: {name: "export", scopes: [USERS_READ]}) { secret } }`, nil).ok(t, &k)
	p.apiKeySecret = k.CreateAPIKey.Secret
	for _, stmt := range []string{
		`INSERT INTO follows (follower_id, author_id) VALUES (` + itoa(erin) + `, $1)`,
		`INSERT INTO notifications (user_id, event_id, kind, actor_id) VALUES ($1, 1, 'new_follower', ` + itoa(erin) + `)`,
		`INSERT INTO webhooks (user_id, url, events, secret) VALUES ($1, 'https://hooks.example.com/x', '{content_published}', '` + p.webhookSecret + `')`,
		`INSERT INTO deliveries (user_id, channel, webhook_id, payload, status)
			SELECT $1, 'webhook', id, '{"secret": "payload"}', 'delivered' FROM webhooks WHERE user_id = $1`,
		`INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ('` + strings.Repeat("r", 10) + `' || $1::bigint || '` + strings.Repeat("j", 10) + `', $1, now() + interval '1 hour')`,
	} {
		if _, err := db.Exec(stmt, p.id); err != nil {
			t.Fatalf("%s: %v", stmt, err)
		}
	}
	return p
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// personalTables count, per table, the rows that belong to a person.
var personalTables = map[string]string{
	"users":             `SELECT count(*) FROM users WHERE id = $1`,
	"preferences":       `SELECT count(*) FROM preferences WHERE user_id = $1`,
	"topic_preferences": `SELECT count(*) FROM topic_preferences WHERE user_id = $1`,
	"muted_topics":      `SELECT count(*) FROM muted_topics WHERE user_id = $1`,
	"muted_authors":     `SELECT count(*) FROM muted_authors WHERE user_id = $1`,
	"follows":           `SELECT count(*) FROM follows WHERE follower_id = $1`,
	"followers":         `SELECT count(*) FROM follows WHERE author_id = $1`,
	"interactions":      `SELECT count(*) FROM interactions WHERE user_id = $1`,
	"content_states":    `SELECT count(*) FROM content_states WHERE user_id = $1`,
	"topic_affinities":  `SELECT count(*) FROM topic_affinities WHERE user_id = $1`,
	"author_affinities": `SELECT count(*) FROM author_affinities WHERE user_id = $1`,
	"notifications":     `SELECT count(*) FROM notifications WHERE user_id = $1`,
	"api_keys":          `SELECT count(*) FROM api_keys WHERE user_id = $1`,
	"webhooks":          `SELECT count(*) FROM webhooks WHERE user_id = $1`,
	"deliveries":        `SELECT count(*) FROM deliveries WHERE user_id = $1`,
	"revoked_tokens":    `SELECT count(*) FROM revoked_tokens WHERE user_id = $1`,
	"contents":          `SELECT count(*) FROM contents WHERE author_id = $1`,
}

func personalRows(t *testing.T, id int64) map[string]int {
	t.Helper()
	out := map[string]int{}
	for table, q := range personalTables {
		var n int
		if err := testEnv.db.DB.Get(&n, q, id); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = n
	}
	return out
}

// exportStatements is what an export costs in SQL statements, however much the person holds.
const exportStatements = 2

const exportMutation = `mutation { exportMyData { data userErrors { message } } }`

func TestExportMyData(t *testing.T) {
	p := personWithEverything(t, "exporter")
	var d struct{ ExportMyData struct{ Data string } }
	res := postAs(t, p.token, exportMutation, nil)
	res.ok(t, &d)
	if res.statements != exportStatements {
		t.Errorf("the export ran %d SQL statements, want %d (the session, then one for the whole document)", res.statements, exportStatements)
	}
	raw := d.ExportMyData.Data
	var doc struct {
		Profile     struct{ Handle, Email string }
		Preferences struct {
			Settings                                         struct{ RecordHabits *bool }
			TopicWeights, MutedTopics, MutedAuthors, Follows []json.RawMessage
		}
		Interactions struct {
			Log, ContentStates struct {
				Truncated *bool
				Items     []json.RawMessage
			}
		}
		Affinities struct {
			Topics  []json.RawMessage
			Authors struct{ Items []json.RawMessage }
		}
		Notifications struct{ Items []json.RawMessage }
		APIKeys       []struct{ Prefix, Name string } `json:"apiKeys"`
		Webhooks      []struct{ URL string }
		Deliveries    struct{ Items []json.RawMessage }
	}
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatalf("export is not JSON: %v: %s", err, raw)
	}
	sections := map[string]int{
		"topicWeights": len(doc.Preferences.TopicWeights), "mutedTopics": len(doc.Preferences.MutedTopics),
		"mutedAuthors": len(doc.Preferences.MutedAuthors), "follows": len(doc.Preferences.Follows),
		"interactions.log": len(doc.Interactions.Log.Items), "contentStates": len(doc.Interactions.ContentStates.Items),
		"affinities.topics": len(doc.Affinities.Topics), "affinities.authors": len(doc.Affinities.Authors.Items),
		"notifications": len(doc.Notifications.Items), "apiKeys": len(doc.APIKeys), "webhooks": len(doc.Webhooks),
		"deliveries": len(doc.Deliveries.Items),
	}
	for name, n := range sections {
		if n == 0 {
			t.Errorf("the export's %s section is empty", name)
		}
	}
	if len(doc.Interactions.Log.Items) != 3 || doc.Interactions.Log.Truncated == nil || *doc.Interactions.Log.Truncated {
		t.Errorf("interaction log: %d items, truncated %v; want 3, false", len(doc.Interactions.Log.Items), doc.Interactions.Log.Truncated)
	}
	if doc.Profile.Handle != p.handle || doc.Profile.Email != p.handle+"@example.com" {
		t.Errorf("profile = %+v", doc.Profile)
	}
	if doc.Preferences.Settings.RecordHabits == nil || !*doc.Preferences.Settings.RecordHabits {
		t.Errorf("settings.recordHabits = %v, want true", doc.Preferences.Settings.RecordHabits)
	}
	var hashes struct {
		Password string `db:"password_hash"`
		Key      []byte `db:"secret_hash"`
	}
	if err := testEnv.db.DB.Get(&hashes, `SELECT u.password_hash, k.secret_hash FROM users u JOIN api_keys k ON k.user_id = u.id WHERE u.id = $1`, p.id); err != nil {
		t.Fatal(err)
	}
	for name, secret := range map[string]string{"password hash": hashes.Password, "API key secret": p.apiKeySecret,
		"API key hash": hex.EncodeToString(hashes.Key), "webhook secret": p.webhookSecret, "delivery payload": `"payload"`,
		"password_hash": "password_hash", "secret_hash": "secret_hash"} {
		if strings.Contains(raw, secret) {
			t.Errorf("the export holds the %s", name)
		}
	}

	r := postAs(t, p.apiKeySecret, exportMutation, nil)
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("export with an API key: %+v, want FORBIDDEN", r.Errors)
	}
	if r := post(t, exportMutation, nil); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("anonymous export: %+v, want UNAUTHENTICATED", r.Errors)
	}
}

const deleteMutation = `mutation($pw: String!) { deleteMyAccount(input: {password: $pw}) { deleted userErrors { field message } } }`

// deleteAs erases the account behind token on the server at url.
func deleteAs(t *testing.T, url, token, pw string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": deleteMutation, "variables": map[string]any{"pw": pw}})
	req, _ := http.NewRequest(http.MethodPost, url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r response
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	return r
}

func TestDeleteMyAccountRefusesAWrongPassword(t *testing.T) {
	p := personWithEverything(t, "keeps_account")
	before := personalRows(t, p.id)
	r := deleteAs(t, testEnv.server.URL, p.token, "not the password at all")
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" || r.Errors[0].Extensions["field"] != "input.password" {
		t.Fatalf("wrong password: %+v, want BAD_USER_INPUT on input.password", r.Errors)
	}
	after := personalRows(t, p.id)
	for table, n := range before {
		if n == 0 || after[table] != n {
			t.Errorf("%s: %d rows before, %d after a refused erasure (want the same, not 0)", table, n, after[table])
		}
	}
	if r := deleteAs(t, testEnv.server.URL, p.apiKeySecret, p.pw); len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "FORBIDDEN" {
		t.Errorf("erasure with an API key: %+v, want FORBIDDEN", r.Errors)
	}
	var me struct{ Viewer *struct{ Handle string } }
	postAs(t, p.token, `{ viewer { handle } }`, nil).ok(t, &me)
	if me.Viewer == nil || me.Viewer.Handle != p.handle {
		t.Errorf("after a refused erasure the token shows viewer %+v", me.Viewer)
	}
}

func TestDeleteMyAccountErasesEverything(t *testing.T) {
	authService, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	deleting := testOptions(testEnv.db, slog.New(slog.DiscardHandler), authService)
	deleting.Services.Privacy = privacy.NewService(postgres.NewPrivacyStore(testEnv.db.DB), authService, privacy.Delete)
	deleteServer := httptest.NewServer(graph.NewHTTPHandler(deleting))
	defer deleteServer.Close()

	tests := []struct {
		name, url string
		// kept is whether the published item stays, under the placeholder author.
		kept bool
	}{
		{"reassign", testEnv.server.URL, true},
		{"delete", deleteServer.URL, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := personWithEverything(t, "leaves_"+tt.name)
			var d struct{ DeleteMyAccount struct{ Deleted *bool } }
			deleteAs(t, tt.url, p.token, p.pw).ok(t, &d)
			if d.DeleteMyAccount.Deleted == nil || !*d.DeleteMyAccount.Deleted {
				t.Fatalf("deleteMyAccount = %+v", d.DeleteMyAccount)
			}
			for table, n := range personalRows(t, p.id) {
				if n != 0 {
					t.Errorf("%s still holds %d rows of the erased account", table, n)
				}
			}
			r := postAs(t, p.token, `{ viewer { handle } }`, nil)
			if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
				t.Errorf("the erased account's token: %+v, want UNAUTHENTICATED", r.Errors)
			}
			var owner struct {
				Handle      string  `db:"handle"`
				Placeholder bool    `db:"placeholder"`
				Password    *string `db:"password_hash"`
			}
			err := testEnv.db.DB.Get(&owner, `SELECT u.handle, u.placeholder, u.password_hash FROM contents c JOIN users u ON u.id = c.author_id WHERE c.id = $1`, p.published)
			switch {
			case tt.kept && err != nil:
				t.Fatalf("the published item is gone: %v", err)
			case tt.kept && (!owner.Placeholder || owner.Handle != "deleted_user" || owner.Password != nil):
				t.Errorf("the published item belongs to %+v, want the placeholder deleted_user with no password", owner)
			case !tt.kept && err == nil:
				t.Errorf("the published item is kept under %s, want it deleted", owner.Handle)
			}
			var drafts int
			if err := testEnv.db.DB.Get(&drafts, `SELECT count(*) FROM contents WHERE id = $1`, p.draft); err != nil || drafts != 0 {
				t.Errorf("the draft survives (%d, %v)", drafts, err)
			}
			if tt.kept {
				var pub struct {
					Content *struct{ Author struct{ Handle string } }
				}
				post(t, `query($id: ID!) { content(id: $id) { author { handle } } }`,
					map[string]any{"id": relay.ID(relay.TypeContent, p.published)}).ok(t, &pub)
				if pub.Content == nil || pub.Content.Author.Handle != "deleted_user" {
					t.Errorf("the kept item reads as %+v, want by deleted_user", pub.Content)
				}
			}
		})
	}
}

func TestRecordHabitsOff(t *testing.T) {
	token := newViewer(t, "no_habits")
	var id int64
	var me struct{ Viewer struct{ Handle string } }
	postAs(t, token, `{ viewer { handle } }`, nil).ok(t, &me)
	if err := testEnv.db.DB.Get(&id, `SELECT id FROM users WHERE handle = $1`, me.Viewer.Handle); err != nil {
		t.Fatal(err)
	}
	count := func(q string) int {
		t.Helper()
		var n int
		if err := testEnv.db.DB.Get(&n, q, id); err != nil {
			t.Fatal(err)
		}
		return n
	}
	habitTerms := func(edges []feedEdge) []string {
		var found []string
		for _, e := range edges {
			for _, r := range e.Reasons {
				if r.Kind == "AUTHOR_AFFINITY" || r.Kind == "ALREADY_SEEN" || r.Kind == "LIKED_TOPIC" {
					found = append(found, e.Node.Slug+": "+r.Kind)
				}
			}
		}
		return found
	}
	// With habits on, liking go items and viewing one shows in the feed's reasons.
	for _, n := range []int64{8, 16, 24} {
		interact(t, token, relay.ID(relay.TypeContent, n), "LIKE", nil)
	}
	interact(t, token, relay.ID(relay.TypeContent, 32), "VIEW", 60000)
	if len(habitTerms(wholeFeed(t, token))) == 0 {
		t.Fatal("with habits on, no feed reason is a habit term: the test below proves nothing")
	}

	updatePrefs(t, token, map[string]any{"recordHabits": false})
	var prefs struct {
		Viewer struct{ Preferences struct{ RecordHabits bool } }
	}
	postAs(t, token, `{ viewer { preferences { recordHabits } } }`, nil).ok(t, &prefs)
	if prefs.Viewer.Preferences.RecordHabits {
		t.Fatal("recordHabits is still true after turning it off")
	}
	if terms := habitTerms(wholeFeed(t, token)); len(terms) > 0 {
		t.Errorf("with habits off, the feed still explains items by habits: %v", terms)
	}

	logRows := count(`SELECT count(*) FROM interactions WHERE user_id = $1`)
	affinities := count(`SELECT (SELECT count(*) FROM topic_affinities WHERE user_id = $1) + (SELECT count(*) FROM author_affinities WHERE user_id = $1)`)
	item := relay.ID(relay.TypeContent, 40)
	interact(t, token, item, "VIEW", 30000)
	interact(t, token, item, "SHARE", nil)
	d := interact(t, token, relay.ID(relay.TypeContent, 41), "LIKE", nil)
	b := interact(t, token, item, "BOOKMARK", nil)
	if n := count(`SELECT count(*) FROM interactions WHERE user_id = $1`); n != logRows {
		t.Errorf("with habits off, the interaction log grew from %d to %d rows", logRows, n)
	}
	if n := count(`SELECT (SELECT count(*) FROM topic_affinities WHERE user_id = $1) + (SELECT count(*) FROM author_affinities WHERE user_id = $1)`); n != affinities {
		t.Errorf("with habits off, affinities went from %d to %d rows", affinities, n)
	}
	if c := b.RecordInteraction.Content; c == nil || !c.ViewerState.Bookmarked || c.ViewerState.Viewed {
		t.Errorf("after a view and a bookmark with habits off, viewerState = %+v; want bookmarked, not viewed", c)
	}
	if c := d.RecordInteraction.Content; c == nil || !c.ViewerState.Liked {
		t.Errorf("a like with habits off did not set the item liked: %+v", c)
	}
	var shelves struct {
		Viewer struct {
			Bookmarks struct {
				Edges []struct{ Node struct{ ID string } }
			}
			History struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	postAs(t, token, `{ viewer { bookmarks { edges { node { id } } } history { edges { node { id } } } } }`, nil).ok(t, &shelves)
	if e := shelves.Viewer.Bookmarks.Edges; len(e) != 1 || e[0].Node.ID != item {
		t.Errorf("bookmarks = %+v, want the bookmarked item", e)
	}
	for _, e := range shelves.Viewer.History.Edges {
		if e.Node.ID == item {
			t.Errorf("the item viewed with habits off is in the history")
		}
	}
}
