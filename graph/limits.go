package graph

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"unicode"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tailorhq/tailor/internal/apperr"
)

// OperationLimits bound the shape of a GraphQL document. They are checked right after the
// document is parsed, before it is validated or scored, so refusing a hostile document costs
// about as much as reading it.
type OperationLimits struct {
	// Tokens is how many lexical tokens a document may hold.
	Tokens int
	// Depth is how many fields the longest path from an operation's root to a leaf may hold,
	// with every fragment expanded (`{ a { b } }` has depth 2).
	Depth int
	// Fields is how many fields the whole document may hold with every fragment spread
	// expanded where it is spread.
	Fields int
	// Aliases is how many aliased fields the document may hold, fragments expanded.
	Aliases int
	// RootFields is how many fields the root of one operation may hold, fragments expanded.
	RootFields int
	// SameName is how many fields of one selection set may share a response name.
	SameName int
}

// DefaultOperationLimits let every documented example, the benchmark's operations and
// GraphiQL's introspection query through.
func DefaultOperationLimits() OperationLimits {
	return OperationLimits{Tokens: 5000, Depth: 15, Fields: 2000, Aliases: 30, RootFields: 20, SameName: 50}
}

// signInFields are the mutations that must run alone: each checks a password, and a request
// may not try several.
var signInFields = map[string]bool{"logIn": true, "signUp": true}

// documentCheck is what checking a document found, kept per query text.
type documentCheck struct {
	// refusal refuses every operation of the document; nil when its shape is within limits.
	refusal *gqlerror.Error
	// signInMixed names the operations that run logIn or signUp beside other fields.
	signInMixed map[string]bool
}

// operationGuard refuses, before validation, documents whose shape exceeds the limits, and
// text inputs that carry control characters. Documents it has read are remembered, so a
// repeated query costs a map lookup.
type operationGuard struct {
	limits OperationLimits
	seen   *lru.LRU[*documentCheck]
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
} = operationGuard{}

func newOperationGuard(l OperationLimits, cacheSize int) operationGuard {
	return operationGuard{limits: l, seen: lru.New[*documentCheck](cacheSize)}
}

func (operationGuard) ExtensionName() string                   { return "OperationLimits" }
func (operationGuard) Validate(graphql.ExecutableSchema) error { return nil }
func (g operationGuard) check(query string) *documentCheck     { return checkDocument(query, g.limits) }
func (g operationGuard) remember(ctx context.Context, q string) *documentCheck {
	if c, ok := g.seen.Get(ctx, q); ok {
		return c
	}
	c := g.check(q)
	g.seen.Add(ctx, q, c)
	return c
}

// MutateOperationParameters runs after persisted queries are resolved and before the document
// is parsed for execution.
func (g operationGuard) MutateOperationParameters(ctx context.Context, p *graphql.RawParams) *gqlerror.Error {
	if err := controlCharacters("variables", p.Variables); err != nil {
		return err
	}
	if p.Query == "" {
		return nil
	}
	c := g.remember(ctx, p.Query)
	if c.refusal != nil {
		return c.refusal
	}
	if c.signInMixed[p.OperationName] {
		return requestError(apperr.BadUserInput, "logIn and signUp must each be the only field of their mutation; send other fields in another request")
	}
	return nil
}

// checkDocument parses query and measures it against l.
func checkDocument(query string, l OperationLimits) *documentCheck {
	doc, err := parser.ParseQueryWithTokenLimit(&ast.Source{Input: query}, l.Tokens)
	if err != nil {
		if n := countTokens(query); n > l.Tokens {
			return &documentCheck{refusal: tooComplex("tokens", l.Tokens, n)}
		}
		// The executor parses the document again and reports the syntax error itself.
		return &documentCheck{}
	}
	if err := literalControlCharacters(doc); err != nil {
		return &documentCheck{refusal: err}
	}
	m := newMeasurer(doc)
	shape := m.document()
	for _, x := range []struct {
		name         string
		limit, value int
	}{
		{"fields", l.Fields, shape.fields},
		{"depth", l.Depth, shape.depth},
		{"aliases", l.Aliases, shape.aliases},
		{"rootFields", l.RootFields, shape.rootFields},
		// One introspection of the whole schema is all a client needs; each costs as much as
		// a large page of content, which the cost model does not see.
		{"introspection", 1, shape.schemas},
	} {
		if x.value > x.limit {
			return &documentCheck{refusal: tooComplex(x.name, x.limit, x.value)}
		}
	}
	// Counting shared names expands every fragment; the field limit above bounds that work.
	if n := m.sameNames(); n > l.SameName {
		return &documentCheck{refusal: tooComplex("sameName", l.SameName, n)}
	}
	c := &documentCheck{}
	for _, op := range doc.Operations {
		if op.Operation == ast.Mutation && m.signInMixed(op) {
			if c.signInMixed == nil {
				c.signInMixed = map[string]bool{}
			}
			c.signInMixed[op.Name] = true
			if len(doc.Operations) == 1 {
				c.signInMixed[""] = true
			}
		}
	}
	return c
}

// countTokens counts the lexical tokens of a document that the parser refused.
func countTokens(query string) int {
	lx := lexer.New(&ast.Source{Input: query})
	n := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			return n
		}
		n++
	}
}

var limitNames = map[string]string{
	"tokens":        "tokens",
	"depth":         "depth",
	"fields":        "fields (with fragments expanded)",
	"aliases":       "aliases",
	"rootFields":    "root fields in one operation",
	"sameName":      "fields sharing one response name",
	"introspection": "__schema fields in one document",
	"complexity":    "complexity",
}

// tooComplex refuses a document that exceeds limit; extensions carry the limit's name, its
// value and the measured value.
func tooComplex(limit string, max, value int) *gqlerror.Error {
	err := requestError(apperr.QueryTooComplex, "the operation exceeds the limit of %d %s (it has %d); simplify it or split it into several requests", max, limitNames[limit], value)
	err.Extensions["limit"] = limit
	err.Extensions["max"] = max
	err.Extensions["value"] = value
	return err
}

// requestError refuses a request before it runs.
func requestError(code apperr.Code, format string, args ...any) *gqlerror.Error {
	return &gqlerror.Error{Message: fmt.Sprintf(format, args...), Extensions: map[string]any{"code": string(code)}}
}

// shape is what the limits measure of a selection set, fragments expanded.
type shape struct {
	fields, aliases, depth, rootFields int
	// schemas counts __schema fields: each answers the whole schema.
	schemas int
}

// measurer measures a document, remembering each fragment's shape so a fragment spread many
// times, or spreading others, is measured once.
type measurer struct {
	doc  *ast.QueryDocument
	memo map[string]*shape
	busy map[string]bool
	// visited counts the selections read, which the limits keep proportional to the document.
	visited int
}

func newMeasurer(doc *ast.QueryDocument) *measurer {
	return &measurer{doc: doc, memo: map[string]*shape{}, busy: map[string]bool{}}
}

// document returns the shape of every operation and every fragment no operation spreads
// (validation reads those too): fields and aliases add up, depth and root fields are the largest.
func (m *measurer) document() shape {
	var total shape
	add := func(s shape) {
		total.fields = satAdd(total.fields, s.fields)
		total.aliases = satAdd(total.aliases, s.aliases)
		total.depth = max(total.depth, s.depth)
		total.rootFields = max(total.rootFields, s.rootFields)
		total.schemas = satAdd(total.schemas, s.schemas)
	}
	for _, op := range m.doc.Operations {
		add(m.set(op.SelectionSet))
	}
	for _, f := range m.doc.Fragments {
		if _, used := m.memo[f.Name]; !used {
			s := m.fragment(f.Name)
			s.rootFields = 0
			add(s)
		}
	}
	return total
}

func (m *measurer) set(sel ast.SelectionSet) shape {
	var s shape
	for _, x := range sel {
		m.visited++
		var child shape
		switch x := x.(type) {
		case *ast.Field:
			sub := m.set(x.SelectionSet)
			child = shape{fields: satAdd(sub.fields, 1), aliases: sub.aliases, depth: sub.depth + 1, rootFields: 1, schemas: sub.schemas}
			if x.Name == "__schema" {
				child.schemas = satAdd(child.schemas, 1)
			}
			if x.Alias != "" && x.Alias != x.Name {
				child.aliases = satAdd(child.aliases, 1)
			}
		case *ast.InlineFragment:
			child = m.set(x.SelectionSet)
		case *ast.FragmentSpread:
			child = m.fragment(x.Name)
		}
		s.fields = satAdd(s.fields, child.fields)
		s.aliases = satAdd(s.aliases, child.aliases)
		s.rootFields = satAdd(s.rootFields, child.rootFields)
		s.schemas = satAdd(s.schemas, child.schemas)
		s.depth = max(s.depth, child.depth)
	}
	return s
}

// fragment returns the shape of the named fragment. An unknown fragment, or one spread inside
// itself, measures nothing: validation refuses both.
func (m *measurer) fragment(name string) shape {
	if s, ok := m.memo[name]; ok {
		return *s
	}
	f := m.doc.Fragments.ForName(name)
	if f == nil || m.busy[name] {
		return shape{}
	}
	m.busy[name] = true
	s := m.set(f.SelectionSet)
	delete(m.busy, name)
	m.memo[name] = &s
	return s
}

// sameNames returns how many fields of one selection set, at most, share a response name,
// counting the fields that inline fragments and fragment spreads bring into the set.
func (m *measurer) sameNames() int {
	most := 0
	var walk func(sel ast.SelectionSet, seen map[string]bool)
	var level func(sel ast.SelectionSet, counts map[string]int, seen map[string]bool)
	level = func(sel ast.SelectionSet, counts map[string]int, seen map[string]bool) {
		for _, x := range sel {
			switch x := x.(type) {
			case *ast.Field:
				name := x.Alias
				if name == "" {
					name = x.Name
				}
				counts[name]++
				most = max(most, counts[name])
				walk(x.SelectionSet, seen)
			case *ast.InlineFragment:
				level(x.SelectionSet, counts, seen)
			case *ast.FragmentSpread:
				if f := m.doc.Fragments.ForName(x.Name); f != nil && !seen[x.Name] {
					seen[x.Name] = true
					level(f.SelectionSet, counts, seen)
					delete(seen, x.Name)
				}
			}
		}
	}
	walk = func(sel ast.SelectionSet, seen map[string]bool) {
		if len(sel) > 0 {
			level(sel, map[string]int{}, seen)
		}
	}
	for _, op := range m.doc.Operations {
		walk(op.SelectionSet, map[string]bool{})
	}
	for _, f := range m.doc.Fragments {
		walk(f.SelectionSet, map[string]bool{f.Name: true})
	}
	return most
}

// signInMixed reports whether op runs logIn or signUp beside any other field.
func (m *measurer) signInMixed(op *ast.OperationDefinition) bool {
	var names []string
	var collect func(sel ast.SelectionSet, seen map[string]bool)
	collect = func(sel ast.SelectionSet, seen map[string]bool) {
		for _, x := range sel {
			switch x := x.(type) {
			case *ast.Field:
				names = append(names, x.Name)
			case *ast.InlineFragment:
				collect(x.SelectionSet, seen)
			case *ast.FragmentSpread:
				if f := m.doc.Fragments.ForName(x.Name); f != nil && !seen[x.Name] {
					seen[x.Name] = true
					collect(f.SelectionSet, seen)
				}
			}
		}
	}
	collect(op.SelectionSet, map[string]bool{})
	if len(names) < 2 {
		return false
	}
	for _, n := range names {
		if signInFields[n] {
			return true
		}
	}
	return false
}

// satAdd adds two non-negative counts without overflowing.
func satAdd(a, b int) int {
	const most = 1 << 40
	if a > most-b {
		return most
	}
	return a + b
}

// errControlCharacter is what a text input with a control character is told.
var errControlCharacter = errors.New("control character")

// controlCharacters refuses a value (decoded JSON variables) holding a string with a control
// character other than tab, line feed or carriage return. PostgreSQL cannot store NUL, and no
// field of Tailor's needs the others.
func controlCharacters(path string, v any) *gqlerror.Error {
	switch v := v.(type) {
	case string:
		if r, bad := controlRune(v); bad {
			return controlError(path, r)
		}
	case map[string]any:
		for k, x := range v {
			if r, bad := controlRune(k); bad {
				return controlError(path, r)
			}
			if err := controlCharacters(path+"."+k, x); err != nil {
				return err
			}
		}
	case []any:
		for i, x := range v {
			if err := controlCharacters(fmt.Sprintf("%s[%d]", path, i), x); err != nil {
				return err
			}
		}
	}
	return nil
}

func controlError(path string, r rune) *gqlerror.Error {
	err := requestError(apperr.BadUserInput, "%s: text must not contain control characters (found U+%04X); remove it", path, r)
	err.Extensions["field"] = path
	return err
}

func controlRune(s string) (rune, bool) {
	for _, r := range s {
		if unicode.IsControl(r) && r != '\t' && r != '\n' && r != '\r' {
			return r, true
		}
	}
	return 0, false
}

// literalControlCharacters refuses string literals with control characters written in the
// document itself (as escapes such as \u0000).
func literalControlCharacters(doc *ast.QueryDocument) *gqlerror.Error {
	var value func(path string, v *ast.Value) *gqlerror.Error
	value = func(path string, v *ast.Value) *gqlerror.Error {
		if v == nil {
			return nil
		}
		if v.Kind == ast.StringValue || v.Kind == ast.BlockValue {
			if r, bad := controlRune(v.Raw); bad {
				return controlError(path, r)
			}
		}
		for _, c := range v.Children {
			if err := value(path+"."+c.Name, c.Value); err != nil {
				return err
			}
		}
		return nil
	}
	var set func(sel ast.SelectionSet) *gqlerror.Error
	set = func(sel ast.SelectionSet) *gqlerror.Error {
		for _, x := range sel {
			switch x := x.(type) {
			case *ast.Field:
				for _, a := range x.Arguments {
					if err := value(x.Name+"."+a.Name, a.Value); err != nil {
						return err
					}
				}
				if err := set(x.SelectionSet); err != nil {
					return err
				}
			case *ast.InlineFragment:
				if err := set(x.SelectionSet); err != nil {
					return err
				}
			}
		}
		return nil
	}
	for _, op := range doc.Operations {
		for _, vd := range op.VariableDefinitions {
			if err := value("$"+vd.Variable, vd.DefaultValue); err != nil {
				return err
			}
		}
		if err := set(op.SelectionSet); err != nil {
			return err
		}
	}
	for _, f := range doc.Fragments {
		if err := set(f.SelectionSet); err != nil {
			return err
		}
	}
	return nil
}

// limitsTable lists the limits for documentation and error messages, in a stable order.
func (l OperationLimits) String() string {
	return strings.Join([]string{
		fmt.Sprintf("tokens=%d", l.Tokens), fmt.Sprintf("depth=%d", l.Depth), fmt.Sprintf("fields=%d", l.Fields),
		fmt.Sprintf("aliases=%d", l.Aliases), fmt.Sprintf("rootFields=%d", l.RootFields), fmt.Sprintf("sameName=%d", l.SameName),
	}, " ")
}
