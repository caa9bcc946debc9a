package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/lib/pq"
)

// follow listens on channels over a connection of its own to databaseURL until ctx ends,
// reconnecting as lib/pq's Listener does. events hears of the connection's state; each
// notification goes to handle, and a nil one after every reconnect, since what was announced
// while the connection was down is lost.
func follow(ctx context.Context, databaseURL string, channels []string, events pq.EventCallbackType, handle func(n *pq.Notification)) error {
	l := pq.NewListener(databaseURL, 100*time.Millisecond, 10*time.Second, events)
	stop := context.AfterFunc(ctx, func() { _ = l.Close() })
	defer func() {
		stop()
		_ = l.Close()
	}()
	for _, ch := range channels {
		if err := l.Listen(ch); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("listen on %s: %w", ch, err)
		}
	}
	ping := time.NewTicker(time.Minute)
	defer ping.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case n, ok := <-l.Notify:
			if !ok {
				return nil
			}
			handle(n)
		case <-ping.C:
			// A ping proves the connection alive; lib/pq reconnects when it is not.
			go func() { _ = l.Ping() }()
		}
	}
}
