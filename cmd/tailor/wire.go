package main

import (
	"context"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/privacy"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/replica"
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// wire builds the services the GraphQL layer calls, and the batch reads behind its loaders,
// over the PostgreSQL stores of db. With a read replica (read not nil), the catalogue reads
// (contents, search, topics, profiles) of queries go to read; everything else, and every read
// of a mutation or subscription (replica.Pinned), stays on db, the primary.
func wire(cfg config.Config, db, read *sqlx.DB, authService *auth.Service) (graph.Services, loaders.Stores) {
	pages := relay.Limits{Default: cfg.PageSizeDefault, Max: cfg.PageSizeMax}
	contents, topics, users := postgres.NewContentStore(db), postgres.NewTopicStore(db), postgres.NewUserStore(db)
	cat := catalogue{contents: contents, topics: topics, users: users}
	if read != nil {
		cat.read = &catalogue{contents: postgres.NewContentStore(read), topics: postgres.NewTopicStore(read), users: postgres.NewUserStore(read)}
	}
	services := graph.Services{
		Catalog:  content.NewLister(catalogueContents{cat}, catalogueTopics{cat}, pages),
		Searcher: search.NewService(catalogueContents{cat}, pages, time.Now),
		// Preferences and follows are read right after they are written: primary only.
		People: user.NewService(users),
		Habits: habits.NewService(postgres.NewHabitStore(db), pages),
		// The feed store writes snapshots and reads them back: primary only.
		Ranker: feed.NewService(postgres.NewFeedStore(db), time.Now,
			feed.Options{Reuse: cfg.FeedReuse, CatalogueAge: cfg.FeedCatalogueAge,
				Diversity: feed.DefaultDiversity.Scaled(cfg.FeedDiversity), Pages: pages}),
		Editor: content.NewEditor(postgres.NewEditStore(db), time.Now),
		Notify: notify.NewService(postgres.NewNotificationStore(db), cfg.WebhooksPrivate || cfg.Dev),
		Auth:   authService,
		Privacy: privacy.NewService(postgres.NewPrivacyStore(db), authService,
			privacy.ContentFate(cfg.EraseContent)),
	}
	stores := loaders.Stores{Users: catalogueUsers{cat}, Topics: catalogueTopics{cat}, Contents: catalogueContents{cat},
		Interactions: postgres.NewInteractionStore(db), Accounts: postgres.NewAccountStore(db)}
	return services, stores
}

// catalogue is the primary's catalogue stores and, when there is one, a read replica's, which
// answers the reads of ctxs that replica.Pinned does not pin to the primary.
type catalogue struct {
	contents *postgres.ContentStore
	topics   *postgres.TopicStore
	users    *postgres.UserStore
	read     *catalogue
}

func (c catalogue) at(ctx context.Context) catalogue {
	if c.read == nil || replica.Pinned(ctx) {
		return c
	}
	return *c.read
}

// catalogueContents reads content items, from the replica unless ctx is pinned.
type catalogueContents struct{ c catalogue }

func (r catalogueContents) List(ctx context.Context, lq content.ListQuery) (content.List, error) {
	return r.c.at(ctx).contents.List(ctx, lq)
}

func (r catalogueContents) Count(ctx context.Context, v access.Viewer, f content.Filter) (int, error) {
	return r.c.at(ctx).contents.Count(ctx, v, f)
}

func (r catalogueContents) ListByParents(ctx context.Context, parent content.Parent, parentIDs []int64, lq content.ListQuery) ([]content.List, error) {
	return r.c.at(ctx).contents.ListByParents(ctx, parent, parentIDs, lq)
}

func (r catalogueContents) CountByParents(ctx context.Context, parent content.Parent, parentIDs []int64, v access.Viewer) ([]int, error) {
	return r.c.at(ctx).contents.CountByParents(ctx, parent, parentIDs, v)
}

func (r catalogueContents) ByIDs(ctx context.Context, v access.Viewer, ids []int64, f content.Fields) ([]*content.Content, error) {
	return r.c.at(ctx).contents.ByIDs(ctx, v, ids, f)
}

func (r catalogueContents) BySlug(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, error) {
	return r.c.at(ctx).contents.BySlug(ctx, v, slug, f)
}

func (r catalogueContents) BySlugWithAuthor(ctx context.Context, v access.Viewer, slug string, f content.Fields) (*content.Content, *user.User, error) {
	return r.c.at(ctx).contents.BySlugWithAuthor(ctx, v, slug, f)
}

func (r catalogueContents) RelatedByIDs(ctx context.Context, v access.Viewer, ids []int64, first int, f content.Fields) ([][]*content.Content, error) {
	return r.c.at(ctx).contents.RelatedByIDs(ctx, v, ids, first, f)
}

func (r catalogueContents) Search(ctx context.Context, sq search.Query) (search.Page, error) {
	return r.c.at(ctx).contents.Search(ctx, sq)
}

// catalogueTopics reads topics, from the replica unless ctx is pinned.
type catalogueTopics struct{ c catalogue }

func (r catalogueTopics) List(ctx context.Context, p relay.Page) (content.TopicList, error) {
	return r.c.at(ctx).topics.List(ctx, p)
}

func (r catalogueTopics) Count(ctx context.Context) (int, error) {
	return r.c.at(ctx).topics.Count(ctx)
}

func (r catalogueTopics) ByIDs(ctx context.Context, ids []int64) ([]*content.Topic, error) {
	return r.c.at(ctx).topics.ByIDs(ctx, ids)
}

func (r catalogueTopics) BySlug(ctx context.Context, slug string) (*content.Topic, error) {
	return r.c.at(ctx).topics.BySlug(ctx, slug)
}

func (r catalogueTopics) IDsBySlugs(ctx context.Context, slugs []string) ([]int64, error) {
	return r.c.at(ctx).topics.IDsBySlugs(ctx, slugs)
}

func (r catalogueTopics) ByContentIDs(ctx context.Context, contentIDs []int64) ([][]*content.Topic, error) {
	return r.c.at(ctx).topics.ByContentIDs(ctx, contentIDs)
}

// catalogueUsers reads public profiles from the replica unless ctx is pinned or they include
// the viewer's own; preferences, which their owner reads right after changing them, always
// from the primary.
type catalogueUsers struct{ c catalogue }

func (r catalogueUsers) ByIDs(ctx context.Context, ids []int64) ([]*user.User, error) {
	// Viewers read their own profile right after signing up or editing it.
	if v := access.ViewerFrom(ctx); v.UserID != 0 && slices.Contains(ids, v.UserID) {
		return r.c.users.ByIDs(ctx, ids)
	}
	return r.c.at(ctx).users.ByIDs(ctx, ids)
}

func (r catalogueUsers) ByHandle(ctx context.Context, handle string) (*user.User, error) {
	return r.c.at(ctx).users.ByHandle(ctx, handle)
}

func (r catalogueUsers) PreferencesByUserIDs(ctx context.Context, userIDs []int64) ([]*user.Preferences, error) {
	return r.c.users.PreferencesByUserIDs(ctx, userIDs)
}
