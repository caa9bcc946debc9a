package graph

import "github.com/tailorhq/tailor/internal/apperr"

// userErrors splits a service's error: a refusal of the input becomes the payload's
// userErrors; anything else stays an error.
func userErrors(err error) ([]*apperr.FieldError, error) {
	if err == nil {
		return nil, nil
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

// noUserErrors is the userErrors of a successful mutation: an empty list, never null.
func noUserErrors() []*apperr.FieldError { return []*apperr.FieldError{} }
