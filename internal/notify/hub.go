package notify

import (
	"context"
	"errors"
	"log/slog"
	"slices"
	"sync"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/user"
)

// HubStore reads what fanned-out events made, for live subscribers.
type HubStore interface {
	NotificationsOfEvents(ctx context.Context, eventIDs, userIDs []int64) ([]Notification, error)
	PublishedByEvents(ctx context.Context, eventIDs []int64) (map[int64]Published, error)
}

// Published is an item an event announces, with its topics.
type Published struct {
	ContentID int64
	TopicIDs  []int64
}

// ContentReader reads items as a viewer may see them (nil for those they may not).
type ContentReader interface {
	ByIDs(ctx context.Context, v access.Viewer, ids []int64, f content.Fields) ([]*content.Content, error)
}

// UserReader reads accounts (nil for those that do not exist).
type UserReader interface {
	ByIDs(ctx context.Context, ids []int64) ([]*user.User, error)
}

// ErrTooSlow ends a subscription whose subscriber fell too far behind.
var ErrTooSlow = errors.New("the subscriber fell too far behind: it did not read its last messages in time")

// Subscription is one live subscriber's stream. C closes when the subscription ends; Err then
// says why (nil when its context ended).
type Subscription[T any] struct {
	C      <-chan T
	c      chan T
	done   chan struct{}
	err    error
	viewer access.Viewer
	topics []int64
	once   sync.Once
}

// Err says why the subscription ended, once C is closed.
func (s *Subscription[T]) Err() error {
	<-s.done
	return s.err
}

func newSubscription[T any](buffer int, v access.Viewer, topics []int64) *Subscription[T] {
	c := make(chan T, buffer)
	return &Subscription[T]{C: c, c: c, done: make(chan struct{}), viewer: v, topics: topics}
}

// end closes the stream once, with err as its reason.
func (s *Subscription[T]) end(err error) {
	s.once.Do(func() {
		s.err = err
		close(s.done)
		close(s.c)
	})
}

// offer hands v over without waiting; a full buffer ends the subscription as too slow, so a
// slow subscriber never holds up the others or the publisher.
func (s *Subscription[T]) offer(v T) {
	select {
	case <-s.done:
	case s.c <- v:
	default:
		s.end(ErrTooSlow)
	}
}

// Hub hands the events every replica hears of to this replica's live subscribers: each
// user's new notifications, and published items to those who may see them.
type Hub struct {
	store    HubStore
	contents ContentReader
	users    UserReader
	buffer   int
	logger   *slog.Logger

	mu        sync.Mutex
	byUser    map[int64]map[*Subscription[*Notification]]struct{}
	published map[*Subscription[*content.Content]]struct{}
	// seen remembers recent event IDs so an event heard twice (after a reconnect) is handed
	// over once.
	seen  map[int64]struct{}
	order []int64
	last  int64
}

// seenEvents is how many recent event IDs the hub remembers.
const seenEvents = 10000

// NewHub returns a hub whose subscribers each buffer at most buffer messages.
func NewHub(store HubStore, contents ContentReader, users UserReader, buffer int, logger *slog.Logger) *Hub {
	return &Hub{store: store, contents: contents, users: users, buffer: buffer, logger: logger,
		byUser:    make(map[int64]map[*Subscription[*Notification]]struct{}),
		published: make(map[*Subscription[*content.Content]]struct{}),
		seen:      make(map[int64]struct{})}
}

// Notifications subscribes v to their own new notifications until ctx ends.
func (h *Hub) Notifications(ctx context.Context, v access.Viewer) *Subscription[*Notification] {
	s := newSubscription[*Notification](h.buffer, v, nil)
	h.mu.Lock()
	subs := h.byUser[v.UserID]
	if subs == nil {
		subs = make(map[*Subscription[*Notification]]struct{})
		h.byUser[v.UserID] = subs
	}
	subs[s] = struct{}{}
	h.mu.Unlock()
	go untilDone(ctx, s, func() {
		delete(h.byUser[v.UserID], s)
		if len(h.byUser[v.UserID]) == 0 {
			delete(h.byUser, v.UserID)
		}
	}, &h.mu)
	return s
}

// untilDone waits for ctx or s to end, then removes s (remove runs with mu held) and ends it.
func untilDone[T any](ctx context.Context, s *Subscription[T], remove func(), mu *sync.Mutex) {
	select {
	case <-ctx.Done():
	case <-s.done:
	}
	mu.Lock()
	remove()
	mu.Unlock()
	s.end(nil)
}

// Published subscribes v to items published from now on under any of topics (every topic
// when empty) that v may see, until ctx ends.
func (h *Hub) Published(ctx context.Context, v access.Viewer, topics []int64) *Subscription[*content.Content] {
	s := newSubscription[*content.Content](h.buffer, v, topics)
	h.mu.Lock()
	h.published[s] = struct{}{}
	h.mu.Unlock()
	go untilDone(ctx, s, func() { delete(h.published, s) }, &h.mu)
	return s
}

// Counts returns how many notification and publication subscriptions are open.
func (h *Hub) Counts() (notifications, published int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, subs := range h.byUser {
		notifications += len(subs)
	}
	return notifications, len(h.published)
}

// Last returns the newest event the hub handed over.
func (h *Hub) Last() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.last
}

// Dispatch hands the fanned-out events to the subscribers they concern.
func (h *Hub) Dispatch(ctx context.Context, eventIDs []int64) {
	h.mu.Lock()
	fresh := eventIDs[:0:0]
	for _, id := range eventIDs {
		if _, ok := h.seen[id]; ok {
			continue
		}
		h.seen[id] = struct{}{}
		h.order = append(h.order, id)
		h.last = max(h.last, id)
		fresh = append(fresh, id)
	}
	if over := len(h.order) - seenEvents; over > 0 {
		for _, id := range h.order[:over] {
			delete(h.seen, id)
		}
		h.order = slices.Delete(h.order, 0, over)
	}
	users := make([]int64, 0, len(h.byUser))
	for id := range h.byUser {
		users = append(users, id)
	}
	anyPublished := len(h.published) > 0
	h.mu.Unlock()
	if len(fresh) == 0 {
		return
	}
	if len(users) > 0 {
		h.dispatchNotifications(ctx, fresh, users)
	}
	if anyPublished {
		h.dispatchPublished(ctx, fresh)
	}
}

func (h *Hub) dispatchNotifications(ctx context.Context, eventIDs, users []int64) {
	ns, err := h.store.NotificationsOfEvents(ctx, eventIDs, users)
	if err != nil {
		h.logger.Error("live notifications could not be read", "events", len(eventIDs), "err", err)
		return
	}
	if err := h.attach(ctx, ns); err != nil {
		h.logger.Error("live notifications' items could not be read", "events", len(eventIDs), "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i := range ns {
		for s := range h.byUser[ns[i].UserID] {
			n := ns[i]
			s.offer(&n)
		}
	}
}

// attach reads the items and actors of ns once, for every subscriber: notifications concern
// listed items and public profiles, which everyone may see.
func (h *Hub) attach(ctx context.Context, ns []Notification) error {
	var contentIDs, actorIDs []int64
	for _, n := range ns {
		if n.ContentID != nil && !slices.Contains(contentIDs, *n.ContentID) {
			contentIDs = append(contentIDs, *n.ContentID)
		}
		if n.ActorID != nil && !slices.Contains(actorIDs, *n.ActorID) {
			actorIDs = append(actorIDs, *n.ActorID)
		}
	}
	items, err := h.contents.ByIDs(ctx, access.Viewer{}, contentIDs, content.AllFields)
	if err != nil {
		return err
	}
	actors, err := h.users.ByIDs(ctx, actorIDs)
	if err != nil {
		return err
	}
	for i := range ns {
		if j := slices.Index(contentIDs, ptrValue(ns[i].ContentID)); j >= 0 {
			ns[i].Content = items[j]
		}
		if j := slices.Index(actorIDs, ptrValue(ns[i].ActorID)); j >= 0 {
			ns[i].Actor = actors[j]
		}
	}
	return nil
}

func ptrValue(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}

func (h *Hub) dispatchPublished(ctx context.Context, eventIDs []int64) {
	byEvent, err := h.store.PublishedByEvents(ctx, eventIDs)
	if err != nil || len(byEvent) == 0 {
		if err != nil {
			h.logger.Error("published items could not be read", "events", len(eventIDs), "err", err)
		}
		return
	}
	ids := make([]int64, 0, len(byEvent))
	topics := make(map[int64][]int64, len(byEvent))
	for _, e := range eventIDs {
		if p, ok := byEvent[e]; ok {
			ids = append(ids, p.ContentID)
			topics[p.ContentID] = p.TopicIDs
		}
	}
	// Read as an anonymous visitor: only listed items are announced, and they are open to
	// everyone; each subscriber is still checked against the item.
	items, err := h.contents.ByIDs(ctx, access.Viewer{}, ids, content.AllFields)
	if err != nil {
		h.logger.Error("published items could not be read", "items", len(ids), "err", err)
		return
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range items {
		if c == nil {
			continue
		}
		for s := range h.published {
			if c.VisibleTo(s.viewer) && (len(s.topics) == 0 || slices.ContainsFunc(topics[c.ID], func(t int64) bool { return slices.Contains(s.topics, t) })) {
				item := *c
				s.offer(&item)
			}
		}
	}
}
