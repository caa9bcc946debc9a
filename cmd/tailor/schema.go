package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/schemadiff"
)

const schemaDiffUsage = "usage: tailor schema diff [--today YYYY-MM-DD] OLD NEW (each a schema file or a directory of them)"

// schemaCommand prints the served schema, or, as `schema diff OLD NEW`, prints the changelog
// from OLD to NEW and fails when the schema policy refuses a change.
func schemaCommand(ctx context.Context, args []string, stdout io.Writer) error {
	if len(args) == 0 {
		_, err := io.WriteString(stdout, graph.SDL())
		return err
	}
	if args[0] == "diff" {
		return schemaDiff(ctx, args[1:], time.Now(), stdout)
	}
	return fmt.Errorf("unknown schema command %q: use `tailor schema` or `tailor schema diff OLD NEW`", args[0])
}

// schemaDiff writes the Markdown changelog from the first schema of args to the second and
// returns an error listing what schemadiff.Check refuses, judging removal dates as of now
// unless --today names another day.
func schemaDiff(_ context.Context, args []string, now time.Time, stdout io.Writer) error {
	fs := newFlags("schema diff", stdout)
	todayFlag := fs.String("today", "", "judge removal dates as of this day, YYYY-MM-DD (default: today)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 2 {
		return errors.New(schemaDiffUsage)
	}
	today := now
	if *todayFlag != "" {
		d, err := time.Parse(time.DateOnly, *todayFlag)
		if err != nil {
			return fmt.Errorf("schema diff: --today: %w", err)
		}
		today = d
	}
	old, err := loadSchema(fs.Arg(0))
	if err != nil {
		return err
	}
	new, err := loadSchema(fs.Arg(1))
	if err != nil {
		return err
	}
	if _, err := io.WriteString(stdout, schemadiff.Markdown(schemadiff.Diff(old, new))); err != nil {
		return err
	}
	violations := schemadiff.Check(old, new, today)
	if len(violations) == 0 {
		return nil
	}
	lines := make([]string, len(violations))
	for i, v := range violations {
		lines[i] = "  " + v.String()
	}
	return fmt.Errorf("schema diff: the schema policy refuses %d change(s):\n%s", len(violations), strings.Join(lines, "\n"))
}

// loadSchema reads the schema at path: one SDL file, or a directory read the way gqlgen.yml
// reads schema/ (its *.graphqls files), falling back to its *.graphql files when it has no
// *.graphqls. The fallback keeps schema/released.graphql out of a diff against schema/.
func loadSchema(path string) (*ast.Schema, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("schema diff: %w", err)
	}
	files := []string{path}
	if info.IsDir() {
		files, err = schemaFiles(path)
		if err != nil {
			return nil, err
		}
	}
	sources := make([]*ast.Source, 0, len(files))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("schema diff: %w", err)
		}
		sources = append(sources, &ast.Source{Name: f, Input: string(b)})
	}
	s, err := schemadiff.Load(sources...)
	if err != nil {
		return nil, fmt.Errorf("schema diff: %s: %w", path, err)
	}
	return s, nil
}

// schemaFiles lists dir's *.graphqls files, or its *.graphql files when it has none, in name
// order.
func schemaFiles(dir string) ([]string, error) {
	for _, pattern := range []string{"*.graphqls", "*.graphql"} {
		files, err := filepath.Glob(filepath.Join(dir, pattern))
		if err != nil {
			return nil, fmt.Errorf("schema diff: %w", err)
		}
		if len(files) > 0 {
			return files, nil
		}
	}
	return nil, fmt.Errorf("schema diff: no *.graphqls or *.graphql files in %s", dir)
}
