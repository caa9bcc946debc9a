// Package loaders batches the database reads of one GraphQL operation: every relation a
// resolver follows goes through a loader here, so an operation runs one statement per level
// of its query, however many items each level returns.
package loaders

import (
	"context"
	"net/http"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// UserReader reads accounts and their preferences by ID, in key order, nil where missing.
type UserReader interface {
	ByIDs(ctx context.Context, ids []int64) ([]*user.User, error)
	PreferencesByUserIDs(ctx context.Context, ids []int64) ([]*user.Preferences, error)
}

// TopicReader reads topics by ID and the topics of content items, in key order.
type TopicReader interface {
	ByIDs(ctx context.Context, ids []int64) ([]*content.Topic, error)
	ByContentIDs(ctx context.Context, contentIDs []int64) ([][]*content.Topic, error)
}

// ContentReader reads content items, pages of them under parents, their counts and related
// items, in key order and through the viewer's visibility rules.
type ContentReader interface {
	ByIDs(ctx context.Context, v access.Viewer, ids []int64, f content.Fields) ([]*content.Content, error)
	ListByParents(ctx context.Context, parent content.Parent, parentIDs []int64, q content.ListQuery) ([]content.List, error)
	CountByParents(ctx context.Context, parent content.Parent, parentIDs []int64, v access.Viewer) ([]int, error)
	RelatedByIDs(ctx context.Context, v access.Viewer, ids []int64, first int, f content.Fields) ([][]*content.Content, error)
}

// StateReader reads a viewer's state for content items, in key order.
type StateReader interface {
	ViewerStates(ctx context.Context, userID int64, contentIDs []int64) ([]*habits.ViewerState, error)
}

// KeyReader reads users' API keys, in key order.
type KeyReader interface {
	APIKeysByUserIDs(ctx context.Context, userIDs []int64) ([][]*auth.APIKey, error)
}

// Stores are the batch reads the loaders are built on.
type Stores struct {
	Users        UserReader
	Topics       TopicReader
	Contents     ContentReader
	Interactions StateReader
	Accounts     KeyReader
}

// Config tunes the loaders.
type Config struct {
	// Wait is how long a batch stays open for more keys after the first one arrives.
	Wait time.Duration
	// MaxBatch closes a batch early once it holds this many keys.
	MaxBatch int
	// ObserveBatch, when set, is told the number of keys of every batch read, with the name
	// of the loader (such as "ContentByID") or of the batch read begun with Batch.
	ObserveBatch func(loader string, keys int)
}

// ContentKey asks for one content item, with the fields to read of it.
type ContentKey struct {
	ID     int64
	Fields content.Fields
}

// ChildPage asks for one page of the content under a parent (an author or a topic), in the
// ordering Order and with the position of the page's cursor.
type ChildPage struct {
	ParentID int64
	Order    content.Order
	Limit    int
	Backward bool
	// HasCursor tells whether CursorKey and CursorID hold a position.
	HasCursor bool
	CursorKey string
	CursorID  int64
	Fields    content.Fields
}

// NewChildPage builds the key for one parent's page, reading the fields f of its items.
func NewChildPage(parentID int64, o content.Order, p relay.Page, f content.Fields) ChildPage {
	k := ChildPage{ParentID: parentID, Order: o, Limit: p.Limit, Backward: p.Backward, Fields: f}
	if p.Cursor != nil {
		k.HasCursor, k.CursorKey, k.CursorID = true, p.Cursor.Key, p.Cursor.ID
	}
	return k
}

func (k ChildPage) page() relay.Page {
	p := relay.Page{Limit: k.Limit, Backward: k.Backward}
	if k.HasCursor {
		p.Cursor = &relay.Cursor{Order: k.Order.CursorName(), Key: k.CursorKey, ID: k.CursorID}
	}
	return p
}

// withoutParent is the part of a key shared by all the parents one statement can serve.
func (k ChildPage) withoutParent() ChildPage {
	k.ParentID = 0
	return k
}

// Loaders are one operation's loaders. They cache for the life of the operation only.
type Loaders struct {
	UserByID             *dataloader.Loader[int64, *user.User]
	PreferencesByUserID  *dataloader.Loader[int64, *user.Preferences]
	TopicByID            *dataloader.Loader[int64, *content.Topic]
	ContentByID          *dataloader.Loader[ContentKey, *content.Content]
	TopicsByContentID    *dataloader.Loader[int64, []*content.Topic]
	ContentsByAuthor     *dataloader.Loader[ChildPage, content.List]
	ContentsByTopic      *dataloader.Loader[ChildPage, content.List]
	ContentCountByAuthor *dataloader.Loader[int64, int]
	ContentCountByTopic  *dataloader.Loader[int64, int]
	APIKeysByUserID      *dataloader.Loader[int64, []*auth.APIKey]
	RelatedByContentID   *dataloader.Loader[RelatedKey, []*content.Content]
	// ViewerStateByContentID answers for the operation's viewer; it is nil for anonymous viewers.
	ViewerStateByContentID *dataloader.Loader[int64, *habits.ViewerState]

	// Users and ViewerStates are what UserByID and ViewerStateByContentID already hold,
	// readable without loading (ViewerStates is nil for anonymous viewers).
	Users        *Known[int64, *user.User]
	ViewerStates *Known[int64, *habits.ViewerState]

	memoMu sync.Mutex
	memo   map[any]bool
}

// New builds the loaders for one operation run by viewer v.
func New(ctx context.Context, s Stores, cfg Config, v access.Viewer) *Loaders {
	users := dataloader.NewCache[int64, *user.User]()
	l := &Loaders{
		Users:               &Known[int64, *user.User]{users},
		UserByID:            newLoader(cfg, "UserByID", byID(s.Users.ByIDs), dataloader.WithCache[int64, *user.User](users)),
		PreferencesByUserID: newLoader(cfg, "PreferencesByUserID", byID(s.Users.PreferencesByUserIDs)),
		TopicByID:           newLoader(cfg, "TopicByID", byID(s.Topics.ByIDs)),
		ContentByID: newLoader(cfg, "ContentByID", grouped(
			func(k ContentKey) (content.Fields, int64) { return k.Fields, k.ID },
			func(ctx context.Context, f content.Fields, ids []int64) ([]*content.Content, error) {
				return s.Contents.ByIDs(ctx, v, ids, f)
			})),
		TopicsByContentID:    newLoader(cfg, "TopicsByContentID", byID(s.Topics.ByContentIDs)),
		ContentsByAuthor:     newLoader(cfg, "ContentsByAuthor", childPages(s.Contents, content.ParentAuthor, v)),
		ContentsByTopic:      newLoader(cfg, "ContentsByTopic", childPages(s.Contents, content.ParentTopic, v)),
		ContentCountByAuthor: newLoader(cfg, "ContentCountByAuthor", byID(countByParents(s.Contents, content.ParentAuthor, v))),
		ContentCountByTopic:  newLoader(cfg, "ContentCountByTopic", byID(countByParents(s.Contents, content.ParentTopic, v))),
		APIKeysByUserID:      newLoader(cfg, "APIKeysByUserID", byID(s.Accounts.APIKeysByUserIDs)),
		RelatedByContentID:   newLoader(cfg, "RelatedByContentID", relatedBatch(s, v)),
	}
	if v.Account != nil {
		l.UserByID.Prime(ctx, v.Account.ID, v.Account)
	}
	if !v.Anonymous() {
		states := dataloader.NewCache[int64, *habits.ViewerState]()
		l.ViewerStates = &Known[int64, *habits.ViewerState]{states}
		l.ViewerStateByContentID = newLoader(cfg, "ViewerStateByContentID", byID(func(ctx context.Context, ids []int64) ([]*habits.ViewerState, error) {
			return s.Interactions.ViewerStates(ctx, v.UserID, ids)
		}), dataloader.WithCache[int64, *habits.ViewerState](states))
	}
	return l
}

func newLoader[K comparable, V any](cfg Config, name string, fn dataloader.BatchFunc[K, V], extra ...dataloader.Option[K, V]) *dataloader.Loader[K, V] {
	opts := append([]dataloader.Option[K, V]{dataloader.WithWait[K, V](cfg.Wait)}, extra...)
	if cfg.MaxBatch > 0 {
		opts = append(opts, dataloader.WithBatchCapacity[K, V](cfg.MaxBatch))
	}
	return dataloader.NewBatchedLoader(observed(cfg, name, fn), opts...)
}

// tracerName names the tracer of loader batch spans.
const tracerName = "github.com/tailorhq/tailor/internal/loaders"

// observed runs every batch of fn under cfg.Batch.
func observed[K comparable, V any](cfg Config, name string, fn dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		ctx, done := cfg.Batch(ctx, name, len(keys))
		defer done()
		return fn(ctx, keys)
	}
}

// Batch begins one batch read of keys keys by the loader (or tree level) named name: it tells
// ObserveBatch and, when ctx belongs to a recorded trace, opens the batch's span. The read
// runs with the returned context; done ends the span.
func (cfg Config) Batch(ctx context.Context, name string, keys int) (_ context.Context, done func()) {
	if cfg.ObserveBatch != nil {
		cfg.ObserveBatch(name, keys)
	}
	parent := trace.SpanFromContext(ctx)
	if !parent.IsRecording() {
		return ctx, nothing
	}
	ctx, span := parent.TracerProvider().Tracer(tracerName).Start(ctx, "loader "+name,
		trace.WithAttributes(attribute.String("loader.name", name), attribute.Int("loader.batch_size", keys)))
	return ctx, func() { span.End() }
}

func nothing() {}

// byID adapts a store read that answers in key order into a batch function.
func byID[V any](fetch func(context.Context, []int64) ([]V, error)) dataloader.BatchFunc[int64, V] {
	return func(ctx context.Context, ids []int64) []*dataloader.Result[V] {
		values, err := fetch(ctx, ids)
		return results(len(ids), values, err)
	}
}

// grouped runs one read per group of keys that share everything but their ID, and places
// every answer back at its key's position.
func grouped[K comparable, G comparable, V any](split func(K) (G, int64), fetch func(context.Context, G, []int64) ([]V, error)) dataloader.BatchFunc[K, V] {
	return func(ctx context.Context, keys []K) []*dataloader.Result[V] {
		type member struct {
			ids       []int64
			positions []int
		}
		groups := make(map[G]*member)
		var order []G
		for i, k := range keys {
			g, id := split(k)
			m, ok := groups[g]
			if !ok {
				m = &member{}
				groups[g] = m
				order = append(order, g)
			}
			m.ids = append(m.ids, id)
			m.positions = append(m.positions, i)
		}
		out := make([]*dataloader.Result[V], len(keys))
		for _, g := range order {
			m := groups[g]
			values, err := fetch(ctx, g, m.ids)
			for j, r := range results(len(m.ids), values, err) {
				out[m.positions[j]] = r
			}
		}
		return out
	}
}

func childPages(s ContentReader, parent content.Parent, v access.Viewer) dataloader.BatchFunc[ChildPage, content.List] {
	return grouped(
		func(k ChildPage) (ChildPage, int64) { return k.withoutParent(), k.ParentID },
		func(ctx context.Context, k ChildPage, ids []int64) ([]content.List, error) {
			return s.ListByParents(ctx, parent, ids, content.ListQuery{
				Viewer: v, Order: k.Order, Page: k.page(), Fields: k.Fields,
			})
		})
}

func countByParents(s ContentReader, parent content.Parent, v access.Viewer) func(context.Context, []int64) ([]int, error) {
	return func(ctx context.Context, ids []int64) ([]int, error) {
		return s.CountByParents(ctx, parent, ids, v)
	}
}

// results turns a read's answer into one result per key. A failed read fails every key; a
// read that answered the wrong number of values is a bug reported on every key. Failures are
// not remembered: Get and GetMany clear them, so a retry reads again.
func results[V any](n int, values []V, err error) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], n)
	for i := range out {
		switch {
		case err != nil:
			out[i] = &dataloader.Result[V]{Error: err}
		case len(values) != n:
			out[i] = &dataloader.Result[V]{Error: errWrongLength}
		default:
			out[i] = &dataloader.Result[V]{Data: values[i]}
		}
	}
	return out
}

type loaderError string

func (e loaderError) Error() string { return string(e) }

const errWrongLength = loaderError("loaders: a batch read answered the wrong number of keys")

type ctxKey struct{}

// Known is what a loader already holds, loaded or primed, read without loading anything.
type Known[K comparable, V any] struct {
	cache *dataloader.InMemoryCache[K, V]
}

// Fill puts in out the values the loader holds for keys, and returns the keys it does not
// hold. A key whose load is under way waits for it.
func (k *Known[K, V]) Fill(ctx context.Context, keys []K, out map[K]V) []K {
	var missing []K
	for _, key := range keys {
		if thunk, ok := k.cache.Get(ctx, key); ok {
			if v, err := thunk(); err == nil {
				out[key] = v
				continue
			}
		}
		missing = append(missing, key)
	}
	return missing
}

// Get loads key through l and forgets a failure, so that asking again reads again instead of
// repeating the error (dataloader v7 caches failed loads too).
func Get[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, V], key K) (V, error) {
	v, err := l.Load(ctx, key)()
	if err != nil {
		l.Clear(ctx, key)
	}
	return v, err
}

// GetMany loads keys through l and forgets the keys that failed.
func GetMany[K comparable, V any](ctx context.Context, l *dataloader.Loader[K, V], keys []K) ([]V, error) {
	values, errs := l.LoadMany(ctx, keys)()
	var first error
	for i, err := range errs {
		if err != nil {
			l.Clear(ctx, keys[i])
			if first == nil {
				first = err
			}
		}
	}
	return values, first
}

// For returns the loaders of the operation ctx belongs to.
func For(ctx context.Context) *Loaders {
	switch l := ctx.Value(ctxKey{}).(type) {
	case *Loaders:
		return l
	case *lazy:
		l.once.Do(func() { l.l = l.build() })
		return l.l
	}
	return nil
}

// lazy builds loaders the first time they are asked for.
type lazy struct {
	once  sync.Once
	build func() *Loaders
	l     *Loaders
}

// WithNew returns a context whose loaders are built for v the first time a resolver asks for
// them: a subscription's messages, most of which need none, each get their own.
func WithNew(ctx context.Context, s Stores, cfg Config, v access.Viewer) context.Context {
	return context.WithValue(ctx, ctxKey{}, &lazy{build: func() *Loaders { return New(ctx, s, cfg, v) }})
}

// With returns a context that carries l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// Middleware gives every request its own loaders, built for the request's viewer. It must run
// after the middleware that identifies the viewer.
func Middleware(s Stores, cfg Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		next.ServeHTTP(w, r.WithContext(With(ctx, New(ctx, s, cfg, access.ViewerFrom(ctx)))))
	})
}
