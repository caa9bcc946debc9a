package postgres

import (
	"context"
	"log/slog"

	"github.com/lib/pq"
)

// EventSink is what hears of fanned-out events: the live subscriptions' hub.
type EventSink interface {
	Dispatch(ctx context.Context, eventIDs []int64)
	Last() int64
}

// missedEvents bounds how many events a reconnected listener reads back.
const missedEvents = 1000

// ListenEvents follows the pipeline's channels on a connection of its own to databaseURL until
// ctx ends: a written event wakes the worker (a non-blocking send on wake, which may be nil),
// fanned-out events go to sink. After a reconnect, the events fanned out since the last one
// the sink heard of are read back, since what was announced meanwhile is lost.
func ListenEvents(ctx context.Context, databaseURL string, store *NotificationStore, sink EventSink, wake chan<- struct{}, logger *slog.Logger) error {
	// Events fanned out before the listener started are not news to anyone here.
	since, err := store.LastEvent(ctx)
	if err != nil {
		return err
	}
	poke := func() {
		if wake == nil {
			return
		}
		select {
		case wake <- struct{}{}:
		default:
		}
	}
	return follow(ctx, databaseURL, []string{OutboxChannel, EventsChannel}, func(ev pq.ListenerEventType, err error) {
		if ev == pq.ListenerEventDisconnected && ctx.Err() == nil {
			logger.Warn("event announcements interrupted; reconnecting", "err", err)
		}
	}, func(n *pq.Notification) {
		switch {
		case n == nil:
			poke()
			if sink == nil {
				return
			}
			since = max(since, sink.Last())
			ids, err := store.EventsSince(ctx, since, missedEvents)
			if err != nil {
				logger.Error("reading events missed while reconnecting failed", "err", err)
				return
			}
			if len(ids) > 0 {
				sink.Dispatch(ctx, ids)
			}
		case n.Channel == OutboxChannel:
			poke()
		case sink != nil:
			ids, err := ParseEventIDs(n.Extra)
			if err != nil {
				logger.Error("unreadable events announcement", "err", err)
				return
			}
			sink.Dispatch(ctx, ids)
		}
	})
}
