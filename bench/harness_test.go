package main

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph"
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
	s := &sample{TopicIDs: []int64{1, 2, 3}, Slugs: []string{"a-1", "b-2"}}
	all := workloads()
	w5, err := selectWorkloads(all, "w5")
	if err != nil {
		t.Fatal(err)
	}
	a, err := buildRequests(w5[0], s, nil, 100, 7)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := buildRequests(w5[0], s, nil, 100, 7)
	counts := map[string]int{}
	for i := range a {
		counts[a[i].Op]++
		if string(a[i].Body) != string(b[i].Body) {
			t.Fatal("the same seed built different requests")
		}
	}
	if counts[opContents] != 70 || counts[opTopicPage] != 15 || counts[opContentPage] != 15 {
		t.Errorf("W5 mix = %v, want 70/15/15", counts)
	}
	w4, _ := selectWorkloads(all, "W4")
	if _, err := buildRequests(w4[0], s, nil, 10, 1); err == nil {
		t.Error("W4 without tokens: no error")
	}
	r, err := buildRequests(w4[0], s, []string{"t1"}, 3, 1)
	if err != nil || r[0].Token != "t1" {
		t.Errorf("W4 with a token: %v, %+v", err, r)
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
