package graph

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	coderws "github.com/coder/websocket"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/transport"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/notify"
)

// Close codes a subscription socket ends with, besides the protocol's own.
const (
	// CloseTooSlow: the subscriber did not read its messages in time.
	CloseTooSlow = 4429
	// CloseUnauthorized: the access token expired or was revoked while subscribed.
	CloseUnauthorized = 4401
	// CloseGoingAway: the server is shutting down (RFC 6455's 1001).
	CloseGoingAway = 1001
)

// Sockets are the open subscription websockets, so that shutdown can close them: an
// http.Server's Shutdown neither closes nor waits for connections a websocket took over.
type Sockets struct {
	mu      sync.Mutex
	open    map[*socket]struct{}
	closing bool
}

// NewSockets returns an empty set of sockets.
func NewSockets() *Sockets { return &Sockets{open: make(map[*socket]struct{})} }

// CloseAll ends every open socket with CloseGoingAway and refuses new ones from now on.
func (s *Sockets) CloseAll() {
	s.mu.Lock()
	s.closing = true
	open := make([]*socket, 0, len(s.open))
	for sock := range s.open {
		open = append(open, sock)
	}
	s.mu.Unlock()
	for _, sock := range open {
		sock.end(CloseGoingAway, "the server is shutting down; reconnect")
	}
}

// add tracks sock, unless the server is shutting down.
func (s *Sockets) add(sock *socket) bool {
	if s == nil {
		return true
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.open[sock] = struct{}{}
	return true
}

func (s *Sockets) remove(sock *socket) {
	if s == nil {
		return
	}
	s.mu.Lock()
	delete(s.open, sock)
	s.mu.Unlock()
}

// socket is one websocket connection's state: how to end it, and with what code.
type socket struct {
	mu     sync.Mutex
	code   int
	reason string
	cancel context.CancelFunc
}

type socketKey struct{}

func socketFrom(ctx context.Context) *socket {
	s, _ := ctx.Value(socketKey{}).(*socket)
	return s
}

// end closes the connection with code, telling the client why.
func (s *socket) end(code int, reason string) {
	if s == nil {
		return
	}
	s.mu.Lock()
	if s.code == 0 {
		s.code, s.reason = code, reason
	}
	cancel := s.cancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
}

// closeWith returns the code and reason the connection was ended with, if it was.
func (s *socket) closeWith() (int, string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.code, s.reason, s.code != 0
}

// socketImplementation accepts websockets with coder/websocket and lets a connection's socket
// choose the close code gqlgen sends when the connection's context ends.
type socketImplementation struct {
	inner transport.CoderWebsocketImplementation
}

func (i socketImplementation) Accept(w http.ResponseWriter, r *http.Request, o transport.WebsocketAcceptOptions) (transport.WebsocketConn, error) {
	c, err := i.inner.Accept(w, r, o)
	if err != nil {
		return nil, err
	}
	return &socketConn{WebsocketConn: c, socket: socketFrom(r.Context())}, nil
}

type socketConn struct {
	transport.WebsocketConn
	socket *socket
}

func (c *socketConn) WriteClose(code int, message string) error {
	if c.socket != nil {
		if sc, reason, ok := c.socket.closeWith(); ok {
			code, message = sc, reason
		}
	}
	return c.WebsocketConn.WriteClose(code, message)
}

func (c *socketConn) SetReadLimit(limit int64) {
	if l, ok := c.WebsocketConn.(transport.WebsocketReadLimiter); ok {
		l.SetReadLimit(limit)
	}
}

func (c *socketConn) SetReadDeadline(t time.Time) error {
	if d, ok := c.WebsocketConn.(transport.WebsocketReadDeadliner); ok {
		return d.SetReadDeadline(t)
	}
	return nil
}

// Authenticator identifies the viewer of a bearer credential.
type Authenticator interface {
	Authenticate(ctx context.Context, header string) (access.Viewer, error)
}

// recheckEvery is how often a subscribed viewer's token is checked again (revocation).
const recheckEvery = 10 * time.Second

// websocketTransport is the graphql-transport-ws (and graphql-ws) transport: the viewer is
// authenticated from connection_init's payload, re-checked while subscribed, and the socket
// closed with CloseUnauthorized when their token expires or is revoked.
func websocketTransport(a Authenticator, origins []string) transport.Websocket {
	return transport.Websocket{
		Implementation:        socketImplementation{inner: transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{OriginPatterns: origins}}},
		KeepAlivePingInterval: 15 * time.Second,
		InitTimeout:           10 * time.Second,
		InitFunc: func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
			header := p.Authorization()
			if header == "" {
				header, _ = p["authorization"].(string)
			}
			v, err := a.Authenticate(ctx, header)
			if err != nil {
				return transport.WithWebsocketCloseCode(ctx, CloseUnauthorized), nil, err
			}
			ctx, cancel := context.WithCancel(access.WithViewer(ctx, v))
			s := socketFrom(ctx)
			if s == nil {
				s = &socket{}
				ctx = context.WithValue(ctx, socketKey{}, s)
			}
			s.mu.Lock()
			s.cancel = cancel
			s.mu.Unlock()
			if !v.Anonymous() {
				go watchCredential(ctx, a, header, v, s)
			}
			return ctx, nil, nil
		},
	}
}

// watchCredential ends the socket when v's token expires or stops being accepted.
func watchCredential(ctx context.Context, a Authenticator, header string, v access.Viewer, s *socket) {
	var expiry <-chan time.Time
	if !v.TokenExpiresAt.IsZero() {
		t := time.NewTimer(time.Until(v.TokenExpiresAt))
		defer t.Stop()
		expiry = t.C
	}
	tick := time.NewTicker(recheckEvery)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-expiry:
			s.end(CloseUnauthorized, "the access token expired: log in again and resubscribe")
			return
		case <-tick.C:
			if _, err := a.Authenticate(ctx, header); err != nil && ctx.Err() == nil {
				s.end(CloseUnauthorized, "the access token was revoked: log in again and resubscribe")
				return
			}
		}
	}
}

// withSocket gives each websocket request its socket state before the transport accepts it,
// and keeps it among sockets while the connection lasts.
func withSocket(sockets *Sockets, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sock := &socket{}
		if !sockets.add(sock) {
			w.Header().Set("Retry-After", "1")
			http.Error(w, "the server is shutting down; connect again", http.StatusServiceUnavailable)
			return
		}
		defer sockets.remove(sock)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), socketKey{}, sock)))
	})
}

// isWebsocket reports whether r asks to upgrade to a websocket.
func isWebsocket(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("Upgrade"), "websocket")
}

// freshLoaders gives every subscription message loaders of its own, so no message reads from
// a cache another filled.
func freshLoaders(s loaders.Stores, cfg loaders.Config) graphql.ResponseMiddleware {
	return func(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
		return next(loaders.WithNew(ctx, s, cfg, access.ViewerFrom(ctx)))
	}
}

// stream hands a subscription's messages to gqlgen, and ends the socket as too slow when the
// hub dropped the subscriber.
func stream[T any](ctx context.Context, sub *notify.Subscription[T]) <-chan T {
	go func() {
		if err := sub.Err(); errors.Is(err, notify.ErrTooSlow) {
			socketFrom(ctx).end(CloseTooSlow, fmt.Sprintf("%v; resubscribe", err))
		}
	}()
	return sub.C
}
