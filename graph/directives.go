package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/user"
)

// directives implements the access rules the schema declares on its fields.
func directives() DirectiveRoot {
	return DirectiveRoot{
		Auth:       authDirective,
		Scope:      scopeDirective,
		Private:    privateDirective,
		ViewerOnly: viewerOnlyDirective,
	}
}

// authDirective lets a field run only for a signed-in viewer with at least the given role.
func authDirective(ctx context.Context, _ any, next graphql.Resolver, requires *user.Role) (any, error) {
	v := access.ViewerFrom(ctx)
	if v.Anonymous() {
		return nil, apperr.New(apperr.Unauthenticated, "log in first: send 'Authorization: Bearer <access token>'")
	}
	if requires != nil && !v.HasRole(*requires) {
		return nil, apperr.New(apperr.Forbidden, "this needs the %s role or higher", roleName(*requires))
	}
	return next(ctx)
}

// scopeDirective refuses API keys that lack the given scope.
func scopeDirective(ctx context.Context, _ any, next graphql.Resolver, requires access.Scope) (any, error) {
	v := access.ViewerFrom(ctx)
	if v.ViaAPIKey() && !v.Can(requires) {
		return nil, apperr.New(apperr.Forbidden, "this API key lacks the %s scope", requires)
	}
	return next(ctx)
}

// privateDirective resolves a User field only for that user (or the given role); everyone
// else, and API keys without the scope, get null.
func privateDirective(ctx context.Context, obj any, next graphql.Resolver, orRole *user.Role, scope access.Scope) (any, error) {
	v := viewerFor(ctx)
	u, ok := obj.(*user.User)
	if !ok || !v.Can(scope) {
		return nil, nil
	}
	if v.Owns(u.ID) || (orRole != nil && v.HasRole(*orRole)) {
		return next(ctx)
	}
	return nil, nil
}

// viewerOnlyDirective resolves a field about the viewer's own relation to an object only for
// signed-in viewers (and API keys with the scope); it is null for everyone else.
func viewerOnlyDirective(ctx context.Context, _ any, next graphql.Resolver, scope access.Scope) (any, error) {
	if !access.ViewerFrom(ctx).Can(scope) {
		return nil, nil
	}
	return next(ctx)
}

func roleName(r user.Role) string {
	switch r {
	case user.RoleMember:
		return "MEMBER"
	case user.RoleAuthor:
		return "AUTHOR"
	case user.RoleEditor:
		return "EDITOR"
	case user.RoleAdmin:
		return "ADMIN"
	}
	return "READER"
}
