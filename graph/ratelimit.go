package graph

import (
	"context"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/ratelimit"
)

// RateLimiter charges requests to their caller's budget.
type RateLimiter interface {
	Spend(c ratelimit.Caller, cost int64, operation string) ratelimit.Verdict
}

// rateLimit charges every operation's cost, as the complexity limit scored it before anything
// ran, to its caller's budget, and refuses with RATE_LIMITED, running nothing, what the budget
// cannot pay. Every answer says what was spent and what is left, in its headers and in
// extensions.cost.
type rateLimit struct {
	limiter RateLimiter
	budgets ratelimit.Budgets
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
	graphql.ResponseInterceptor
} = rateLimit{}

func (rateLimit) ExtensionName() string                   { return "RateLimit" }
func (rateLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l rateLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	caller, limited := l.budgets.CallerOf(access.ViewerFrom(ctx), access.ClientFrom(ctx))
	if !limited {
		return nil
	}
	score, _ := opCtx.Stats.GetExtension(complexityStats).(int)
	v := l.limiter.Spend(caller, int64(score), operationName(opCtx))
	h, _ := ctx.Value(hintsKey{}).(*responseHints)
	if h != nil {
		h.mu.Lock()
		h.rate = &v
		h.mu.Unlock()
	}
	if v.Allowed {
		return nil
	}
	retryAfter(ctx, v.RetryAfter)
	err := requestError(apperr.RateLimited, "this request costs %d points and %d of your %d are left until %s; retry after %d seconds",
		v.Cost, v.Remaining, v.Limit, v.ResetAt.UTC().Format(time.RFC3339), retrySeconds(v.RetryAfter))
	err.Extensions["retryAfter"] = retrySeconds(v.RetryAfter)
	err.Extensions["cost"] = costExtension(v)
	return err
}

func (l rateLimit) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	res := next(ctx)
	// A public answer is the same for everyone (and its ETag the sha256 of its body): its
	// cost travels in the RateLimit headers only.
	if v := verdictOf(ctx); res != nil && v != nil && !mayBePublic(ctx) {
		if res.Extensions == nil {
			res.Extensions = map[string]any{}
		}
		res.Extensions["cost"] = costExtension(*v)
	}
	return res
}

// costExtension is a verdict as extensions.cost shows it.
func costExtension(v ratelimit.Verdict) map[string]any {
	return map[string]any{"requested": v.Cost, "remaining": v.Remaining, "limit": v.Limit, "resetAt": v.ResetAt.UTC().Format(time.RFC3339)}
}

// verdictOf is what the rate limit decided for the request ctx belongs to, nil when the
// caller is not limited.
func verdictOf(ctx context.Context) *ratelimit.Verdict {
	h, _ := ctx.Value(hintsKey{}).(*responseHints)
	if h == nil {
		return nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.rate
}

// rateLimitOf is the caller's budget after this request, for Query.rateLimit.
func rateLimitOf(ctx context.Context) *model.RateLimit {
	v := verdictOf(ctx)
	if v == nil {
		return nil
	}
	return &model.RateLimit{Limit: int(v.Limit), Cost: int(v.Cost), Remaining: int(v.Remaining), ResetAt: v.ResetAt}
}

// rateHeaders sets the RateLimit headers of the IETF draft from a verdict.
func rateHeaders(h interface{ Set(string, string) }, v *ratelimit.Verdict) {
	h.Set("RateLimit-Limit", strconv.FormatInt(v.Limit, 10))
	h.Set("RateLimit-Remaining", strconv.FormatInt(v.Remaining, 10))
	h.Set("RateLimit-Reset", strconv.Itoa(retrySeconds(time.Until(v.ResetAt))))
}

// keyBudget is a key's own budget as a client gave it.
func keyBudget(points *int) *int64 {
	if points == nil {
		return nil
	}
	n := int64(*points)
	return &n
}
