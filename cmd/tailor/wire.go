package main

import (
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/graph"
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
	"github.com/tailorhq/tailor/internal/search"
	"github.com/tailorhq/tailor/internal/user"
)

// wire builds the services the GraphQL layer calls, and the batch reads behind its loaders,
// over the PostgreSQL stores of db.
func wire(cfg config.Config, db *sqlx.DB, authService *auth.Service) (graph.Services, loaders.Stores) {
	pages := relay.Limits{Default: cfg.PageSizeDefault, Max: cfg.PageSizeMax}
	contents, topics, users := postgres.NewContentStore(db), postgres.NewTopicStore(db), postgres.NewUserStore(db)
	services := graph.Services{
		Catalog:  content.NewLister(contents, topics, pages),
		Searcher: search.NewService(contents, pages, time.Now),
		People:   user.NewService(users),
		Habits:   habits.NewService(postgres.NewHabitStore(db), pages),
		Ranker: feed.NewService(postgres.NewFeedStore(db), time.Now,
			feed.Options{Reuse: cfg.FeedReuse, CatalogueAge: cfg.FeedCatalogueAge,
				Diversity: feed.DefaultDiversity.Scaled(cfg.FeedDiversity), Pages: pages}),
		Editor: content.NewEditor(postgres.NewEditStore(db), time.Now),
		Notify: notify.NewService(postgres.NewNotificationStore(db), cfg.WebhooksPrivate || cfg.Dev),
		Auth:   authService,
		Privacy: privacy.NewService(postgres.NewPrivacyStore(db), authService,
			privacy.ContentFate(cfg.EraseContent)),
	}
	stores := loaders.Stores{Users: users, Topics: topics, Contents: contents,
		Interactions: postgres.NewInteractionStore(db), Accounts: postgres.NewAccountStore(db)}
	return services, stores
}
