package graph

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// fragmentBomb nests n fragments, each spreading the previous one twice under two aliases: a
// few hundred bytes that expand to 2^n fields.
func fragmentBomb(n int) string {
	var b strings.Builder
	b.WriteString("query Bomb { contents(first: 1) { edges { node { ...F" + fmt.Sprint(n) + " } } } }\n")
	b.WriteString("fragment F0 on Content { id }\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Content { a: related(first: 1) { ...F%d } b: related(first: 1) { ...F%d } }\n", i, i-1, i-1)
	}
	return b.String()
}

// repeated returns a query with n copies of sel at its root.
func repeated(sel string, n int) string {
	return "{ " + strings.Repeat(sel+" ", n) + "}"
}

func TestCheckDocument(t *testing.T) {
	l := DefaultOperationLimits()
	aliased := func(n int) string {
		var b strings.Builder
		b.WriteString("{ viewer { ")
		for i := range n {
			fmt.Fprintf(&b, "a%d: id ", i)
		}
		return b.String() + "} }"
	}
	deep := func(n int) string {
		return "{ " + strings.Repeat("viewer { contents { edges { node { author { ", n) + "id" + strings.Repeat(" } } } } }", n) + " }"
	}
	tests := []struct {
		name       string
		query      string
		limit      string // the limit that refuses the document; "" when it passes
		value      int
		signInOnly bool
	}{
		{"a plain query", `{ contents(first: 5) { edges { node { id title } } } }`, "", 0, false},
		{"a fragment bomb", fragmentBomb(22), "fields", 3<<22 + 1, false},
		{"a deep fragment bomb saturates", fragmentBomb(60), "fields", 1 << 40, false},
		{"6000 fields under one response name", repeated("viewer { id }", 6000), "tokens", 0, false},
		{"60 fields under one response name", "{ viewer " + repeated("id", 60) + " }", "sameName", 60, false},
		{"60 names through fragments", "{ viewer { ...A ...A ...A } }\nfragment A on User { " + strings.Repeat("id ", 20) + "}", "sameName", 60, false},
		{"60 root fields under one response name", repeated("viewer { id }", 60), "rootFields", 60, false},
		{"10000 __typename", repeated("__typename", 10000), "tokens", 0, false},
		{"31 aliases", aliased(31), "aliases", 31, false},
		{"30 aliases", aliased(30), "", 0, false},
		{"21 root fields", "{ topics { totalCount } " + strings.Repeat("viewer { id } ", 20) + "}", "rootFields", 21, false},
		{"depth 16", deep(3), "depth", 16, false},
		{"two introspections", `{ a: __schema { queryType { name } } b: __schema { queryType { name } } }`, "introspection", 2, false},
		{"a NUL in a literal", `{ content(slug: "a\u0000b") { id } }`, "", 0, false},
		{"logIn with another field", `mutation { logIn(input: {login: "a", password: "b"}) { accessToken } changeRole(input: {userId: "x", role: ADMIN}) { user { id } } }`, "", 0, true},
		{"two logIns", `mutation { a: logIn(input: {login: "a", password: "b"}) { accessToken } b: logIn(input: {login: "a", password: "c"}) { accessToken } }`, "", 0, true},
		{"one logIn", `mutation { logIn(input: {login: "a", password: "b"}) { accessToken } }`, "", 0, false},
		{"signUp beside a query field through a fragment", `mutation { ...M }
fragment M on Mutation { signUp(input: {email: "a", handle: "b", displayName: "c", password: "d"}) { accessToken } logOut(input: {}) { revoked } }`, "", 0, true},
		{"a syntax error is left to the executor", `{ contents {`, "", 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := checkDocument(tc.query, l)
			switch {
			case tc.name == "a NUL in a literal":
				if c.refusal == nil || c.refusal.Extensions["code"] != "BAD_USER_INPUT" {
					t.Fatalf("refusal = %v, want BAD_USER_INPUT", c.refusal)
				}
			case tc.limit == "":
				if c.refusal != nil {
					t.Fatalf("refused: %v", c.refusal)
				}
			default:
				if c.refusal == nil {
					t.Fatalf("not refused, want the %s limit", tc.limit)
				}
				ext := c.refusal.Extensions
				if ext["code"] != "QUERY_TOO_COMPLEX" || ext["limit"] != tc.limit {
					t.Fatalf("refusal %q %v, want QUERY_TOO_COMPLEX by %s", c.refusal.Message, ext, tc.limit)
				}
				if tc.value != 0 && ext["value"] != tc.value {
					t.Errorf("value = %v, want %d", ext["value"], tc.value)
				}
			}
			if got := c.signInMixed[""]; got != tc.signInOnly {
				t.Errorf("signIn mixed = %v, want %v", got, tc.signInOnly)
			}
		})
	}
}

// TestMeasuringIsLinear checks that measuring reads each fragment once, whatever it expands
// to: the work grows with the document, not with the expansion.
func TestMeasuringIsLinear(t *testing.T) {
	for _, n := range []int{10, 20, 40} {
		doc, err := parser.ParseQuery(&ast.Source{Input: fragmentBomb(n)})
		if err != nil {
			t.Fatal(err)
		}
		m := newMeasurer(doc)
		s := m.document()
		if s.fields < 1<<n {
			t.Errorf("n=%d: %d fields, want at least %d", n, s.fields, 1<<n)
		}
		// Each fragment's selections are visited once, plus the operation's.
		if want := 4*n + 8; m.visited > want {
			t.Errorf("n=%d: visited %d selections, want at most %d", n, m.visited, want)
		}
	}
}

// TestDefaultLimitsLetIntrospectionThrough checks GraphiQL's introspection query, the
// deepest document a client sends as a matter of course.
func TestDefaultLimitsLetIntrospectionThrough(t *testing.T) {
	query, err := os.ReadFile("testdata/introspection.graphql")
	if err != nil {
		t.Fatal(err)
	}
	if c := checkDocument(string(query), DefaultOperationLimits()); c.refusal != nil {
		t.Fatalf("introspection refused: %v", c.refusal)
	}
}

func TestControlCharactersInVariables(t *testing.T) {
	tests := []struct {
		name  string
		vars  map[string]any
		field string
	}{
		{"clean", map[string]any{"in": map[string]any{"login": "ada", "body": "line\nbreak\ttab\r"}}, ""},
		{"NUL in a nested string", map[string]any{"in": map[string]any{"login": "ad\x00a"}}, "variables.in.login"},
		{"escape in a list", map[string]any{"slugs": []any{"ok", "b\x1bad"}}, "variables.slugs[1]"},
		{"DEL", map[string]any{"q": "a\x7f"}, "variables.q"},
		{"C1 control", map[string]any{"q": "a\u0085"}, "variables.q"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := controlCharacters("variables", tc.vars)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if err == nil || err.Extensions["field"] != tc.field || err.Extensions["code"] != "BAD_USER_INPUT" {
				t.Fatalf("err = %v, want BAD_USER_INPUT on %s", err, tc.field)
			}
		})
	}
}
