package graph_test

import (
	"testing"

	"github.com/tailorhq/tailor/internal/relay"
)

const interactionMutation = `mutation($in: RecordInteractionInput!) {
  recordInteraction(input: $in) {
    content { stats { views likes bookmarks } viewerState { viewed liked bookmarked hidden } }
    userErrors { field code message }
  }
}`

type interactionData struct {
	RecordInteraction struct {
		Content *struct {
			Stats       struct{ Views, Likes, Bookmarks int }
			ViewerState struct{ Viewed, Liked, Bookmarked, Hidden bool }
		}
		UserErrors []struct{ Field, Code, Message string }
	}
}

func interact(t *testing.T, token, contentID, kind string, dwell any) interactionData {
	t.Helper()
	in := map[string]any{"contentId": contentID, "kind": kind}
	if dwell != nil {
		in["dwellMs"] = dwell
	}
	var d interactionData
	postAs(t, token, interactionMutation, map[string]any{"in": in}).ok(t, &d)
	return d
}

func interactionRows(t *testing.T) int {
	t.Helper()
	var n int
	if err := testEnv.db.DB.Get(&n, `SELECT count(*) FROM interactions`); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestInteractionsKeepStateAndCounters(t *testing.T) {
	token := newViewer(t, "interacts")
	item := relay.ID(relay.TypeContent, 40)
	steps := []struct {
		kind                  string
		dwell                 any
		views, likes, bookmks int
		viewed, liked, booked bool
		hidden                bool
	}{
		{"VIEW", 30000, 1, 0, 0, true, false, false, false},
		{"LIKE", nil, 1, 1, 0, true, true, false, false},
		{"LIKE", nil, 1, 1, 0, true, true, false, false}, // repeated likes count once
		{"BOOKMARK", nil, 1, 1, 1, true, true, true, false},
		{"VIEW", nil, 1, 1, 1, true, true, true, false}, // a view within the window counts once
		{"UNLIKE", nil, 1, 0, 1, true, false, true, false},
		{"UNLIKE", nil, 1, 0, 1, true, false, true, false},
		{"HIDE", nil, 1, 0, 1, true, false, true, true},
		{"SHARE", nil, 1, 0, 1, true, false, true, true},
	}
	var base struct {
		Content struct {
			Stats struct{ Views, Likes, Bookmarks int }
		}
	}
	post(t, `query($id: ID!) { content(id: $id) { stats { views likes bookmarks } } }`, map[string]any{"id": item}).ok(t, &base)
	b := base.Content.Stats
	for i, s := range steps {
		d := interact(t, token, item, s.kind, s.dwell)
		c := d.RecordInteraction.Content
		if c == nil {
			t.Fatalf("step %d %s: %+v", i, s.kind, d.RecordInteraction.UserErrors)
		}
		if c.Stats.Views != b.Views+s.views || c.Stats.Likes != b.Likes+s.likes || c.Stats.Bookmarks != b.Bookmarks+s.bookmks {
			t.Errorf("step %d %s: stats %+v, want views %d likes %d bookmarks %d", i, s.kind, c.Stats, b.Views+s.views, b.Likes+s.likes, b.Bookmarks+s.bookmks)
		}
		vs := c.ViewerState
		if vs.Viewed != s.viewed || vs.Liked != s.liked || vs.Bookmarked != s.booked || vs.Hidden != s.hidden {
			t.Errorf("step %d %s: viewerState %+v", i, s.kind, vs)
		}
	}
	var shelves struct {
		Viewer struct {
			Bookmarks struct {
				TotalCount int
				Edges      []struct{ Node struct{ ID string } }
			}
			History struct {
				Edges []struct{ Node struct{ ID string } }
			}
		}
	}
	postAs(t, token, `{ viewer { bookmarks { totalCount edges { node { id } } } history(first: 5) { edges { node { id } } } } }`, nil).ok(t, &shelves)
	if shelves.Viewer.Bookmarks.TotalCount != 1 || shelves.Viewer.Bookmarks.Edges[0].Node.ID != item {
		t.Errorf("bookmarks = %+v", shelves.Viewer.Bookmarks)
	}
	if len(shelves.Viewer.History.Edges) != 1 || shelves.Viewer.History.Edges[0].Node.ID != item {
		t.Errorf("history = %+v", shelves.Viewer.History)
	}
}

func TestHabitsTailorTheFeed(t *testing.T) {
	token := newViewer(t, "habit_forming")
	// No stated preferences: liking a few go items should teach the feed to rank go first.
	for _, n := range []int64{8, 16, 24} {
		interact(t, token, relay.ID(relay.TypeContent, n), "LIKE", nil)
	}
	feed := wholeFeed(t, token)
	top := feed[0]
	if !top.hasTopic("go") {
		t.Fatalf("the top item %s is not about go after liking go items", top.Node.Slug)
	}
	w, ok := top.reason("LIKED_TOPIC")
	if !ok || w <= 0 {
		t.Errorf("the top item is not explained by a liked topic: %+v", top.Reasons)
	}
	var me struct{ Viewer struct{ Handle string } }
	postAs(t, token, `{ viewer { handle } }`, nil).ok(t, &me)
	var affinity float64
	if err := testEnv.db.DB.Get(&affinity, `SELECT a.score FROM topic_affinities a JOIN users u ON u.id = a.user_id
		WHERE u.handle = $2 AND a.topic_id = $1`, topicGo, me.Viewer.Handle); err != nil {
		t.Fatal(err)
	}
	if affinity < 2.9 || affinity > 3.0 {
		t.Errorf("three likes left an affinity of %.3f, want just under 3 (three signals of 1.0, barely decayed)", affinity)
	}
}

func TestInteractionRefusals(t *testing.T) {
	token := newViewer(t, "refused_interactions")
	before := interactionRows(t)
	tests := []struct {
		name, id string
		dwell    any
		field    string
		code     string
	}{
		{"unknown item", relay.ID(relay.TypeContent, 99999), nil, "contentId", "NOT_FOUND"},
		{"a draft the viewer may not see", relay.ID(relay.TypeContent, 61), nil, "contentId", "NOT_FOUND"},
		{"negative dwell", relay.ID(relay.TypeContent, 1), -5, "dwellMs", "INVALID"},
		{"dwell over a day", relay.ID(relay.TypeContent, 1), 86400001, "dwellMs", "INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := interact(t, token, tc.id, "VIEW", tc.dwell)
			errs := d.RecordInteraction.UserErrors
			if d.RecordInteraction.Content != nil || len(errs) != 1 || errs[0].Field != tc.field || errs[0].Code != tc.code {
				t.Errorf("recordInteraction = %+v, want %s on %s", d.RecordInteraction, tc.code, tc.field)
			}
		})
	}
	r := postAs(t, token, interactionMutation, map[string]any{"in": map[string]any{"contentId": relay.ID(relay.TypeTopic, 1), "kind": "VIEW"}})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("a topic ID as contentId: %+v, want BAD_USER_INPUT", r.Errors)
	}
	r = postAs(t, token, interactionMutation, map[string]any{"in": map[string]any{"contentId": relay.ID(relay.TypeContent, 1), "kind": "ADORE"}})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
		t.Errorf("an unknown kind: %+v, want BAD_USER_INPUT", r.Errors)
	}
	r = post(t, interactionMutation, map[string]any{"in": map[string]any{"contentId": relay.ID(relay.TypeContent, 1), "kind": "VIEW"}})
	if len(r.Errors) == 0 || r.Errors[0].Extensions["code"] != "UNAUTHENTICATED" {
		t.Errorf("an anonymous interaction: %+v, want UNAUTHENTICATED", r.Errors)
	}
	if after := interactionRows(t); after != before {
		t.Errorf("refused interactions wrote %d rows", after-before)
	}
}

func TestUpdatePreferences(t *testing.T) {
	token := newViewer(t, "tunes_prefs")
	const q = `mutation($in: UpdatePreferencesInput!) {
	  updatePreferences(input: $in) {
	    preferences { topics { topic { slug } weight } languages kinds mutedTopics { slug } mutedAuthors { handle }
	      notifications { email inApp } locale timeZone }
	    userErrors { field code message }
	  }
	}`
	type prefs struct {
		UpdatePreferences struct {
			Preferences *struct {
				Topics []struct {
					Topic  struct{ Slug string }
					Weight float64
				}
				Languages, Kinds []string
				MutedTopics      []struct{ Slug string }
				MutedAuthors     []struct{ Handle string }
				Notifications    struct {
					Email string
					InApp bool
				}
				Locale, TimeZone string
			}
			UserErrors []struct{ Field, Code, Message string }
		}
	}
	var d prefs
	postAs(t, token, q, map[string]any{"in": map[string]any{
		"topics":        []map[string]any{{"topicId": topicID(topicGo), "weight": 0.75}, {"topicId": topicID(topicCooking), "weight": -0.5}},
		"languages":     []string{"en", "fr"},
		"kinds":         []string{"PODCAST"},
		"mutedTopicIds": []string{topicID(topicMusic)},
		"notifications": map[string]any{"email": "DAILY"},
		"locale":        "pt-BR", "timeZone": "Europe/Paris",
	}}).ok(t, &d)
	p := d.UpdatePreferences.Preferences
	if p == nil || len(p.Topics) != 2 || p.Topics[0].Topic.Slug != "go" || p.Topics[0].Weight != 0.75 ||
		len(p.Languages) != 2 || p.Kinds[0] != "PODCAST" || p.MutedTopics[0].Slug != "music" ||
		p.Notifications.Email != "DAILY" || !p.Notifications.InApp || p.Locale != "pt-BR" || p.TimeZone != "Europe/Paris" {
		t.Fatalf("preferences = %+v (errors %+v)", p, d.UpdatePreferences.UserErrors)
	}

	// A partial update leaves the rest alone; a weight of 0 removes a topic.
	postAs(t, token, q, map[string]any{"in": map[string]any{"topics": []map[string]any{{"topicId": topicID(topicCooking), "weight": 0}}}}).ok(t, &d)
	p = d.UpdatePreferences.Preferences
	if len(p.Topics) != 1 || p.Topics[0].Topic.Slug != "go" || len(p.Languages) != 2 || p.Locale != "pt-BR" {
		t.Errorf("after a partial update: %+v", p)
	}

	tests := []struct {
		name  string
		in    map[string]any
		field string
		code  string
	}{
		{"weight above 1", map[string]any{"topics": []map[string]any{{"topicId": topicID(topicGo), "weight": 1.5}}}, "topics", "INVALID"},
		{"weight below -1", map[string]any{"topics": []map[string]any{{"topicId": topicID(topicGo), "weight": -2}}}, "topics", "INVALID"},
		{"unknown topic", map[string]any{"topics": []map[string]any{{"topicId": topicID(999), "weight": 0.5}}, "locale": "de"}, "topics", "NOT_FOUND"},
		{"unknown muted author", map[string]any{"mutedAuthorIds": []string{relay.ID(relay.TypeUser, 99999)}}, "mutedAuthorIds", "NOT_FOUND"},
		{"bad language", map[string]any{"languages": []string{"english"}}, "languages", "INVALID"},
		{"bad locale", map[string]any{"locale": "not a locale!"}, "locale", "INVALID"},
		{"bad time zone", map[string]any{"timeZone": "Mars/Olympus"}, "timeZone", "INVALID"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d prefs
			postAs(t, token, q, map[string]any{"in": tc.in}).ok(t, &d)
			errs := d.UpdatePreferences.UserErrors
			if d.UpdatePreferences.Preferences != nil || len(errs) == 0 || errs[0].Field != tc.field || errs[0].Code != tc.code {
				t.Errorf("got %+v, want %s on %s", d.UpdatePreferences, tc.code, tc.field)
			}
		})
	}
	// Nothing of a refused update was written: the locale set alongside the unknown topic is unchanged.
	var me struct {
		Viewer struct{ Preferences struct{ Locale string } }
	}
	postAs(t, token, `{ viewer { preferences { locale } } }`, nil).ok(t, &me)
	if me.Viewer.Preferences.Locale != "pt-BR" {
		t.Errorf("a refused update changed the locale to %q", me.Viewer.Preferences.Locale)
	}
}

func TestFollowRefusals(t *testing.T) {
	token := newViewer(t, "follow_refusals")
	var me struct{ Viewer struct{ ID string } }
	postAs(t, token, `{ viewer { id } }`, nil).ok(t, &me)
	for _, tc := range []struct{ name, id, code string }{
		{"self", me.Viewer.ID, "INVALID"},
		{"unknown user", relay.ID(relay.TypeUser, 99999), "NOT_FOUND"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d struct {
				FollowUser struct{ UserErrors []struct{ Code string } }
			}
			postAs(t, token, `mutation($id: ID!) { followUser(input: {userId: $id}) { userErrors { code } } }`, map[string]any{"id": tc.id}).ok(t, &d)
			if len(d.FollowUser.UserErrors) != 1 || d.FollowUser.UserErrors[0].Code != tc.code {
				t.Errorf("followUser = %+v, want %s", d.FollowUser, tc.code)
			}
		})
	}
}

func TestViewerPreferencesStatements(t *testing.T) {
	token := newViewer(t, "counts_prefs")
	updatePrefs(t, token, map[string]any{
		"topics":         []map[string]any{{"topicId": topicID(topicGo), "weight": 0.5}, {"topicId": topicID(topicTravel), "weight": -0.5}},
		"mutedTopicIds":  []string{topicID(topicMusic)},
		"mutedAuthorIds": []string{relay.ID(relay.TypeUser, bob)},
	})
	postAs(t, token, `mutation($id: ID!) { followUser(input: {userId: $id}) { userErrors { code } } }`, map[string]any{"id": relay.ID(relay.TypeUser, dora)}).ok(t, &map[string]any{})
	r := postAs(t, token, `{ viewer { handle preferences { topics { topic { slug } weight } followedAuthors { handle }
		mutedTopics { slug } mutedAuthors { handle } } bookmarks(first: 10) { edges { node { id title } } } } }`, nil)
	var d struct {
		Viewer struct {
			Preferences struct {
				Topics          []struct{ Topic struct{ Slug string } }
				FollowedAuthors []struct{ Handle string }
			}
		}
	}
	r.ok(t, &d)
	if len(d.Viewer.Preferences.Topics) != 2 || d.Viewer.Preferences.FollowedAuthors[0].Handle != "dora" {
		t.Fatalf("preferences = %+v", d.Viewer.Preferences)
	}
	// authentication with the account, preferences, bookmarks, the named topics, the named people
	if r.statements != 5 {
		t.Errorf("ran %d statements, want 5", r.statements)
	}
}
