package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
)

// IntrospectionPolicy says who may introspect the schema (`__schema`, `__type`).
type IntrospectionPolicy string

// The introspection policies; the zero policy is IntrospectionOn.
const (
	IntrospectionOn       IntrospectionPolicy = "on"
	IntrospectionSignedIn IntrospectionPolicy = "signed-in"
	IntrospectionOff      IntrospectionPolicy = "off"
)

// allows reports whether v may introspect the schema.
func (p IntrospectionPolicy) allows(v access.Viewer) bool {
	switch p {
	case IntrospectionOff:
		return false
	case IntrospectionSignedIn:
		return !v.Anonymous()
	}
	return true
}

// introspectionGate opens introspection to the callers its policy allows, and refuses, before
// anything runs, an operation that introspects for anyone else. `__typename` stays open.
type introspectionGate struct {
	policy IntrospectionPolicy
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = introspectionGate{}

func (introspectionGate) ExtensionName() string                   { return "Introspection" }
func (introspectionGate) Validate(graphql.ExecutableSchema) error { return nil }

func (g introspectionGate) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	allowed := g.policy.allows(access.ViewerFrom(ctx))
	opCtx.DisableIntrospection = !allowed
	if allowed || !introspects(opCtx.Operation.SelectionSet, map[string]bool{}) {
		return nil
	}
	message := "introspection is turned off on this server"
	if g.policy == IntrospectionSignedIn {
		message = "introspection is open only to signed-in callers: sign in to read the schema"
	}
	// A typed code, which the error presenter keeps as extensions.code.
	return &gqlerror.Error{Message: message, Extensions: map[string]any{"code": apperr.Forbidden}}
}

// introspects reports whether a root selection set selects __schema or __type, fragments
// expanded; the schema offers both only on the query root. seen holds the fragments read.
func introspects(set ast.SelectionSet, seen map[string]bool) bool {
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if introspects(s.SelectionSet, seen) {
				return true
			}
		case *ast.FragmentSpread:
			if seen[s.Name] || s.Definition == nil {
				continue
			}
			seen[s.Name] = true
			if introspects(s.Definition.SelectionSet, seen) {
				return true
			}
		}
	}
	return false
}
