package graph

import (
	"context"

	gqlcomplexity "github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// The cost model's constants. A field costs 1 plus what is selected under it; a list costs
// its selection times the number of items it may return; work that is expensive whatever is
// selected (ranking a feed, searching, counting, hashing a password, writing) adds a base cost.
const (
	// costFeed is ranking a feed: candidate walks, scoring and saving a snapshot.
	costFeed = 50
	// costSearch is a full-text search over the catalogue.
	costSearch = 200
	// costCount is counting a whole list (totalCount).
	costCount = 20
	// costRelated is scoring one item's related items.
	costRelated = 5
	// costSignIn is checking or hashing a password.
	costSignIn = 100
	// costWrite is a mutation's transaction.
	costWrite = 10
	// costExport is reading everything kept on a person into one document (up to
	// privacy.MaxExportedRows rows per list).
	costExport = 500
)

// complexity scores an operation before it runs, so nesting large lists is refused before any
// of it is read. Page arguments outside their bounds are clamped for scoring; the resolvers
// refuse them with BAD_USER_INPUT.
func complexity(pages relay.Limits) ComplexityRoot {
	page := func(first, last *int) int {
		switch {
		case first != nil:
			return clamp(*first, 1, pages.Max)
		case last != nil:
			return clamp(*last, 1, pages.Max)
		}
		return pages.Default
	}
	list := func(base, items, child int) int { return base + items*child }
	connection := func(child int, first, last *int) int { return list(1, page(first, last), child) }
	write := func(child int) int { return costWrite + child }

	var c ComplexityRoot
	c.Query.Contents = func(child int, _ *model.ContentFilter, _ *model.ContentOrder, first *int, _ *string, last *int, _ *string) int {
		return connection(child, first, last)
	}
	c.Query.Topics = func(child int, first *int, _ *string, last *int, _ *string) int {
		return connection(child, first, last)
	}
	c.Query.Nodes = func(child int, ids []string) int { return list(1, clamp(len(ids), 1, maxNodes), child) }
	c.Query.Feed = func(child int, first *int, _ *string) int { return list(costFeed, page(first, nil), child) }
	c.Query.Search = func(child int, _ string, first *int, _ *string) int { return list(costSearch, page(first, nil), child) }
	c.User.Contents = func(child int, first *int, _ *string, last *int, _ *string, _ *model.ContentOrder) int {
		return connection(child, first, last)
	}
	c.User.Bookmarks = func(child int, first *int, _ *string) int { return connection(child, first, nil) }
	c.User.History = func(child int, first *int, _ *string) int { return connection(child, first, nil) }
	c.User.APIKeys = func(child int) int { return list(1, auth.MaxListedKeys, child) }
	c.User.Notifications = func(child int, first *int, _ *string, _ *bool) int { return connection(child, first, nil) }
	c.User.Webhooks = func(child int) int { return list(1, notify.MaxWebhooks, child) }
	c.User.UnreadNotificationCount = func(int) int { return costCount }
	c.Webhook.Deliveries = func(child int, first *int, _ *string) int { return connection(child, first, nil) }
	c.Query.DeadDeliveries = func(child int, first *int, _ *string) int { return connection(child, first, nil) }
	// A subscription costs its selection once per message; its topics are a bounded filter.
	c.Subscription.ContentPublished = func(child int, _ []string) int { return 1 + child }
	c.Topic.Contents = func(child int, first *int, _ *string, last *int, _ *string, _ *model.ContentOrder) int {
		return connection(child, first, last)
	}
	c.ContentConnection.TotalCount = func(int) int { return costCount }
	c.TopicConnection.TotalCount = func(int) int { return costCount }
	c.Content.Topics = func(child int) int { return list(1, content.MaxTopics, child) }
	c.Content.Related = func(child int, first *int) int {
		n := defaultRelated
		if first != nil {
			n = clamp(*first, 1, maxRelated)
		}
		return list(costRelated, n, child)
	}
	c.FeedEdge.Reasons = func(child int) int { return list(1, len(feed.ReasonKinds()), child) }
	c.Preferences.Topics = func(child int) int { return list(1, user.MaxListed, child) }
	c.Preferences.MutedTopics = func(child int) int { return list(1, user.MaxListed, child) }
	c.Preferences.MutedAuthors = func(child int) int { return list(1, user.MaxListed, child) }
	c.Preferences.FollowedAuthors = func(child int) int { return list(1, user.MaxFollows, child) }

	c.Mutation.SignUp = func(child int, _ model.SignUpInput) int { return costSignIn + child }
	c.Mutation.LogIn = func(child int, _ model.LogInInput) int { return costSignIn + child }
	c.Mutation.LogOut = func(child int, _ model.LogOutInput) int { return write(child) }
	c.Mutation.CreateAPIKey = func(child int, _ model.CreateAPIKeyInput) int { return write(child) }
	c.Mutation.RevokeAPIKey = func(child int, _ model.RevokeAPIKeyInput) int { return write(child) }
	c.Mutation.ChangeRole = func(child int, _ model.ChangeRoleInput) int { return write(child) }
	c.Mutation.CreateContent = func(child int, _ model.CreateContentInput) int { return write(child) }
	c.Mutation.UpdateContent = func(child int, _ model.UpdateContentInput) int { return write(child) }
	c.Mutation.PublishContent = func(child int, _ model.PublishContentInput) int { return write(child) }
	c.Mutation.DeleteContent = func(child int, _ model.DeleteContentInput) int { return write(child) }
	c.Mutation.UpdatePreferences = func(child int, _ model.UpdatePreferencesInput) int { return write(child) }
	c.Mutation.FollowUser = func(child int, _ model.FollowUserInput) int { return write(child) }
	c.Mutation.UnfollowUser = func(child int, _ model.FollowUserInput) int { return write(child) }
	c.Mutation.RecordInteraction = func(child int, _ model.RecordInteractionInput) int { return write(child) }
	c.Mutation.MarkNotificationsRead = func(child int, _ model.MarkNotificationsReadInput) int { return write(child) }
	c.Mutation.CreateWebhook = func(child int, _ model.CreateWebhookInput) int { return write(child) }
	c.Mutation.UpdateWebhook = func(child int, _ model.UpdateWebhookInput) int { return write(child) }
	c.Mutation.DeleteWebhook = func(child int, _ model.DeleteWebhookInput) int { return write(child) }
	c.Mutation.RedeliverWebhook = func(child int, _ model.RedeliverWebhookInput) int { return write(child) }
	c.Mutation.ExportMyData = func(child int) int { return costExport + child }
	// Erasing checks the password again, then deletes in one transaction.
	c.Mutation.DeleteMyAccount = func(child int, _ model.DeleteMyAccountInput) int { return costSignIn + write(child) }
	return c
}

func clamp(n, lo, hi int) int { return min(max(n, lo), hi) }

// complexityStats is what the complexity limit records of an operation, for the response's
// cost and for rate limits.
const complexityStats = "Complexity"

// complexityLimit scores every operation with the cost model and refuses, with
// QUERY_TOO_COMPLEX, the ones that score above max.
type complexityLimit struct {
	schema graphql.ExecutableSchema
	max    int
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = complexityLimit{}

func (complexityLimit) ExtensionName() string                   { return "ComplexityLimit" }
func (complexityLimit) Validate(graphql.ExecutableSchema) error { return nil }

func (l complexityLimit) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	score := gqlcomplexity.Calculate(ctx, l.schema, opCtx.Operation, opCtx.Variables)
	opCtx.Stats.SetExtension(complexityStats, score)
	if score > l.max {
		return tooComplex("complexity", l.max, score)
	}
	return nil
}
