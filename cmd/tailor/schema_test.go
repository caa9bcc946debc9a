package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/graph"
)

func schemaTestEnv(string) string { return "" }

// TestSchemaPrintsTheServedSDL checks that `tailor schema` alone still prints the schema.
func TestSchemaPrintsTheServedSDL(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"schema"}, schemaTestEnv, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != graph.SDL() {
		t.Error("tailor schema does not print graph.SDL()")
	}
}

// TestSchemaDiffGate runs `tailor schema diff` on pairs of schema files and checks which the
// deprecation policy lets through.
func TestSchemaDiffGate(t *testing.T) {
	const user = `type Query { me: User }
type User {
  id: ID!
  name: String!
`
	tests := []struct {
		name     string
		flags    []string
		old, new string
		fails    bool
		output   string // a line the changelog must hold
	}{
		{"no change", nil, user + "}", user + "}", false, "No changes."},
		{"breaking removal", nil, user + "  email: String\n}", user + "}", true,
			"- `User.email`: field removed"},
		{"removal of a field deprecated with a past date", nil,
			user + `  email: String @deprecated(reason: "Use contact. Removal 2001-01-01.")` + "\n}", user + "}", false,
			"- `User.email`: field removed (was deprecated: Use contact. Removal 2001-01-01.)"},
		{"removal of a field deprecated with a future date", nil,
			user + `  email: String @deprecated(reason: "Use contact. Removal 2999-01-01.")` + "\n}", user + "}", true,
			"- `User.email`: field removed"},
		{"removal on the date given by --today", []string{"--today", "2026-06-01"},
			user + `  email: String @deprecated(reason: "Removal 2026-06-01.")` + "\n}", user + "}", false, ""},
		{"removal the day before the date given by --today", []string{"--today", "2026-05-31"},
			user + `  email: String @deprecated(reason: "Removal 2026-06-01.")` + "\n}", user + "}", true, ""},
		{"new deprecation without a date", nil,
			user + "  email: String\n}", user + `  email: String @deprecated(reason: "Use contact.")` + "\n}", true,
			"- `User.email`: deprecated: Use contact."},
		{"new deprecation with a date", nil,
			user + "  email: String\n}", user + `  email: String @deprecated(reason: "Use contact. Removal 2999-01-01.")` + "\n}", false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			oldPath, newPath := filepath.Join(dir, "old.graphql"), filepath.Join(dir, "new.graphql")
			writeSchemaFile(t, oldPath, tc.old)
			writeSchemaFile(t, newPath, tc.new)
			args := append(append([]string{"schema", "diff"}, tc.flags...), oldPath, newPath)
			var out bytes.Buffer
			err := run(context.Background(), args, schemaTestEnv, &out)
			if failed := err != nil; failed != tc.fails {
				t.Errorf("err = %v, want failure: %v\n%s", err, tc.fails, out.String())
			}
			if !strings.Contains(out.String(), tc.output) {
				t.Errorf("output lacks %q:\n%s", tc.output, out.String())
			}
		})
	}
}

// TestSchemaDiffReadsDirectories checks that a directory counts as one schema built from its
// *.graphqls files, extensions included, and that the release baseline beside them is left out.
func TestSchemaDiffReadsDirectories(t *testing.T) {
	dir := t.TempDir()
	writeSchemaFile(t, filepath.Join(dir, "base.graphqls"), "type Query { ok: Boolean }\ntype User { id: ID! }\n")
	writeSchemaFile(t, filepath.Join(dir, "user.graphqls"), "extend type User { name: String }\n")
	released := filepath.Join(dir, "released.graphql")
	writeSchemaFile(t, released, "type Query { ok: Boolean }\ntype User { id: ID! name: String }\n")
	var out bytes.Buffer
	if err := run(context.Background(), []string{"schema", "diff", released, dir}, schemaTestEnv, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if out.String() != "No changes.\n" {
		t.Errorf("output = %q, want no changes", out.String())
	}
}

// TestSchemaReleasedBaseline is CI's gate in test form: the committed release baseline diffed
// against schema/ must pass the policy.
func TestSchemaReleasedBaseline(t *testing.T) {
	var out bytes.Buffer
	args := []string{"schema", "diff", "../../schema/released.graphql", "../../schema"}
	if err := run(context.Background(), args, schemaTestEnv, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
}

func writeSchemaFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
