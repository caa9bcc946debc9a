package postgres

import (
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/user"
)

// sessionChannel is the channel on which PostgreSQL announces, with a user's ID, every change
// to what accepts that user's tokens (migration 00012).
const sessionChannel = "tailor_sessions"

// SessionCacheUsers is how many users' sessions a CachedSessions remembers at once.
const SessionCacheUsers = 20000

// CachedSessions is the AccountStore with the sessions of signed-in requests remembered, so a
// user's next requests accept their token without a statement. It remembers only while it
// listens to PostgreSQL's announcements of session changes: a user's sessions are forgotten
// when a revocation, a role change or any edit of the account commits, on whichever replica;
// a change made through this process is forgotten before its call returns. While the
// listening connection is down, nothing is remembered and every request reads its session.
type CachedSessions struct {
	*AccountStore
	logger *slog.Logger
	maxAge time.Duration
	max    int

	mu        sync.Mutex
	listening bool
	// generation changes when everyone is forgotten, and forgotten[user] when that user is, so
	// a read that began before either is not kept.
	generation uint64
	forgotten  map[int64]uint64
	users      map[int64]map[string]cachedSession
}

type cachedSession struct {
	session    auth.Session
	at         time.Time
	refreshing bool
}

// NewCachedSessions returns the store with a session cache that holds at most maxUsers users'
// sessions, each read again (in the background) once it is maxAge old. It remembers nothing
// until Listen is running.
func NewCachedSessions(store *AccountStore, maxAge time.Duration, maxUsers int, logger *slog.Logger) *CachedSessions {
	return &CachedSessions{AccountStore: store, logger: logger, maxAge: maxAge, max: maxUsers,
		users: make(map[int64]map[string]cachedSession), forgotten: make(map[int64]uint64)}
}

// Listen follows the announcements of session changes on a connection of its own to
// databaseURL until ctx ends, reconnecting as lib/pq's Listener does.
func (c *CachedSessions) Listen(ctx context.Context, databaseURL string) error {
	defer c.setListening(false)
	return follow(ctx, databaseURL, []string{sessionChannel}, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventConnected, pq.ListenerEventReconnected:
			c.setListening(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			c.setListening(false)
			if err != nil && ctx.Err() == nil {
				c.logger.Warn("session announcements interrupted: every signed-in request reads its session until they resume", "err", err)
			}
		}
	}, func(n *pq.Notification) {
		if n == nil {
			// Reconnected: what was announced meanwhile is lost, so forget everyone.
			c.forget(0, true)
			return
		}
		id, err := strconv.ParseInt(n.Extra, 10, 64)
		c.forget(id, err != nil)
	})
}

func (c *CachedSessions) setListening(on bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.listening = on
	c.generation++
	clear(c.users)
	clear(c.forgotten)
}

// Listening reports whether the announcements are being followed, so sessions are remembered.
func (c *CachedSessions) Listening() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.listening
}

// forget drops the remembered sessions of userID, or of everyone.
func (c *CachedSessions) forget(userID int64, everyone bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if everyone || len(c.forgotten) >= 4*c.max {
		c.generation++
		clear(c.users)
		clear(c.forgotten)
		return
	}
	c.forgotten[userID]++
	delete(c.users, userID)
}

// Session answers from memory when it can, and otherwise reads the session and remembers it.
func (c *CachedSessions) Session(ctx context.Context, userID int64, tokenID string) (auth.Session, error) {
	c.mu.Lock()
	e, ok := c.users[userID][tokenID]
	stamp, listening := c.stamp(userID), c.listening
	c.mu.Unlock()
	if ok {
		if time.Since(e.at) >= c.maxAge && !e.refreshing {
			// Announcements keep the entry right; its age only bounds how long a change they
			// missed could go unseen. It is read again in the background, not on this request.
			c.refresh(context.WithoutCancel(ctx), userID, tokenID)
		}
		return e.session.Copy(), nil
	}
	s, err := c.AccountStore.Session(ctx, userID, tokenID)
	if err != nil || !listening {
		return s, err
	}
	c.remember(stamp, userID, tokenID, s)
	return s, nil
}

// stamp is what a read of userID's session must still find to be kept; c.mu is held.
type stamp struct{ all, user uint64 }

func (c *CachedSessions) stamp(userID int64) stamp {
	return stamp{all: c.generation, user: c.forgotten[userID]}
}

// refresh reads a remembered session again in the background and remembers what it finds.
func (c *CachedSessions) refresh(ctx context.Context, userID int64, tokenID string) {
	c.mu.Lock()
	e, ok := c.users[userID][tokenID]
	if !ok || e.refreshing {
		c.mu.Unlock()
		return
	}
	e.refreshing = true
	c.users[userID][tokenID] = e
	st := c.stamp(userID)
	c.mu.Unlock()
	go func() {
		s, err := c.AccountStore.Session(ctx, userID, tokenID)
		if err != nil {
			c.forget(userID, false)
			return
		}
		c.remember(st, userID, tokenID, s)
	}()
}

// remember keeps s for the user's token unless the user (or everyone) was forgotten since the
// read began.
func (c *CachedSessions) remember(st stamp, userID int64, tokenID string, s auth.Session) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp(userID) != st || !c.listening {
		return
	}
	tokens := c.users[userID]
	if tokens == nil {
		if len(c.users) >= c.max {
			for id := range c.users {
				delete(c.users, id)
				break
			}
		}
		tokens = make(map[string]cachedSession, 1)
		c.users[userID] = tokens
	}
	tokens[tokenID] = cachedSession{session: s.Copy(), at: time.Now()}
}

// RevokeToken revokes the token and forgets the user's sessions here at once; other replicas
// hear of it from PostgreSQL.
func (c *CachedSessions) RevokeToken(ctx context.Context, userID int64, tokenID string, expiresAt time.Time) error {
	defer c.forget(userID, false)
	return c.AccountStore.RevokeToken(ctx, userID, tokenID, expiresAt)
}

// RevokeAllTokens revokes every token of the user and forgets their sessions here at once.
func (c *CachedSessions) RevokeAllTokens(ctx context.Context, userID int64) error {
	defer c.forget(userID, false)
	return c.AccountStore.RevokeAllTokens(ctx, userID)
}

// SetRole changes the user's role and forgets their sessions here at once.
func (c *CachedSessions) SetRole(ctx context.Context, userID int64, role user.Role) (*user.User, error) {
	defer c.forget(userID, false)
	return c.AccountStore.SetRole(ctx, userID, role)
}
