package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/config"
	"github.com/tailorhq/tailor/internal/mail"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/webhook"
)

// webhookTimeout bounds one webhook call.
const webhookTimeout = 10 * time.Second

// unsubscribeKey derives the key that signs unsubscribe links from the token signing key, so
// one secret is configured and a link never doubles as an access token.
func unsubscribeKey(k auth.Key) []byte {
	m := hmac.New(sha256.New, k.Secret)
	m.Write([]byte("tailor unsubscribe links"))
	return m.Sum(nil)
}

// publicURL is where people reach this server, for links in mail.
func publicURL(cfg config.Config) string {
	if cfg.PublicURL != "" {
		return strings.TrimRight(cfg.PublicURL, "/")
	}
	return "http://" + cfg.Addr
}

// newWorker builds the notification worker: mail over SMTP (or to the log), webhooks over HTTP.
func newWorker(cfg config.Config, db *sqlx.DB, key auth.Key, logger *slog.Logger) (*notify.Worker, error) {
	var sender notify.MailSender = mail.NewLog(logger)
	if cfg.SMTPURL != "" {
		s, err := mail.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return nil, fmt.Errorf("TAILOR_SMTP_URL: %w", err)
		}
		sender = s
	} else {
		logger.Info("TAILOR_SMTP_URL is not set: notification mail is written to the log")
	}
	unsub, err := mail.NewUnsubscribe(unsubscribeKey(key), time.Now)
	if err != nil {
		return nil, err
	}
	base := cfg.RetryBase
	return notify.NewWorker(postgres.NewNotificationStore(db), sender, webhook.NewClient(webhookTimeout, cfg.WebhooksPrivate || cfg.Dev), unsub,
		notify.WorkerOptions{Poll: cfg.NotifyPoll, MaxAttempts: cfg.DeliveryAttempts, PublicURL: publicURL(cfg),
			Lease: cfg.DeliveryLease, DigestHour: cfg.DigestHour, DigestEvery: cfg.DigestInterval,
			Backoff: func(attempt int) time.Duration {
				return webhook.Backoff(attempt, nil) * base / webhook.BackoffBase
			}}, logger), nil
}

// unsubscribeHandler serves the one-click unsubscribe links of notification mail.
func unsubscribeHandler(db *sqlx.DB, key auth.Key, logger *slog.Logger) (http.Handler, error) {
	unsub, err := mail.NewUnsubscribe(unsubscribeKey(key), time.Now)
	if err != nil {
		return nil, err
	}
	return unsub.Handler(postgres.NewNotificationStore(db).TurnOffEmail, logger), nil
}

// startNotifications starts this process's part of the notification pipeline until ctx ends:
// the listener that feeds hub (nil for a worker process) and wakes the worker, and the worker
// itself when runWorker is set.
func startNotifications(ctx context.Context, cfg config.Config, db *sqlx.DB, key auth.Key, hub *notify.Hub, runWorker bool, workers *sync.WaitGroup, logger *slog.Logger) error {
	var wake chan struct{}
	if runWorker {
		w, err := newWorker(cfg, db, key, logger)
		if err != nil {
			return err
		}
		wake = make(chan struct{}, 1)
		workers.Add(1)
		go func() {
			defer workers.Done()
			w.Run(ctx, wake)
		}()
	}
	var sink postgres.EventSink
	if hub != nil {
		sink = hub
	}
	go func() {
		if err := postgres.ListenEvents(ctx, cfg.DatabaseURL, postgres.NewNotificationStore(db), sink, wake, logger); err != nil {
			logger.Error("event announcements stopped: live subscriptions hear nothing and workers poll", "err", err)
		}
	}()
	return nil
}

// workerCommand runs notification workers alone, for deployments that scale them apart from
// serve.
func workerCommand(ctx context.Context, cfg config.Config, args []string, stdout interface{ Write([]byte) (int, error) }) error {
	fs := newFlags("worker", stdout)
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL (DATABASE_URL)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := newLogger(cfg, stdout)
	db, err := openDB(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	key, err := signingKey(ctx, cfg, postgres.NewAccountStore(db), logger)
	if err != nil {
		return err
	}
	var workers sync.WaitGroup
	if err := startNotifications(ctx, cfg, db, key, nil, true, &workers, logger); err != nil {
		return err
	}
	logger.Info("tailor worker is running")
	<-ctx.Done()
	workers.Wait()
	return nil
}
