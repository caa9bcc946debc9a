package main

import (
	"encoding/json"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/seed"
)

func TestQueryDepth(t *testing.T) {
	for _, c := range []struct {
		query string
		want  int
	}{
		{`{ a }`, 1},
		{`{ a { b { c } } d }`, 3},
		{`query { a { ... on T { b { c } } } }`, 3},
		{`{ a { ...F } } fragment F on T { b { c { d } } }`, 4},
		{contentPageQuery, 3},
		{topicPageQuery, 8},
		{feedQuery, 5},
		{feedNextPageQuery, 5},
		{viewerQuery, 5},
		{recordInteractionQuery, 4},
		{contentListQuery, 5},
		{searchQuery, 5},
	} {
		got, err := queryDepth(c.query)
		if err != nil {
			t.Fatalf("%s: %v", c.query, err)
		}
		if got != c.want {
			t.Errorf("depth of %s = %d, want %d", c.query, got, c.want)
		}
	}
	for _, bad := range []string{`{ a `, `{ ...F } fragment F on T { ...F }`, `{ ...Missing }`} {
		if _, err := queryDepth(bad); err == nil {
			t.Errorf("depth of %q: no error", bad)
		}
	}
}

// TestWorkloadQueriesValidate checks every workload's query against the gateway's schema, so a
// schema change that breaks the benchmark fails `go test`, not the next benchmark run.
func TestWorkloadQueriesValidate(t *testing.T) {
	schema, err := gqlparser.LoadSchema(&ast.Source{Name: "schema.graphqls", Input: graph.SDL()})
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range workloads() {
		for _, s := range w.Mix {
			if _, errs := gqlparser.LoadQuery(schema, s.Op.Query); len(errs) > 0 {
				t.Errorf("%s %s: %v", w.Name, s.Op.Name, errs)
			}
			if _, err := queryDepth(s.Op.Query); err != nil {
				t.Errorf("%s %s: %v", w.Name, s.Op.Name, err)
			}
		}
	}
	for name, q := range map[string]string{opFeedCursor: feedCursorQuery, opFeedProbe: feedProbeQuery} {
		if _, errs := gqlparser.LoadQuery(schema, q); len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
		}
	}
}

// TestWorkloadSeedsAreDistinct keeps each workload's request stream its own.
func TestWorkloadSeedsAreDistinct(t *testing.T) {
	seen := map[uint64]string{}
	for _, w := range workloads() {
		if other, ok := seen[w.Seed]; ok {
			t.Errorf("%s and %s share seed %d", w.Name, other, w.Seed)
		}
		seen[w.Seed] = w.Name
	}
}

// TestMintedTokensVerify checks that the tokens the harness mints verify with the key it hands
// the gateway, read back the way the gateway reads TAILOR_TOKEN_SIGNING_KEY.
func TestMintedTokensVerify(t *testing.T) {
	now := time.Now()
	k, env, err := signingKey(nil, now)
	if err != nil {
		t.Fatal(err)
	}
	value, ok := strings.CutPrefix(env, "TAILOR_TOKEN_SIGNING_KEY=")
	if !ok {
		t.Fatalf("env = %q", env)
	}
	parsed, err := auth.ParseKey(value)
	if err != nil {
		t.Fatal(err)
	}
	tok, _, err := auth.NewTokens(k, nil, viewerTokenTTL, time.Now).Issue(42)
	if err != nil {
		t.Fatal(err)
	}
	c, err := auth.NewTokens(parsed, nil, time.Hour, time.Now).Verify(tok)
	if err != nil || c.UserID != 42 {
		t.Fatalf("verify: %+v, %v", c, err)
	}
	// A key given with -server-env wins.
	k2, env2, err := signingKey([]string{"GOGC=200", env}, now.Add(time.Hour))
	if err != nil || env2 != env || k2.ID != k.ID {
		t.Errorf("signingKey with -server-env: %q, %q, %v", k2.ID, env2, err)
	}
	if _, _, err := signingKey([]string{"TAILOR_TOKEN_SIGNING_KEY=nope"}, now); err == nil {
		t.Error("a bad -server-env key: no error")
	}
}

func TestStatementsHeaderMatchesTheGateway(t *testing.T) {
	if statementsHeader != graph.StatementsHeader {
		t.Fatalf("statementsHeader = %q, the gateway sends %q", statementsHeader, graph.StatementsHeader)
	}
}

func TestApportion(t *testing.T) {
	mix := []share{{Weight: 70}, {Weight: 15}, {Weight: 15}}
	if got := apportion(mix, 1000); !slices.Equal(got, []int{700, 150, 150}) {
		t.Errorf("apportion 70/15/15 of 1000 = %v", got)
	}
	if got := apportion(mix, 7); got[0]+got[1]+got[2] != 7 {
		t.Errorf("apportion of 7 = %v, does not sum to 7", got)
	}
}

func TestBuildRequests(t *testing.T) {
	s := &sample{TopicIDs: []int64{1, 2, 3}, Slugs: []string{"a-1", "b-2"}, ContentIDs: []int64{10, 11}}
	viewers := viewerSet{Feed: []viewer{{UserID: 1, Token: "t1"}, {UserID: 2, Token: "t2", FeedCursor: "c2"}}}
	all := workloads()
	w5, err := selectWorkloads(all, "w5")
	if err != nil {
		t.Fatal(err)
	}
	a, err := buildRequests(w5[0], s, viewers, 1000, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := buildRequests(w5[0], s, viewers, 1000, 7)
	counts := map[string]int{}
	kinds := map[string]int{}
	for i := range a {
		counts[a[i].Op]++
		if string(a[i].Body) != string(b[i].Body) || a[i].Token != b[i].Token {
			t.Fatal("the same seed built different requests")
		}
		signed := a[i].Op == opFeed || a[i].Op == opViewer || a[i].Op == opRecordInteraction
		if signed != (a[i].Token != "") {
			t.Errorf("%s request with token %q", a[i].Op, a[i].Token)
		}
		if a[i].Op == opRecordInteraction {
			var body struct {
				Variables struct {
					Input struct {
						ContentID string `json:"contentId"`
						Kind      string `json:"kind"`
						DwellMs   *int   `json:"dwellMs"`
					} `json:"input"`
				} `json:"variables"`
			}
			if err := json.Unmarshal(a[i].Body, &body); err != nil {
				t.Fatal(err)
			}
			in := body.Variables.Input
			kinds[in.Kind]++
			if (in.Kind == "VIEW") != (in.DwellMs != nil) || (in.DwellMs != nil && (*in.DwellMs < minDwellMs || *in.DwellMs > maxDwellMs)) {
				t.Errorf("write %s with dwellMs %v", in.Kind, in.DwellMs)
			}
			if in.ContentID == "" {
				t.Error("write without contentId")
			}
		}
	}
	want := map[string]int{opFeed: 450, opTopicPage: 120, opContentPage: 250, opViewer: 80, opRecordInteraction: 100}
	for op, n := range want {
		if counts[op] != n {
			t.Errorf("W5 mix = %v, want %v", counts, want)
			break
		}
	}
	if kinds["VIEW"] < kinds["LIKE"] || kinds["LIKE"] < kinds["UNLIKE"] || len(kinds) != len(interactionKinds) {
		t.Errorf("write kinds = %v", kinds)
	}
	total := 0
	for _, k := range interactionKinds {
		total += k.Weight
	}
	if total != 100 {
		t.Errorf("interaction kinds' weights sum to %d, want 100", total)
	}

	w4, _ := selectWorkloads(all, "W4")
	if _, err := buildRequests(w4[0], s, viewerSet{}, 10, 1); err == nil {
		t.Error("W4 without viewers: no error")
	}
	r, err := buildRequests(w4[0], s, viewerSet{Feed: viewers.Feed[:1]}, 3, 1)
	if err != nil || r[0].Token != "t1" {
		t.Errorf("W4 with a viewer: %v, %+v", err, r)
	}
	w1b, _ := selectWorkloads(all, "w1b")
	r, err = buildRequests(w1b[0], s, viewers, 20, 1)
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range r {
		if x.Token != "t2" || !strings.Contains(string(x.Body), `"after":"c2"`) {
			t.Fatalf("W1b request %s with token %q: want the viewer with a cursor", x.Body, x.Token)
		}
	}
	if _, err := buildRequests(w1b[0], s, viewerSet{Feed: viewers.Feed[:1]}, 3, 1); err == nil {
		t.Error("W1b without feed cursors: no error")
	}
	if _, err := selectWorkloads(all, "W9"); err == nil {
		t.Error("unknown workload: no error")
	}
}

func TestPercentile(t *testing.T) {
	lat := make([]int64, 100)
	for i := range lat {
		lat[i] = int64(i+1) * 1e6
	}
	rand.Shuffle(len(lat), func(i, j int) { lat[i], lat[j] = lat[j], lat[i] })
	slices.Sort(lat)
	if p := percentile(lat, 0.5); p != 50 {
		t.Errorf("p50 = %v, want 50", p)
	}
	if p := percentile(lat, 0.99); p != 99 {
		t.Errorf("p99 = %v, want 99", p)
	}
	if p := percentile(lat[:1], 0.99); p != 1 {
		t.Errorf("p99 of one = %v, want 1", p)
	}
}

func TestNormalizeJSON(t *testing.T) {
	a, err := normalizeJSON([]byte(`{"b": 1, "a": {"y": [1, 2], "x": null}}`))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := normalizeJSON([]byte(`{"a":{"x":null,"y":[1,2]},"b":1}`))
	if string(a) != string(b) {
		t.Errorf("%s != %s", a, b)
	}
}

func TestCPUSince(t *testing.T) {
	const postmaster, stays, exits, starts = 1, 2, 3, 4
	before := map[int]time.Duration{postmaster: 10 * time.Second, stays: 5 * time.Second, exits: 7 * time.Second}
	// During the step: stays uses 1s; exits uses 2s more and exits, so the postmaster's
	// children's time grows by its whole life (9s); starts is new and has used 3s.
	after := map[int]time.Duration{postmaster: 19 * time.Second, stays: 6 * time.Second, starts: 3 * time.Second}
	if got, want := cpuSince(before, after), 6*time.Second; got != want {
		t.Errorf("cpuSince = %v, want %v", got, want)
	}
}

// TestSignedInVariants checks that W2s, W3s and W6s send their anonymous workload's request,
// signed in, as the four roles in equal shares, and that the floor serves only the anonymous
// ones.
func TestSignedInVariants(t *testing.T) {
	s := &sample{TopicIDs: []int64{1, 2, 3}, Slugs: []string{"a-1", "b-2"}, ContentIDs: []int64{10, 11}}
	vs := viewerSet{Feed: []viewer{{UserID: 1, Token: "feed"}}, ByRole: map[string][]viewer{}}
	for i, r := range viewerRoles {
		vs.ByRole[r] = []viewer{{UserID: int64(10 + i), Role: r, Token: "tok-" + r}}
	}
	all := workloads()
	for _, pair := range [][2]string{{"W2", "W2s"}, {"W3", "W3s"}, {"W6", "W6s"}} {
		ws, err := selectWorkloads(all, pair[0]+","+pair[1])
		if err != nil {
			t.Fatal(err)
		}
		anon, signed := ws[0], ws[1]
		if !anon.floorServes() || signed.floorServes() || anon.needsViewers() || !signed.needsViewers() {
			t.Errorf("%s floor %v viewers %v, %s floor %v viewers %v", anon.Name, anon.floorServes(), anon.needsViewers(),
				signed.Name, signed.floorServes(), signed.needsViewers())
		}
		reqs, err := buildRequests(signed, s, vs, 1024, 3)
		if err != nil {
			t.Fatal(err)
		}
		perRole := map[string]int{}
		for _, r := range reqs {
			role, ok := strings.CutPrefix(r.Key, anon.Mix[0].Op.Name+" as ")
			if !ok || r.Op != anon.Mix[0].Op.Name {
				t.Fatalf("%s request op %q key %q", signed.Name, r.Op, r.Key)
			}
			if r.Token != "tok-"+role {
				t.Fatalf("%s request as %s sent with token %q", signed.Name, role, r.Token)
			}
			var body graphQLBody
			if err := json.Unmarshal(r.Body, &body); err != nil {
				t.Fatal(err)
			}
			if body.Query != anon.Mix[0].Op.Query || body.OperationName != anon.Mix[0].Op.Name {
				t.Fatalf("%s sends another operation than %s: %s", signed.Name, anon.Name, r.Body)
			}
			perRole[role]++
		}
		for _, r := range viewerRoles {
			if perRole[r] != 1024/len(viewerRoles) {
				t.Errorf("%s requests by role = %v, want equal shares", signed.Name, perRole)
				break
			}
		}
		anonReqs, err := buildRequests(anon, s, viewerSet{}, 8, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range anonReqs {
			if r.Token != "" || r.Key != r.Op {
				t.Errorf("%s request with token %q and key %q", anon.Name, r.Token, r.Key)
			}
		}
	}
	w2s, _ := selectWorkloads(all, "W2s")
	if _, err := buildRequests(w2s[0], s, viewerSet{Feed: vs.Feed}, 8, 1); err == nil || !strings.Contains(err.Error(), "role") {
		t.Errorf("W2s without role viewers: %v", err)
	}
}

func TestScales(t *testing.T) {
	for _, name := range scaleNames {
		sc, err := scaleByName(name)
		if err != nil || sc.Name != name {
			t.Fatalf("scale %s: %+v, %v", name, sc, err)
		}
		o := sc.seedOptions(func(string) (string, error) { return "", nil })
		if o.Contents > seed.MaxContents || o.Interactions > seed.MaxInteractions || o.Users > seed.MaxUsers || o.Topics > seed.MaxTopics {
			t.Errorf("scale %s is beyond what the seed writes: %+v", name, o)
		}
	}
	lg, _ := scaleByName("large")
	if lg.Users != 50_000 || lg.Topics != 50 || lg.Contents != 1_000_000 || lg.Interactions != 5_000_000 || lg.Seed != 1 || lg.Database != "tailor_bench_large" {
		t.Errorf("large scale = %+v", lg)
	}
	if _, err := scaleByName("huge"); err == nil {
		t.Error("unknown scale: no error")
	}
}
