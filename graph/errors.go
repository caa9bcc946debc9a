package graph

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime/debug"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/errcode"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/internal/apperr"
)

// internalMessage is all a client learns about a failure that is not its own doing.
const internalMessage = "internal error"

// errorPresenter decides what a client sees of an error: a coded error keeps its message and
// code; a refusal of the request itself (parse, validation, complexity, persisted queries)
// is given a contract code; anything else is logged and shown as an internal error.
func errorPresenter(logger *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		presented := graphql.DefaultErrorPresenter(ctx, err)
		var coded *apperr.Error
		if errors.As(err, &coded) {
			presented.Message = coded.Message
			presented.Extensions = map[string]any{"code": coded.Code}
			if coded.Field != "" {
				presented.Extensions["field"] = coded.Field
			}
			if coded.RetryAfter > 0 {
				presented.Extensions["retryAfter"] = retrySeconds(coded.RetryAfter)
				retryAfter(ctx, coded.RetryAfter)
			}
			if coded.Code == apperr.Internal {
				logger.ErrorContext(ctx, "request failed", "path", presented.Path.String(), "err", err)
			}
			return presented
		}
		var gqlErr *gqlerror.Error
		// Outside any field, an error refuses the request itself (parse, validation, variables).
		if errors.As(err, &gqlErr) && gqlErr.Err == nil && graphql.GetFieldContext(ctx) == nil {
			ext := make(map[string]any, len(gqlErr.Extensions)+1)
			for k, v := range gqlErr.Extensions {
				ext[k] = v
			}
			ext["code"] = requestErrorCode(gqlErr)
			presented.Extensions = ext
			return presented
		}
		logger.ErrorContext(ctx, "request failed", "path", presented.Path.String(), "err", err)
		return &gqlerror.Error{
			Message:    internalMessage,
			Path:       presented.Path,
			Extensions: map[string]any{"code": apperr.Internal},
		}
	}
}

// requestErrorCode maps gqlgen's codes for a refused request onto the contract's codes.
func requestErrorCode(err *gqlerror.Error) apperr.Code {
	switch err.Extensions["code"] {
	case "COMPLEXITY_LIMIT_EXCEEDED", string(apperr.QueryTooComplex):
		return apperr.QueryTooComplex
	case "PERSISTED_QUERY_NOT_FOUND":
		return apperr.PersistedQueryNotFound
	case string(apperr.RateLimited):
		return apperr.RateLimited
	case errcode.ValidationFailed, errcode.ParseFailed:
		return apperr.BadUserInput
	}
	if code, ok := err.Extensions["code"].(apperr.Code); ok {
		return code
	}
	return apperr.BadUserInput
}

// recoverer turns a panic in a resolver into an internal error, logged with its stack.
func recoverer(logger *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, p any) error {
		logger.ErrorContext(ctx, "panic in resolver", "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
		return apperr.New(apperr.Internal, internalMessage)
	}
}
