package graph

import (
	"context"
	"os"
	"regexp"
	"testing"

	gqlcomplexity "github.com/99designs/gqlgen/complexity"
	"github.com/vektah/gqlparser/v2"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/relay"
)

// score validates query against the schema and returns its complexity.
func score(t *testing.T, query string, vars map[string]any) int {
	t.Helper()
	es := NewExecutableSchema(Config{Resolvers: &Resolver{}, Complexity: complexity(relay.Limits{Default: 20, Max: 100})})
	doc, errs := gqlparser.LoadQuery(es.Schema(), query)
	if len(errs) > 0 {
		t.Fatalf("%s: %v", query, errs)
	}
	return gqlcomplexity.Calculate(context.Background(), es, doc.Operations[0], vars)
}

// TestListCosts pins the score of every list field: its selection times the items it may
// return, plus its base cost.
func TestListCosts(t *testing.T) {
	tests := []struct {
		name  string
		query string
		want  int
	}{
		// A connection: 1 + page × (edges 1 + node 1 + id 1).
		{"contents default page", `{ contents { edges { node { id } } } }`, 1 + 20*3},
		{"contents first", `{ contents(first: 50) { edges { node { id } } } }`, 1 + 50*3},
		{"contents last", `{ contents(last: 7) { edges { node { id } } } }`, 1 + 7*3},
		{"contents first is clamped", `{ contents(first: 100000) { edges { node { id } } } }`, 1 + 100*3},
		{"contents totalCount", `{ contents(first: 1) { totalCount } }`, 1 + 1*costCount},
		{"topics", `{ topics(first: 10) { edges { node { id } } } }`, 1 + 10*3},
		{"topics totalCount", `{ topics(first: 1) { totalCount } }`, 1 + costCount},
		{"topic contents", `{ topic(slug: "x") { contents(first: 5) { edges { node { id } } } } }`, 1 + 1 + 5*3},
		{"user contents", `{ user(handle: "x") { contents(first: 5) { edges { node { id } } } } }`, 1 + 1 + 5*3},
		{"bookmarks", `{ viewer { bookmarks(first: 10) { edges { node { id } } } } }`, 1 + 1 + 10*3},
		{"history", `{ viewer { history { edges { node { id } } } } }`, 1 + 1 + 20*3},
		{"apiKeys", `{ viewer { apiKeys { name } } }`, 1 + 1 + auth.MaxListedKeys*1},
		{"nodes", `{ nodes(ids: ["a", "b", "c"]) { id } }`, 1 + 3*1},
		{"feed", `{ feed(first: 10) { edges { node { id } } } }`, costFeed + 10*3},
		{"feed reasons", `{ feed(first: 1) { edges { reasons { kind } } } }`, costFeed + 1*(1+(1+12*1))},
		{"search", `{ search(query: "x", first: 10) { edges { node { id } } } }`, costSearch + 10*3},
		{"related default", `{ content(slug: "x") { related { id } } }`, 1 + costRelated + 5*1},
		{"related first", `{ content(slug: "x") { related(first: 20) { id } } }`, 1 + costRelated + 20*1},
		{"content topics", `{ content(slug: "x") { topics { id } } }`, 1 + 1 + 10*1},
		{"preference topics", `{ viewer { preferences { topics { weight } } } }`, 1 + 1 + 1 + 100*1},
		{"muted topics", `{ viewer { preferences { mutedTopics { id } } } }`, 1 + 1 + 1 + 100*1},
		{"muted authors", `{ viewer { preferences { mutedAuthors { id } } } }`, 1 + 1 + 1 + 100*1},
		{"followed authors", `{ viewer { preferences { followedAuthors { id } } } }`, 1 + 1 + 1 + 1000*1},
		{"the nested related probe", `{ contents(first: 50) { edges { node { related(first: 20) { related(first: 20) { related(first: 20) { id } } } } } } }`,
			1 + 50*(1+1+(costRelated+20*(costRelated+20*(costRelated+20*1))))},
		{"logIn", `mutation { logIn(input: {login: "a", password: "b"}) { accessToken } }`, costSignIn + 1},
		{"recordInteraction", `mutation { recordInteraction(input: {contentId: "x", kind: VIEW}) { content { id } } }`, costWrite + 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := score(t, tc.query, nil); got != tc.want {
				t.Errorf("score = %d, want %d", got, tc.want)
			}
		})
	}
}

// defaultMaxComplexity is TAILOR_MAX_COMPLEXITY's default.
const defaultMaxComplexity = 20000

// TestREADMEExamplesFitTheLimits checks every GraphQL example of the README against the
// default limits and complexity budget.
func TestREADMEExamplesFitTheLimits(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```graphql\n(.*?)```").FindAllStringSubmatch(string(readme), -1)
	if len(blocks) == 0 {
		t.Fatal("the README has no graphql examples")
	}
	for _, b := range blocks {
		if c := checkDocument(b[1], DefaultOperationLimits()); c.refusal != nil {
			t.Errorf("example refused: %v\n%s", c.refusal, b[1])
		}
		if n := score(t, b[1], map[string]any{}); n > defaultMaxComplexity {
			t.Errorf("example scores %d:\n%s", n, b[1])
		}
	}
}
