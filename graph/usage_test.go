package graph

import (
	"slices"
	"testing"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

func TestDeprecatedFields(t *testing.T) {
	schema := gqlparser.MustLoadSchema(&ast.Source{Name: "test.graphqls", Input: `
		type Query { item: Item, old: String @deprecated(reason: "Use item; removed on 2027-01-01") }
		type Item { name: String, legacyName: String @deprecated(reason: "Use name; removed on 2027-01-01"), next: Item }`})
	for _, c := range []struct {
		name  string
		query string
		want  []string
	}{
		{"none", `{ item { name } }`, nil},
		{"at the root", `{ old }`, []string{"Query.old"}},
		{"nested", `{ item { next { legacyName } } }`, []string{"Item.legacyName"}},
		{"in a fragment, twice", `{ item { ...F next { ...F } } } fragment F on Item { legacyName }`, []string{"Item.legacyName"}},
		{"in an inline fragment", `{ item { ... on Item { legacyName } } old }`, []string{"Item.legacyName", "Query.old"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			doc, errs := gqlparser.LoadQuery(schema, c.query)
			if len(errs) > 0 {
				t.Fatal(errs)
			}
			seen := map[string]bool{}
			deprecatedFields(doc.Operations[0].SelectionSet, seen)
			var got []string
			for f := range seen {
				got = append(got, f)
			}
			slices.Sort(got)
			if !slices.Equal(got, c.want) {
				t.Errorf("deprecated fields = %v, want %v", got, c.want)
			}
		})
	}
}
