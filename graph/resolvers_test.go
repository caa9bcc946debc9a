package graph

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"testing"
)

// maxResolverLines bounds a hand-written resolver: it maps its arguments, calls one service
// or loader and maps the result; anything longer belongs in internal/.
const maxResolverLines = 8

// TestResolversAreThin counts the lines of every resolver's body.
func TestResolversAreThin(t *testing.T) {
	files, err := filepath.Glob("*.resolvers.go")
	if err != nil || len(files) == 0 {
		t.Fatalf("no resolver files: %v", err)
	}
	fset := token.NewFileSet()
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Recv == nil {
				continue
			}
			lines := fset.Position(fn.Body.Rbrace).Line - fset.Position(fn.Body.Lbrace).Line - 1
			if lines > maxResolverLines {
				t.Errorf("%s: %s has %d lines; move what it does into a service", name, fn.Name.Name, lines)
			}
		}
	}
}
