package main

import (
	"errors"
	"fmt"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"
)

// queryDepth parses a GraphQL document and returns the depth of its deepest operation: the
// number of fields on the longest path from the operation's root down to a leaf, so `{ a }`
// has depth 1 and `{ a { b { c } } }` depth 3. Fragments add their fields' depth and nothing
// more. A request whose SQL statements stay within this depth runs (at most) one statement per
// level of its query, whatever the number of items at each level.
func queryDepth(query string) (int, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return 0, fmt.Errorf("parse query: %w", err)
	}
	if len(doc.Operations) == 0 {
		return 0, errors.New("parse query: the document holds no operation")
	}
	depth := 0
	for _, op := range doc.Operations {
		d, err := selectionDepth(doc, op.SelectionSet, nil)
		if err != nil {
			return 0, err
		}
		depth = max(depth, d)
	}
	return depth, nil
}

// selectionDepth returns the depth of set; visiting holds the fragments being expanded, to
// refuse cycles.
func selectionDepth(doc *ast.QueryDocument, set ast.SelectionSet, visiting []string) (int, error) {
	depth := 0
	for _, sel := range set {
		var d int
		var err error
		switch s := sel.(type) {
		case *ast.Field:
			d, err = selectionDepth(doc, s.SelectionSet, visiting)
			d++
		case *ast.InlineFragment:
			d, err = selectionDepth(doc, s.SelectionSet, visiting)
		case *ast.FragmentSpread:
			f := doc.Fragments.ForName(s.Name)
			if f == nil {
				return 0, fmt.Errorf("parse query: fragment %q is not defined", s.Name)
			}
			for _, v := range visiting {
				if v == s.Name {
					return 0, fmt.Errorf("parse query: fragment %q spreads itself", s.Name)
				}
			}
			d, err = selectionDepth(doc, f.SelectionSet, append(visiting, s.Name))
		}
		if err != nil {
			return 0, err
		}
		depth = max(depth, d)
	}
	return depth, nil
}
