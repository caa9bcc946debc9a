package graph

import (
	"context"

	"github.com/99designs/gqlgen/graphql"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/auth"
)

// userErrors splits a service's error: a refusal of the input becomes the payload's
// userErrors; anything else stays an error. Without an error, userErrors is empty, not null.
func userErrors(err error) ([]*apperr.FieldError, error) {
	if err == nil {
		return []*apperr.FieldError{}, nil
	}
	fe, ok := apperr.AsFieldErrors(err)
	if !ok {
		return nil, err
	}
	out := make([]*apperr.FieldError, len(fe))
	for i := range fe {
		out[i] = &fe[i]
	}
	return out, nil
}

// signInPayload hands back a grant: its token, and the account whose fields the payload shows;
// or, when err refuses the input, the refusal.
func signInPayload(g auth.Grant, err error) (model.SignInPayload, error) {
	userErrs, err := userErrors(err)
	if g.User == nil {
		return model.SignInPayload{UserErrors: userErrs}, err
	}
	return model.SignInPayload{AccessToken: &g.Token, ExpiresAt: &g.ExpiresAt, Viewer: g.User, UserErrors: userErrs, SignedIn: g.Viewer}, err
}

// viewerFor returns whom a field is read for: the request's viewer, or, inside the payload of
// signUp or logIn, the account that just signed in, so that payload shows the account's own
// email and preferences. The request's viewer itself never changes while it runs.
func viewerFor(ctx context.Context) access.Viewer {
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		if p, ok := fc.Result.(model.Signer); ok {
			return p.SignedInViewer()
		}
	}
	return access.ViewerFrom(ctx)
}
