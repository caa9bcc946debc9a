package schemadiff

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vektah/gqlparser/v2/ast"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// load builds a schema from sdl; a line "---" splits it into separate sources, the way a
// schema directory holds one file per area.
func load(t *testing.T, sdl string) *ast.Schema {
	t.Helper()
	var sources []*ast.Source
	for i, part := range strings.Split(sdl, "\n---\n") {
		sources = append(sources, &ast.Source{Name: "part" + string(rune('a'+i)) + ".graphqls", Input: part})
	}
	s, err := Load(sources...)
	if err != nil {
		t.Fatalf("load %q: %v", sdl, err)
	}
	return s
}

// want is the part of a Change the table pins; messages are pinned by the golden file.
type want struct {
	sev  Severity
	kind string
	path string
}

func TestSchemaDiff(t *testing.T) {
	const q = "type Query { ok: Boolean }\n"
	tests := []struct {
		name     string
		old, new string
		want     []want
	}{
		{"no change", q, q, nil},
		{"extensions across sources equal one definition",
			q + "type User { id: ID! name: String }",
			q + "type User { id: ID! }\n---\nextend type User { name: String }",
			nil},

		// Types.
		{"type removed", q + "type User { id: ID! }", q, []want{{Breaking, TypeRemoved, "User"}}},
		{"type added", q, q + "type User { id: ID! }", []want{{Safe, TypeAdded, "User"}}},
		{"type kind changed", q + "type Thing { id: ID! }", q + "interface Thing { id: ID! }",
			[]want{{Breaking, TypeKindChanged, "Thing"}}},
		{"type description changed", q + `"A person." type User { id: ID! }`, q + `"An account." type User { id: ID! }`,
			[]want{{Safe, DescriptionChanged, "User"}}},
		{"subscription root added", q, q + "type Subscription { tick: Int }\nschema { query: Query subscription: Subscription }",
			[]want{{Safe, TypeAdded, "Subscription"}, {Safe, RootTypeChanged, "schema.subscription"}}},

		// Output fields.
		{"field removed", q + "type User { id: ID! email: String }", q + "type User { id: ID! }",
			[]want{{Breaking, FieldRemoved, "User.email"}}},
		{"deprecated field removed is still breaking",
			q + `type User { id: ID! email: String @deprecated(reason: "Use contact. Removal 2025-01-01.") }`,
			q + "type User { id: ID! }",
			[]want{{Breaking, FieldRemoved, "User.email"}}},
		{"field added", q + "type User { id: ID! }", q + "type User { id: ID! email: String }",
			[]want{{Safe, FieldAdded, "User.email"}}},
		{"output field made non-null", q + "type User { email: String }", q + "type User { email: String! }",
			[]want{{Safe, FieldTypeChanged, "User.email"}}},
		{"output field made nullable", q + "type User { email: String! }", q + "type User { email: String }",
			[]want{{Breaking, FieldTypeChanged, "User.email"}}},
		{"output list items made non-null", q + "type User { tags: [String] }", q + "type User { tags: [String!]! }",
			[]want{{Safe, FieldTypeChanged, "User.tags"}}},
		{"output list items made nullable", q + "type User { tags: [String!]! }", q + "type User { tags: [String]! }",
			[]want{{Breaking, FieldTypeChanged, "User.tags"}}},
		{"output named type changed", q + "type User { age: Int }", q + "type User { age: Float }",
			[]want{{Breaking, FieldTypeChanged, "User.age"}}},
		{"output list-ness changed", q + "type User { tag: String }", q + "type User { tag: [String] }",
			[]want{{Breaking, FieldTypeChanged, "User.tag"}}},
		{"field description changed", q + `type User { "Primary." email: String }`, q + `type User { "Verified." email: String }`,
			[]want{{Safe, DescriptionChanged, "User.email"}}},

		// Arguments.
		{"argument removed", "type Query { search(text: String, first: Int): [String] }", "type Query { search(text: String): [String] }",
			[]want{{Breaking, ArgumentRemoved, "Query.search(first:)"}}},
		{"required argument added", "type Query { search: [String] }", "type Query { search(text: String!): [String] }",
			[]want{{Breaking, ArgumentAdded, "Query.search(text:)"}}},
		{"optional argument added", "type Query { search: [String] }", "type Query { search(first: Int): [String] }",
			[]want{{Safe, ArgumentAdded, "Query.search(first:)"}}},
		{"non-null argument with a default added", "type Query { search: [String] }", "type Query { search(first: Int! = 20): [String] }",
			[]want{{Safe, ArgumentAdded, "Query.search(first:)"}}},
		{"argument made non-null", "type Query { search(first: Int): [String] }", "type Query { search(first: Int!): [String] }",
			[]want{{Breaking, ArgumentTypeChanged, "Query.search(first:)"}}},
		{"argument made nullable", "type Query { search(first: Int!): [String] }", "type Query { search(first: Int): [String] }",
			[]want{{Safe, ArgumentTypeChanged, "Query.search(first:)"}}},
		{"argument list items made nullable", "type Query { byIds(ids: [ID!]!): [String] }", "type Query { byIds(ids: [ID]): [String] }",
			[]want{{Safe, ArgumentTypeChanged, "Query.byIds(ids:)"}}},
		{"argument named type changed", "type Query { search(first: Int): [String] }", "type Query { search(first: String): [String] }",
			[]want{{Breaking, ArgumentTypeChanged, "Query.search(first:)"}}},
		{"argument list-ness changed", "type Query { byIds(ids: ID): [String] }", "type Query { byIds(ids: [ID]): [String] }",
			[]want{{Breaking, ArgumentTypeChanged, "Query.byIds(ids:)"}}},
		{"argument default changed", "type Query { search(first: Int = 20): [String] }", "type Query { search(first: Int = 10): [String] }",
			[]want{{Dangerous, ArgumentDefaultChanged, "Query.search(first:)"}}},
		{"argument default added", "type Query { search(first: Int): [String] }", "type Query { search(first: Int = 10): [String] }",
			[]want{{Dangerous, ArgumentDefaultChanged, "Query.search(first:)"}}},
		{"default of a non-null argument removed", "type Query { search(first: Int! = 20): [String] }", "type Query { search(first: Int!): [String] }",
			[]want{{Breaking, ArgumentDefaultChanged, "Query.search(first:)"}}},

		// Input fields.
		{"input field removed", q + "input NewUser { name: String email: String }", q + "input NewUser { name: String }",
			[]want{{Breaking, InputFieldRemoved, "NewUser.email"}}},
		{"required input field added", q + "input NewUser { name: String }", q + "input NewUser { name: String email: String! }",
			[]want{{Breaking, InputFieldAdded, "NewUser.email"}}},
		{"optional input field added", q + "input NewUser { name: String }", q + "input NewUser { name: String email: String }",
			[]want{{Safe, InputFieldAdded, "NewUser.email"}}},
		{"non-null input field with a default added", q + "input NewUser { name: String }", q + `input NewUser { name: String lang: String! = "en" }`,
			[]want{{Safe, InputFieldAdded, "NewUser.lang"}}},
		{"input field made non-null", q + "input NewUser { name: String }", q + "input NewUser { name: String! }",
			[]want{{Breaking, InputFieldTypeChanged, "NewUser.name"}}},
		{"input field made nullable", q + "input NewUser { name: String! }", q + "input NewUser { name: String }",
			[]want{{Safe, InputFieldTypeChanged, "NewUser.name"}}},
		{"input field default changed", q + `input NewUser { lang: String = "en" }`, q + `input NewUser { lang: String = "de" }`,
			[]want{{Dangerous, InputFieldDefaultChanged, "NewUser.lang"}}},

		// Enums, unions, interfaces.
		{"enum value removed", q + "enum ContentKind { ARTICLE LINK }", q + "enum ContentKind { ARTICLE }",
			[]want{{Breaking, EnumValueRemoved, "ContentKind.LINK"}}},
		{"enum value added", q + "enum ContentKind { ARTICLE }", q + "enum ContentKind { ARTICLE LINK }",
			[]want{{Dangerous, EnumValueAdded, "ContentKind.LINK"}}},
		{"union member removed", q + "type A { a: Int } type B { b: Int } union R = A | B", q + "type A { a: Int } type B { b: Int } union R = A",
			[]want{{Breaking, UnionMemberRemoved, "R"}}},
		{"union member added", q + "type A { a: Int } type B { b: Int } union R = A", q + "type A { a: Int } type B { b: Int } union R = A | B",
			[]want{{Dangerous, UnionMemberAdded, "R"}}},
		{"interface implementation removed", q + "interface Node { id: ID! } type User implements Node { id: ID! }", q + "interface Node { id: ID! } type User { id: ID! }",
			[]want{{Breaking, InterfaceRemoved, "User"}}},
		{"interface implementation added", q + "interface Node { id: ID! } type User { id: ID! }", q + "interface Node { id: ID! } type User implements Node { id: ID! }",
			[]want{{Safe, InterfaceAdded, "User"}}},

		// Deprecations.
		{"field deprecated", q + "type User { email: String }", q + `type User { email: String @deprecated(reason: "Use contact; removal 2026-09-01.") }`,
			[]want{{Safe, DeprecationAdded, "User.email"}}},
		{"enum value deprecated", q + "enum ContentKind { ARTICLE LINK }", q + `enum ContentKind { ARTICLE LINK @deprecated(reason: "Removal 2026-09-01.") }`,
			[]want{{Safe, DeprecationAdded, "ContentKind.LINK"}}},
		{"deprecation removed", q + `type User { email: String @deprecated(reason: "Removal 2026-09-01.") }`, q + "type User { email: String }",
			[]want{{Safe, DeprecationRemoved, "User.email"}}},
		{"deprecation reason changed", q + `type User { email: String @deprecated(reason: "Removal 2026-09-01.") }`, q + `type User { email: String @deprecated(reason: "Removal 2026-12-01.") }`,
			[]want{{Safe, DeprecationReasonChanged, "User.email"}}},

		// Directive definitions.
		{"directive removed", q + "directive @auth on FIELD_DEFINITION", q,
			[]want{{Breaking, DirectiveRemoved, "@auth"}}},
		{"directive added", q, q + "directive @auth on FIELD_DEFINITION",
			[]want{{Safe, DirectiveAdded, "@auth"}}},
		{"directive location removed and added", q + "directive @auth on FIELD_DEFINITION | OBJECT", q + "directive @auth on FIELD_DEFINITION | INTERFACE",
			[]want{{Breaking, DirectiveLocationRemoved, "@auth"}, {Safe, DirectiveLocationAdded, "@auth"}}},
		{"required directive argument added", q + "directive @auth on FIELD_DEFINITION", q + "directive @auth(role: String!) on FIELD_DEFINITION",
			[]want{{Breaking, ArgumentAdded, "@auth(role:)"}}},

		{"changes sort by severity, then path",
			q + "type User { id: ID! email: String name: String! } enum Kind { A B }",
			q + "type User { id: ID! name: String bio: String } enum Kind { A C }",
			[]want{
				{Breaking, EnumValueRemoved, "Kind.B"},
				{Breaking, FieldRemoved, "User.email"},
				{Breaking, FieldTypeChanged, "User.name"},
				{Dangerous, EnumValueAdded, "Kind.C"},
				{Safe, FieldAdded, "User.bio"},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			changes := Diff(load(t, tc.old), load(t, tc.new))
			var got []want
			for _, c := range changes {
				got = append(got, want{c.Severity, c.Kind, c.Path})
			}
			if !equalWants(got, tc.want) {
				t.Errorf("Diff =\n%s\nwant\n%v", Markdown(changes), tc.want)
			}
		})
	}
}

func equalWants(a, b []want) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestSchemaMarkdown(t *testing.T) {
	if got := Markdown(nil); got != "No changes.\n" {
		t.Errorf("Markdown(nil) = %q, want %q", got, "No changes.\n")
	}
	old := load(t, `type Query { search(text: String!, first: Int = 20): [Content!]! }
type Content { id: ID! title: String! body: String kind: ContentKind }
enum ContentKind { ARTICLE LINK VIDEO }
input NewContent { title: String! body: String }`)
	new := load(t, `type Query { search(text: String, first: Int = 10, topic: ID!): [Content!]! }
"A piece of content."
type Content { id: ID! title: String body: String! kind: ContentKind @deprecated(reason: "Use format; removal 2026-12-01.") format: String }
enum ContentKind { ARTICLE LINK PODCAST }
input NewContent { title: String! body: String lang: String! }
directive @cost(value: Int!) on FIELD_DEFINITION`)
	got := Markdown(Diff(old, new))
	golden := filepath.Join("testdata", "mixed.md")
	if *update {
		if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	wantMD, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to write it)", err)
	}
	if got != string(wantMD) {
		t.Errorf("Markdown =\n%s\nwant (%s)\n%s", got, golden, wantMD)
	}
}

func TestSchemaCheck(t *testing.T) {
	today := time.Date(2026, 3, 1, 15, 0, 0, 0, time.UTC)
	const q = "type Query { ok: Boolean }\n"
	tests := []struct {
		name     string
		old, new string
		want     []string // paths of the violations
	}{
		{"safe changes pass", q + "type User { id: ID! }", q + "type User { id: ID! email: String }", nil},
		{"removal without deprecation is refused", q + "type User { id: ID! email: String }", q + "type User { id: ID! }",
			[]string{"User.email"}},
		{"removal after the removal date passes",
			q + `type User { id: ID! email: String @deprecated(reason: "Use contact. Removal 2026-02-01.") }`, q + "type User { id: ID! }", nil},
		{"removal on the removal date passes",
			q + `type User { id: ID! email: String @deprecated(reason: "Removal 2026-03-01.") }`, q + "type User { id: ID! }", nil},
		{"removal before the removal date is refused",
			q + `type User { id: ID! email: String @deprecated(reason: "Removal 2026-03-02.") }`, q + "type User { id: ID! }",
			[]string{"User.email"}},
		{"removal of a field deprecated without a date is refused",
			q + `type User { id: ID! email: String @deprecated }`, q + "type User { id: ID! }",
			[]string{"User.email"}},
		{"the latest date of a reason is the removal date",
			q + `type User { id: ID! email: String @deprecated(reason: "Deprecated 2026-01-01, removal 2026-06-01.") }`, q + "type User { id: ID! }",
			[]string{"User.email"}},
		{"enum value removal after its date passes",
			q + `enum Kind { A B @deprecated(reason: "Removal 2026-01-01.") }`, q + "enum Kind { A }", nil},
		{"argument removal after its date passes",
			`type Query { search(first: Int @deprecated(reason: "Removal 2026-01-01.")): Int }`, "type Query { search: Int }", nil},
		{"input field removal after its date passes",
			q + `input NewUser { name: String email: String @deprecated(reason: "Removal 2026-01-01.") }`, q + "input NewUser { name: String }", nil},
		{"other breaking changes are refused whatever the deprecation",
			q + `type User { email: String! @deprecated(reason: "Removal 2026-01-01.") }`, q + `type User { email: String @deprecated(reason: "Removal 2026-01-01.") }`,
			[]string{"User.email"}},
		{"type removal is refused", q + "type User { id: ID! }", q, []string{"User"}},
		{"deprecation without a date is refused", q + "type User { email: String }", q + `type User { email: String @deprecated(reason: "Use contact.") }`,
			[]string{"User.email"}},
		{"deprecation without a reason is refused", q + "enum Kind { A B }", q + "enum Kind { A B @deprecated }",
			[]string{"Kind.B"}},
		{"deprecation with a date passes", q + "type User { email: String }", q + `type User { email: String @deprecated(reason: "Use contact; removal 2026-09-01.") }`, nil},
		{"a number that is not a date is no date", q + "type User { email: String }", q + `type User { email: String @deprecated(reason: "See ticket 2026-13-45.") }`,
			[]string{"User.email"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			violations := Check(load(t, tc.old), load(t, tc.new), today)
			var got []string
			for _, v := range violations {
				got = append(got, v.Path)
			}
			if strings.Join(got, ",") != strings.Join(tc.want, ",") {
				t.Errorf("Check = %v, want paths %v", violations, tc.want)
			}
		})
	}
}

func TestSchemaRemovalDate(t *testing.T) {
	tests := []struct {
		reason string
		want   string // "" when there is no date
	}{
		{"Use contact.", ""},
		{"Removal 2026-09-01.", "2026-09-01"},
		{"2026-09-01", "2026-09-01"},
		{"Deprecated 2026-01-01; removal 2026-09-01", "2026-09-01"},
		{"Removal 2026-09-01, announced 2026-01-01", "2026-09-01"},
		{"Ticket 12026-09-011", ""},
		{"Removal 2026-02-30", ""},
	}
	for _, tc := range tests {
		t.Run(tc.reason, func(t *testing.T) {
			d, ok := removalDate(tc.reason)
			got := ""
			if ok {
				got = d.Format(time.DateOnly)
			}
			if got != tc.want {
				t.Errorf("removalDate(%q) = %q, want %q", tc.reason, got, tc.want)
			}
		})
	}
}
