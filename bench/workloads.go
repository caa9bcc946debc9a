package main

import (
	"bufio"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/seed"
)

// The operation names. Requests carry them as operationName, and the floor dispatches on them.
const (
	opFeed              = "Feed"
	opFeedNextPage      = "FeedNextPage"
	opTopicPage         = "TopicPage"
	opContentPage       = "ContentPage"
	opViewer            = "Viewer"
	opRecordInteraction = "RecordInteraction"
	opContentList       = "ContentList"
	opSearch            = "Search"
	// opFeedCursor and opFeedProbe are sent while planning, never measured: the first reads a
	// viewer's first page's endCursor for W1b, the second checks the feed's statements at
	// several page sizes.
	opFeedCursor = "FeedCursor"
	opFeedProbe  = "FeedProbe"
)

// feedPageSize is W1's and W1b's first.
const feedPageSize = 20

// feedSelection is what W1 and W1b read of each feed page.
const feedSelection = `edges {
      score
      node { id title author { handle displayName } topics { slug name } viewerState { viewed liked bookmarked } }
      reasons { kind weight }
    }`

// feedQuery is W1: the first page of a fresh feed for a signed-in viewer (the feed is ranked
// and saved as a snapshot on every first page).
const feedQuery = `query Feed {
  feed(first: 20) {
    ` + feedSelection + `
  }
}`

// feedNextPageQuery is W1b: the second page of a viewer's feed, read from the snapshot of an
// earlier first page.
const feedNextPageQuery = `query FeedNextPage($after: String!) {
  feed(first: 20, after: $after) {
    ` + feedSelection + `
  }
}`

// feedCursorQuery reads the endCursor of a viewer's first page while W1b is planned.
const feedCursorQuery = `query FeedCursor {
  feed(first: 20) { pageInfo { endCursor hasNextPage } }
}`

// feedProbeQuery is W1's query with a variable page size and cursor, sent while planning to
// count the feed's statements at several page sizes.
const feedProbeQuery = `query FeedProbe($first: Int!, $after: String) {
  feed(first: $first, after: $after) {
    ` + feedSelection + `
    pageInfo { endCursor hasNextPage }
  }
}`

// topicPageQuery is W2: a topic's 50 newest items, each with its author's three newest items.
const topicPageQuery = `query TopicPage($topic: ID!) {
  contents(first: 50, filter: {topicIds: [$topic]}) {
    edges { node { id title author { handle contents(first: 3) { edges { node { title } } } } topics { slug name } } }
  }
}`

// contentPageQuery is W3: one item's page, with five related items.
const contentPageQuery = `query ContentPage($slug: String!) {
  content(slug: $slug) {
    id title summary body publishedAt author { handle displayName } topics { slug name }
    related(first: 5) { id title }
  }
}`

// contentListQuery is W6: the plain list of contents, newest first, as a home page shows it.
const contentListQuery = `query ContentList {
  contents(first: 20) { edges { node { id title author { handle } topics { slug } } } }
}`

// searchQuery is W7: the first 10 results of a search for the corpus's most common word.
const searchQuery = `query Search($text: String!) {
  search(query: $text, first: 10) { edges { rank node { id title author { handle } topics { slug } } } }
}`

// viewerQuery is W4: the signed-in viewer's preferences and latest bookmarks.
const viewerQuery = `query Viewer {
  viewer {
    handle
    preferences {
      topics { topic { slug } weight }
      languages kinds
      followedAuthors { handle }
      mutedTopics { slug }
      notifications { email inApp }
      locale timeZone
    }
    bookmarks(first: 10) { edges { node { id title } } }
  }
}`

// recordInteractionQuery is W5's write: a signed-in viewer views, likes or bookmarks an item
// (or takes a like or bookmark back).
const recordInteractionQuery = `mutation RecordInteraction($input: RecordInteractionInput!) {
  recordInteraction(input: $input) {
    content { stats { views likes bookmarks } viewerState { liked } }
    userErrors { code }
  }
}`

// interactionKinds are the kinds W5 records, with their shares in percent.
var interactionKinds = []struct {
	Kind   string
	Weight int
}{{"VIEW", 60}, {"LIKE", 20}, {"BOOKMARK", 10}, {"UNLIKE", 5}, {"UNBOOKMARK", 5}}

// Dwell times W5 sends with its views: uniform between these, in milliseconds.
const (
	minDwellMs = 1_000
	maxDwellMs = 180_000
)

// authMode says on whose behalf an operation's requests are sent.
type authMode int

const (
	// anonymous requests carry no credentials.
	anonymous authMode = iota
	// signedIn requests carry a bearer token of one of the sampled viewers.
	signedIn
)

// viewer is a signed-in viewer the signed-in requests are sent as.
type viewer struct {
	// UserID is the viewer's database ID; 0 when the token came from -tokens.
	UserID int64
	// Role is the user's role; empty when the token came from -tokens.
	Role  string
	Token string
	// FeedCursor is the endCursor of a first page of the viewer's feed, read while planning
	// W1b; empty when W1b is not run or the feed has a single page.
	FeedCursor string
}

// operation is one GraphQL operation a workload sends.
type operation struct {
	// Name is the operation's name in Query; the floor dispatches on it.
	Name  string
	Query string
	Auth  authMode
	// Role, for a signed-in operation, sends it as the role-spread viewers of that role
	// (viewerSet.ByRole); empty sends it as the feed viewers (viewerSet.Feed).
	Role string
	// Vars returns the variables of one request, sent as v (nil for anonymous operations);
	// nil Vars means none.
	Vars func(rng *rand.Rand, s *sample, v *viewer) map[string]any
	// NeedsFeedCursor says that the operation's viewers must have a FeedCursor.
	NeedsFeedCursor bool
	// Floor reports whether the hand-written floor service answers this operation.
	Floor bool
	// Write says that the operation changes the database.
	Write bool
}

// key names the operation in a mixed workload's breakdown: its name, and the role it is sent
// as when it has one ("TopicPage as editor").
func (o operation) key() string {
	if o.Role == "" {
		return o.Name
	}
	return o.Name + " as " + o.Role
}

// viewerRoles are the roles the signed-in read variants (W2s, W3s, W6s) are sent as, in equal
// shares.
var viewerRoles = []string{"reader", "member", "author", "editor"}

// asRoles returns op signed in, in one share per role of viewerRoles: the signed-in variant of
// an anonymous read. The request is the same (query and variables), with a bearer token.
func asRoles(op operation) []share {
	out := make([]share, 0, len(viewerRoles))
	for _, r := range viewerRoles {
		o := op
		o.Auth, o.Role, o.Floor = signedIn, r, false
		out = append(out, share{o, 1})
	}
	return out
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
	// Seed distinguishes the workload's request stream from the others', whatever the
	// selection: its requests are drawn with -seed + Seed.
	Seed uint64
}

// needsViewers reports whether some request of w must be signed in.
func (w workload) needsViewers() bool {
	return slices.ContainsFunc(w.Mix, func(s share) bool { return s.Op.Auth == signedIn })
}

// needsFeedCursors reports whether some request of w reads a later page of a feed.
func (w workload) needsFeedCursors() bool {
	return slices.ContainsFunc(w.Mix, func(s share) bool { return s.Op.NeedsFeedCursor })
}

// floorServes reports whether the floor answers every operation of w.
func (w workload) floorServes() bool {
	return !slices.ContainsFunc(w.Mix, func(s share) bool { return !s.Op.Floor })
}

// writes reports whether some request of w changes the database.
func (w workload) writes() bool {
	return slices.ContainsFunc(w.Mix, func(s share) bool { return s.Op.Write })
}

// isFeed reports whether every operation of w reads the feed (W1 and W1b).
func (w workload) isFeed() bool {
	return !slices.ContainsFunc(w.Mix, func(s share) bool { return s.Op.Name != opFeed && s.Op.Name != opFeedNextPage })
}

// workloads returns the workload table in report order.
func workloads() []workload {
	feedOp := operation{Name: opFeed, Query: feedQuery, Auth: signedIn}
	feedNext := operation{
		Name: opFeedNextPage, Query: feedNextPageQuery, Auth: signedIn, NeedsFeedCursor: true,
		Vars: func(_ *rand.Rand, _ *sample, v *viewer) map[string]any {
			return map[string]any{"after": v.FeedCursor}
		},
	}
	topicPage := operation{
		Name: opTopicPage, Query: topicPageQuery, Auth: anonymous, Floor: true,
		Vars: func(rng *rand.Rand, s *sample, _ *viewer) map[string]any {
			return map[string]any{"topic": relay.ID(relay.TypeTopic, s.TopicIDs[rng.IntN(len(s.TopicIDs))])}
		},
	}
	contentPage := operation{
		Name: opContentPage, Query: contentPageQuery, Auth: anonymous, Floor: true,
		Vars: func(rng *rand.Rand, s *sample, _ *viewer) map[string]any {
			return map[string]any{"slug": s.Slugs[rng.IntN(len(s.Slugs))]}
		},
	}
	viewerPage := operation{Name: opViewer, Query: viewerQuery, Auth: signedIn}
	contentList := operation{Name: opContentList, Query: contentListQuery, Auth: anonymous, Floor: true}
	search := operation{
		Name: opSearch, Query: searchQuery, Auth: anonymous,
		Vars: func(_ *rand.Rand, s *sample, _ *viewer) map[string]any { return map[string]any{"text": s.CommonWord} },
	}
	record := operation{
		Name: opRecordInteraction, Query: recordInteractionQuery, Auth: signedIn, Write: true,
		Vars: func(rng *rand.Rand, s *sample, _ *viewer) map[string]any {
			in := map[string]any{"contentId": relay.ID(relay.TypeContent, s.ContentIDs[rng.IntN(len(s.ContentIDs))])}
			n := rng.IntN(100)
			for _, k := range interactionKinds {
				if n < k.Weight {
					in["kind"] = k.Kind
					break
				}
				n -= k.Weight
			}
			if in["kind"] == "VIEW" {
				in["dwellMs"] = minDwellMs + rng.IntN(maxDwellMs-minDwellMs+1)
			}
			return map[string]any{"input": in}
		},
	}
	return []workload{
		{Name: "W1", Title: "feed, first page (fresh ranking), signed in", Mix: []share{{feedOp, 1}}, Seed: 1},
		{Name: "W1b", Title: "feed, second page (from the first page's snapshot), signed in", Mix: []share{{feedNext, 1}}, Seed: 6},
		{Name: "W2", Title: "topic page: 50 contents, authors' 3 newest, topics", Mix: []share{{topicPage, 1}}, Seed: 2},
		{Name: "W2s", Title: "W2 signed in: readers, members, authors and editors in equal shares", Mix: asRoles(topicPage), Seed: 7},
		{Name: "W3", Title: "content page by slug, with 5 related items", Mix: []share{{contentPage, 1}}, Seed: 3},
		{Name: "W3s", Title: "W3 signed in: readers, members, authors and editors in equal shares", Mix: asRoles(contentPage), Seed: 8},
		{Name: "W4", Title: "viewer: preferences and 10 latest bookmarks, signed in", Mix: []share{{viewerPage, 1}}, Seed: 4},
		{Name: "W5", Title: "mix: 90% reads (W1/W2/W3/W4 45/12/25/8), 10% recordInteraction", Seed: 5,
			Mix: []share{{feedOp, 45}, {topicPage, 12}, {contentPage, 25}, {viewerPage, 8}, {record, 10}}},
		{Name: "W6", Title: "plain list: the 20 newest contents, with author and topics", Mix: []share{{contentList, 1}}, Seed: 9},
		{Name: "W6s", Title: "W6 signed in: readers, members, authors and editors in equal shares", Mix: asRoles(contentList), Seed: 10},
		{Name: "W7", Title: "search: the first 10 results for the corpus's most common word, with author and topics", Mix: []share{{search, 1}}, Seed: 11},
		{Name: "W7s", Title: "W7 signed in: readers, members, authors and editors in equal shares", Mix: asRoles(search), Seed: 12},
	}
}

// request is one prebuilt HTTP request of a workload.
type request struct {
	// Op is the operation's name; Key is its key (operation.key), which mixed workloads are
	// broken down by.
	Op    string
	Key   string
	Body  []byte
	Token string
	// Depth is the query depth of the request's operation.
	Depth int
	// Write says the operation changes the database: its statements are counted but not held
	// to its depth.
	Write bool
}

// graphQLBody is what a request sends.
type graphQLBody struct {
	OperationName string         `json:"operationName"`
	Query         string         `json:"query"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// viewerSet holds the signed-in viewers.
type viewerSet struct {
	// Feed are the viewers of W1, W1b, W4 and W5 (operations without a Role): readers, members
	// and authors with preferences, or the tokens of -tokens.
	Feed []viewer
	// ByRole are the viewers of the signed-in read variants, by role (see signInRoleViewers).
	ByRole map[string][]viewer
}

// buildRequests prebuilds n requests of w in the proportions of its mix, shuffled with seed.
// Signed-in requests are sent as one of the viewers, drawn at random: of the operation's role,
// or of the feed viewers (among those with a feed cursor, for operations that need one).
func buildRequests(w workload, s *sample, vs viewerSet, n int, seed uint64) ([]request, error) {
	rng := rand.New(rand.NewPCG(seed, 0xbe7c4))
	counts := apportion(w.Mix, n)
	out := make([]request, 0, n)
	for i, sh := range w.Mix {
		depth, err := queryDepth(sh.Op.Query)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", w.Name, err)
		}
		pool := vs.Feed
		if sh.Op.Role != "" {
			pool = vs.ByRole[sh.Op.Role]
		}
		if sh.Op.NeedsFeedCursor {
			pool = slices.DeleteFunc(slices.Clone(pool), func(v viewer) bool { return v.FeedCursor == "" })
		}
		if sh.Op.Auth == signedIn && len(pool) == 0 {
			switch {
			case sh.Op.NeedsFeedCursor && len(vs.Feed) > 0:
				return nil, fmt.Errorf("%s: operation %s needs viewers whose feed has a second page, and none has", w.Name, sh.Op.Name)
			case sh.Op.Role != "":
				return nil, fmt.Errorf("%s: operation %s needs signed-in viewers with role %s, and there are none", w.Name, sh.Op.Name, sh.Op.Role)
			}
			return nil, fmt.Errorf("%s: operation %s needs signed-in viewers and no tokens were given", w.Name, sh.Op.Name)
		}
		for range counts[i] {
			var v *viewer
			if sh.Op.Auth == signedIn {
				v = &pool[rng.IntN(len(pool))]
			}
			b := graphQLBody{OperationName: sh.Op.Name, Query: sh.Op.Query}
			if sh.Op.Vars != nil {
				b.Variables = sh.Op.Vars(rng, s, v)
			}
			body, err := json.Marshal(b)
			if err != nil {
				return nil, fmt.Errorf("%s: encode request: %w", w.Name, err)
			}
			r := request{Op: sh.Op.Name, Key: sh.Op.key(), Body: body, Depth: depth, Write: sh.Op.Write}
			if v != nil {
				r.Token = v.Token
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

// viewerCount is how many signed-in viewers the harness samples and mints tokens for.
const viewerCount = 200

// viewerTokenTTL is how long the minted tokens live: longer than any run.
const viewerTokenTTL = 12 * time.Hour

// newSigningKey returns a random token signing key and the TAILOR_TOKEN_SIGNING_KEY value
// that names it ("<key id>:<base64 secret>").
func newSigningKey(now time.Time) (auth.Key, string, error) {
	k, err := auth.NewKey("bench-" + now.UTC().Format("20060102T150405Z"))
	if err != nil {
		return auth.Key{}, "", err
	}
	return k, k.ID + ":" + base64.StdEncoding.EncodeToString(k.Secret), nil
}

// viewerCandidates selects the users the signed-in viewers are drawn from: readers, members
// and authors (not editors or admins, who see every draft) who have preferences and topic
// weights, in ID order.
const viewerCandidates = `SELECT u.id FROM users u
	WHERE u.role IN ('reader', 'member', 'author')
		AND EXISTS (SELECT 1 FROM preferences p WHERE p.user_id = u.id)
		AND EXISTS (SELECT 1 FROM topic_preferences tp WHERE tp.user_id = u.id)
	ORDER BY u.id`

// signInViewers draws n distinct users of the bench dataset with rng and mints each an access
// token signed with key, as the gateway's own log-in would (auth.Tokens.Issue): the gateway,
// started with the same key, accepts them.
func signInViewers(ctx context.Context, db *sqlx.DB, key auth.Key, n int, rng *rand.Rand) ([]viewer, error) {
	var ids []int64
	if err := db.SelectContext(ctx, &ids, viewerCandidates); err != nil {
		return nil, fmt.Errorf("sample viewers: %w", err)
	}
	if len(ids) == 0 {
		return nil, errors.New("sample viewers: the bench database holds no user with preferences")
	}
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	ids = ids[:min(n, len(ids))]
	slices.Sort(ids)
	tokens := auth.NewTokens(key, nil, viewerTokenTTL, time.Now)
	out := make([]viewer, len(ids))
	for i, id := range ids {
		tok, _, err := tokens.Issue(id)
		if err != nil {
			return nil, fmt.Errorf("mint a token for user %d: %w", id, err)
		}
		out[i] = viewer{UserID: id, Token: tok}
	}
	return out, nil
}

// roleCandidates lists the users of a role in ID order, and whether each is the seed's demo
// account (handles admin, editor, author, member and reader, email at seed.DemoEmailDomain).
const roleCandidates = `SELECT id, email LIKE $2 AS demo FROM users WHERE role = $1 ORDER BY id`

// roleUser is a row of roleCandidates.
type roleUser struct {
	ID   int64 `db:"id"`
	Demo bool  `db:"demo"`
}

// signInRoleViewers draws, for each role of viewerRoles, up to n distinct users with rng (the
// role's demo account first, when it exists, then generated users) and mints each an access
// token signed with key. Unlike the feed viewers, they need no preferences: the signed-in read
// variants measure what the role changes (members' bodies, authors' own drafts, editors who
// see every status), not personalization.
func signInRoleViewers(ctx context.Context, db *sqlx.DB, key auth.Key, n int, rng *rand.Rand) (map[string][]viewer, error) {
	tokens := auth.NewTokens(key, nil, viewerTokenTTL, time.Now)
	out := make(map[string][]viewer, len(viewerRoles))
	for _, role := range viewerRoles {
		var users []roleUser
		if err := db.SelectContext(ctx, &users, roleCandidates, role, "%@"+seed.DemoEmailDomain); err != nil {
			return nil, fmt.Errorf("sample %s viewers: %w", role, err)
		}
		if len(users) == 0 {
			return nil, fmt.Errorf("sample %s viewers: the bench database holds no user with role %s", role, role)
		}
		// The demo account first, then the others shuffled.
		rest := users
		if i := slices.IndexFunc(users, func(u roleUser) bool { return u.Demo }); i >= 0 {
			users[0], users[i] = users[i], users[0]
			rest = users[1:]
		}
		rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
		users = users[:min(n, len(users))]
		vs := make([]viewer, len(users))
		for i, u := range users {
			tok, _, err := tokens.Issue(u.ID)
			if err != nil {
				return nil, fmt.Errorf("mint a token for user %d: %w", u.ID, err)
			}
			vs[i] = viewer{UserID: u.ID, Role: role, Token: tok}
		}
		out[role] = vs
	}
	return out, nil
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
		name = strings.TrimSpace(name)
		i := slices.IndexFunc(all, func(w workload) bool { return strings.EqualFold(w.Name, name) })
		if i < 0 {
			names := make([]string, len(all))
			for j, w := range all {
				names[j] = w.Name
			}
			return nil, fmt.Errorf("-workloads: unknown workload %q (have %s)", name, strings.Join(names, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}
