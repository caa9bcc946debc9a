package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/tailorhq/tailor/internal/relay"
)

// The operation names. Requests carry them as operationName, and the floor dispatches on them.
const (
	opContents    = "Contents"
	opTopicPage   = "TopicPage"
	opContentPage = "ContentPage"
	opPreferences = "Preferences"
)

// contentsQuery is W1: the newest items with their authors and topics.
const contentsQuery = `query Contents {
  contents(first: 20) {
    edges { node { id title summary publishedAt author { handle displayName } topics { slug name } } }
  }
}`

// topicPageQuery is W2: a topic's 50 newest items, each with its author's three newest items.
const topicPageQuery = `query TopicPage($topic: ID!) {
  contents(first: 50, filter: {topicIds: [$topic]}) {
    edges { node { id title author { handle contents(first: 3) { edges { node { title } } } } topics { slug name } } }
  }
}`

// contentPageQuery is W3: one item's page.
const contentPageQuery = `query ContentPage($slug: String!) {
  content(slug: $slug) { id title summary body publishedAt author { handle displayName } topics { slug name } }
}`

// preferencesQuery is W4: the signed-in viewer's preferences.
const preferencesQuery = `query Preferences {
  viewer {
    handle
    preferences {
      topics { topic { slug name } weight }
      languages kinds
      followedAuthors { handle displayName }
      mutedTopics { slug }
      mutedAuthors { handle }
      notifications { email inApp }
      locale timeZone updatedAt
    }
  }
}`

// authMode says on whose behalf an operation's requests are sent.
type authMode int

const (
	// anonymous requests carry no credentials.
	anonymous authMode = iota
	// signedIn requests carry a bearer token of one of the sampled viewers.
	signedIn
)

// operation is one GraphQL operation a workload sends.
type operation struct {
	// Name is the operation's name in Query; the floor dispatches on it.
	Name  string
	Query string
	Auth  authMode
	// Vars returns the variables of one request; nil means none.
	Vars func(rng *rand.Rand, s *sample) map[string]any
	// Floor reports whether the hand-written floor service answers this operation.
	Floor bool
}

// share is an operation's weight within a workload.
type share struct {
	Op     operation
	Weight int
}

// workload is a named mix of operations; a plain workload is a mix of one.
type workload struct {
	Name  string
	Title string
	Mix   []share
}

// needsViewers reports whether some request of w must be signed in.
func (w workload) needsViewers() bool {
	return slices.ContainsFunc(w.Mix, func(s share) bool { return s.Op.Auth == signedIn })
}

// floorServes reports whether the floor answers every operation of w.
func (w workload) floorServes() bool {
	return !slices.ContainsFunc(w.Mix, func(s share) bool { return !s.Op.Floor })
}

// workloads returns the workload table in report order.
func workloads() []workload {
	contents := operation{Name: opContents, Query: contentsQuery, Auth: anonymous}
	// When the feed exists, W1 becomes the signed-in viewer's feed:
	//   operation{Name: "Feed", Query: `query Feed { feed(first: 20) { ... } }`, Auth: signedIn}
	// and the viewer tokens come from signInViewers.
	topicPage := operation{
		Name: opTopicPage, Query: topicPageQuery, Auth: anonymous, Floor: true,
		Vars: func(rng *rand.Rand, s *sample) map[string]any {
			return map[string]any{"topic": relay.ID(relay.TypeTopic, s.TopicIDs[rng.IntN(len(s.TopicIDs))])}
		},
	}
	contentPage := operation{
		Name: opContentPage, Query: contentPageQuery, Auth: anonymous, Floor: true,
		Vars: func(rng *rand.Rand, s *sample) map[string]any {
			return map[string]any{"slug": s.Slugs[rng.IntN(len(s.Slugs))]}
		},
	}
	preferences := operation{Name: opPreferences, Query: preferencesQuery, Auth: signedIn}
	return []workload{
		{Name: "W1", Title: "newest 20 contents with author and topics", Mix: []share{{contents, 1}}},
		{Name: "W2", Title: "topic page: 50 contents, authors' 3 newest, topics", Mix: []share{{topicPage, 1}}},
		{Name: "W3", Title: "content page by slug", Mix: []share{{contentPage, 1}}},
		{Name: "W4", Title: "viewer preferences (signed in)", Mix: []share{{preferences, 1}}},
		// The write share (recordInteraction, 10%) joins this mix once the mutation exists, with
		// the reads scaled to 63/13.5/13.5 — for example weights 126/27/27/20.
		{Name: "W5", Title: "read mix W1/W2/W3 70/15/15", Mix: []share{{contents, 70}, {topicPage, 15}, {contentPage, 15}}},
	}
}

// request is one prebuilt HTTP request of a workload.
type request struct {
	Op    string
	Body  []byte
	Token string
	// Depth is the query depth of the request's operation.
	Depth int
}

// graphQLBody is what a request sends.
type graphQLBody struct {
	OperationName string         `json:"operationName"`
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// buildRequests prebuilds n requests of w in the proportions of its mix, shuffled with seed.
// tokens are the signed-in viewers' bearer tokens.
func buildRequests(w workload, s *sample, tokens []string, n int, seed uint64) ([]request, error) {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c4))
	counts := apportion(w.Mix, n)
	out := make([]request, 0, n)
	for i, sh := range w.Mix {
		depth, err := queryDepth(sh.Op.Query)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name, err)
		}
		if sh.Op.Auth == signedIn && len(tokens) == 0 {
			return nil, fmt.Errorf("%s: operation %s needs signed-in viewers and no tokens were given", w.Name, sh.Op.Name)
		}
		for range counts[i] {
			b := graphQLBody{OperationName: sh.Op.Name, Query: sh.Op.Query}
			if sh.Op.Vars != nil {
				b.Variables = sh.Op.Vars(rng, s)
			}
			body, err := json.Marshal(b)
			if err != nil {
				return nil, fmt.Errorf("%s: encode request: %w", w.Name, err)
			}
			r := request{Op: sh.Op.Name, Body: body, Depth: depth}
			if sh.Op.Auth == signedIn {
				r.Token = tokens[rng.IntN(len(tokens))]
			}
			out = append(out, r)
		}
	}
	rng.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out, nil
}

// apportion splits n among the mix's weights by the largest-remainder method, so a mix of
// 70/15/15 over 1000 requests holds exactly 700/150/150.
func apportion(mix []share, n int) []int {
	total := 0
	for _, s := range mix {
		total += s.Weight
	}
	counts := make([]int, len(mix))
	rem := make([]int, len(mix))
	given := 0
	for i, s := range mix {
		counts[i] = n * s.Weight / total
		rem[i] = n * s.Weight % total
		given += counts[i]
	}
	for ; given < n; given++ {
		best := 0
		for i := range rem {
			if rem[i] > rem[best] {
				best = i
			}
		}
		counts[best]++
		rem[best] = -1
	}
	return counts
}

// errNoAccounts is what signInViewers answers until accounts exist.
var errNoAccounts = errors.New("accounts are not implemented yet")

// signInViewers returns bearer tokens of n distinct signed-in viewers of the gateway at
// gatewayURL. It is the hook for the accounts work (issue 4): sign in (or mint tokens for) n
// users of the bench dataset, then W4 and a signed-in W1 (the feed) run without -tokens.
func signInViewers(ctx context.Context, gatewayURL string, n int) ([]string, error) {
	return nil, errNoAccounts
}

// readTokens reads bearer tokens, one per line, from path; blank lines and lines starting
// with # are skipped.
func readTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		out = append(out, line)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("tokens: %w", err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("tokens: %s holds no token", path)
	}
	return out, nil
}

// selectWorkloads filters the table by a comma-separated list of names; empty keeps them all.
func selectWorkloads(all []workload, filter string) ([]workload, error) {
	if strings.TrimSpace(filter) == "" {
		return all, nil
	}
	var out []workload
	for _, name := range strings.Split(filter, ",") {
		name = strings.ToUpper(strings.TrimSpace(name))
		i := slices.IndexFunc(all, func(w workload) bool { return w.Name == name })
		if i < 0 {
			return nil, fmt.Errorf("-workloads: unknown workload %q (have W1 to W5)", name)
		}
		out = append(out, all[i])
	}
	return out, nil
}
