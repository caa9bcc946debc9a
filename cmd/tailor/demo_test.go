package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/pgtest"
	"github.com/tailorhq/tailor/internal/seed"
)

// demoServer runs `tailor serve --demo` on a fresh database for the duration of the test and
// returns its GraphQL endpoint.
func demoServer(t *testing.T) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancel)
	db, err := pgtest.New(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	url, stop := startServe(t, ctx, map[string]string{"DATABASE_URL": db.URL, "TAILOR_ADDR": "127.0.0.1:0"}, "serve", "--demo")
	t.Cleanup(stop)
	return url + "/graphql"
}

// gqlResponse is a GraphQL response with its data left raw.
type gqlResponse struct {
	Data   json.RawMessage
	Errors []struct {
		Message    string
		Extensions map[string]any
	}
}

// post sends query with vars to endpoint, with token as the bearer when it is not empty, and
// decodes the answer's data into out (when not nil). Any GraphQL error fails the test.
func post(t *testing.T, endpoint, token, query string, vars map[string]any, out any) json.RawMessage {
	t.Helper()
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, endpoint, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var r gqlResponse
	if err := json.NewDecoder(res.Body).Decode(&r); err != nil {
		t.Fatalf("status %d: %v", res.StatusCode, err)
	}
	if len(r.Errors) > 0 {
		t.Fatalf("errors: %+v", r.Errors)
	}
	if out != nil {
		if err := json.Unmarshal(r.Data, out); err != nil {
			t.Fatal(err)
		}
	}
	return r.Data
}

// logIn signs in as the demo account handle and returns its access token.
func logIn(t *testing.T, endpoint, handle string) string {
	t.Helper()
	var d struct{ LogIn struct{ AccessToken *string } }
	post(t, endpoint, "", `mutation($l: String!, $p: String!) { logIn(input: {login: $l, password: $p}) { accessToken } }`,
		map[string]any{"l": handle, "p": seed.DemoPassword}, &d)
	if d.LogIn.AccessToken == nil {
		t.Fatalf("log in as %s: no token", handle)
	}
	return *d.LogIn.AccessToken
}

var (
	graphqlBlock = regexp.MustCompile("(?s)```graphql\n(.*?)```")
	signedInAs   = regexp.MustCompile(`# Signed in as (\w+)`)
)

// Every GraphQL example of the README runs on the demo data without errors and returns data;
// an example that needs a token says which demo account it is signed in as.
func TestREADMEExamplesRunOnTheDemoData(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := graphqlBlock.FindAllStringSubmatch(string(readme), -1)
	if len(blocks) < 5 {
		t.Fatalf("found %d GraphQL examples in the README, want at least 5", len(blocks))
	}
	endpoint := demoServer(t)
	for i, b := range blocks {
		query := b[1]
		t.Run(fmt.Sprintf("example %d", i+1), func(t *testing.T) {
			token := ""
			if m := signedInAs.FindStringSubmatch(query); m != nil {
				token = logIn(t, endpoint, m[1])
			}
			var data map[string]any
			post(t, endpoint, token, query, nil, &data)
			if len(data) == 0 {
				t.Fatalf("no data for\n%s", query)
			}
			for field, v := range data {
				if v == nil {
					t.Errorf("%s is null", field)
					continue
				}
				if m, ok := v.(map[string]any); ok {
					if edges, ok := m["edges"].([]any); ok && len(edges) == 0 {
						t.Errorf("%s has no items", field)
					}
				}
			}
		})
	}
}

// diversityPage is what the diversity test reads of a feed page.
type diversityPage struct {
	Feed struct {
		Edges []struct {
			Score float64
			Node  struct {
				Slug   string
				Author struct{ Handle string }
				Topics []struct{ Slug string }
			}
			Reasons []struct{ Weight float64 }
		}
	}
}

const diversityQuery = `{ feed(first: 10) { edges { score node { slug author { handle } topics { slug } } reasons { weight } } } }`

// On the demo data, with the defaults of tailor serve, a first page is spread over topics and
// authors: a new account's first ten items span at least five topics, none on more than four
// and no author on more than two; one who likes three topics sees all three among them.
func TestFeedIsDiverseOnTheDemoData(t *testing.T) {
	endpoint := demoServer(t)
	var signUp struct{ SignUp struct{ AccessToken *string } }
	post(t, endpoint, "", `mutation { signUp(input: {email: "new@example.com", handle: "newcomer", displayName: "New", password: "a fine long password"}) { accessToken } }`, nil, &signUp)
	if signUp.SignUp.AccessToken == nil {
		t.Fatal("sign up: no token")
	}
	token := *signUp.SignUp.AccessToken
	spread := func(p diversityPage) (topics, authors map[string]int) {
		topics, authors = map[string]int{}, map[string]int{}
		for _, e := range p.Feed.Edges {
			sum := 0.0
			for _, r := range e.Reasons {
				sum += r.Weight
			}
			if d := sum - e.Score; d > 1e-3 || d < -1e-3 {
				t.Errorf("%s: reasons add up to %.4f, score %.4f", e.Node.Slug, sum, e.Score)
			}
			for _, topic := range e.Node.Topics {
				topics[topic.Slug]++
			}
			authors[e.Node.Author.Handle]++
		}
		return topics, authors
	}

	var cold diversityPage
	post(t, endpoint, token, diversityQuery, nil, &cold)
	if len(cold.Feed.Edges) != 10 {
		t.Fatalf("a new account's feed has %d items, want 10", len(cold.Feed.Edges))
	}
	topics, authors := spread(cold)
	if len(topics) < 5 {
		t.Errorf("a new account's first 10 items span %d topics, want at least 5: %v", len(topics), topics)
	}
	for topic, n := range topics {
		if n > 4 {
			t.Errorf("topic %s is on %d of a new account's first 10 items, want at most 4", topic, n)
		}
	}
	for author, n := range authors {
		if n > 2 {
			t.Errorf("%s wrote %d of a new account's first 10 items, want at most 2", author, n)
		}
	}

	liked := []string{"astronomy", "rust", "climate"}
	var weights []map[string]any
	for _, slug := range liked {
		var d struct{ Topic struct{ ID string } }
		post(t, endpoint, "", `query($s: String!) { topic(slug: $s) { id } }`, map[string]any{"s": slug}, &d)
		weights = append(weights, map[string]any{"topicId": d.Topic.ID, "weight": 1.0})
	}
	post(t, endpoint, token, `mutation($in: UpdatePreferencesInput!) { updatePreferences(input: $in) { userErrors { code } } }`,
		map[string]any{"in": map[string]any{"topics": weights}}, nil)
	var warm diversityPage
	post(t, endpoint, token, diversityQuery, nil, &warm)
	topics, _ = spread(warm)
	var seen []string
	for _, slug := range liked {
		if topics[slug] > 0 {
			seen = append(seen, slug)
		}
	}
	if len(seen) < 3 {
		t.Errorf("liking %s, the first 10 items cover only %s", strings.Join(liked, ", "), strings.Join(seen, ", "))
	}
}
