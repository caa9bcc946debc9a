// Package tree executes the selection under a field as a whole: it walks the selection once,
// reads each level of it for all its objects at once (one statement per relation and level,
// the sibling relations of a level concurrently), and writes the answer's JSON itself.
//
// gqlgen resolves each field of each object on its own: a field context, a goroutine for
// most relations, a closure and an allocation or two per value. For a page of fifty items
// with their authors and topics that is tens of thousands of allocations, where the data is
// a few hundred rows. The tree takes over at the first field whose result it knows (a
// content, user or topic, a list of them, or a connection of them), once that field's own
// resolver has run; it declines a selection it cannot answer exactly as gqlgen would (an
// argument out of bounds, a field it does not know, a relation that went missing), and gqlgen
// then executes that field as usual, offering the tree each field below it.
package tree

import (
	"context"
	"errors"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/graph/model"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// ShelfReader reads the shelves of a user (bookmarks and history), as a viewer may see them.
type ShelfReader interface {
	Shelf(ctx context.Context, v access.Viewer, userID int64, s habits.Shelf, first *int, after *string) (habits.ShelfPage, error)
	ShelfCount(ctx context.Context, v access.Viewer, userID int64, s habits.Shelf) (int, error)
}

// Config is what a tree reads with.
type Config struct {
	// Stores are the batch reads; the request's loaders are consulted first and primed after.
	Stores loaders.Stores
	// Shelves read bookmarks and history.
	Shelves ShelfReader
	// Pages bound every page.
	Pages relay.Limits
	// ViewerFor returns whom a field is read for: the request's viewer, or the account a
	// sign-in payload just signed in.
	ViewerFor func(ctx context.Context) access.Viewer
	// Observe, when set, is told of every tree: whether it answered or declined.
	Observe func(answered bool)
	// Batches observes and traces every batch read, as the loaders' batches are.
	Batches loaders.Config
}

// batch begins one batch read of n keys, named as the loader that reads the same would be.
func (t *tree) batch(name string, n int) (context.Context, func()) {
	return t.cfg.Batches.Batch(t.ctx, name, n)
}

// errDecline ends a tree that cannot answer its selection exactly; gqlgen answers it instead.
var errDecline = errors.New("tree: declined")

// Middleware returns the field middleware that hands the selection under a field whose result
// the tree knows to a tree. It must run inside the per-request loaders.
func Middleware(cfg Config) graphql.FieldMiddleware {
	return func(ctx context.Context, next graphql.Resolver) (any, error) {
		fc := graphql.GetFieldContext(ctx)
		if fc == nil || fc.Field.Field == nil || !rooted[fc.Field.Definition.Type.Name()] {
			return next(ctx)
		}
		res, err := next(ctx)
		if err != nil || res == nil {
			return res, err
		}
		t := &tree{ctx: ctx, oc: graphql.GetOperationContext(ctx), cfg: cfg, v: cfg.ViewerFor(ctx), l: loaders.For(ctx)}
		out, err := t.answer(res, fc.Field.Selections)
		if cfg.Observe != nil {
			cfg.Observe(err == nil && out != nil)
		}
		switch {
		case errors.Is(err, errDecline):
			return res, nil
		case err != nil:
			return nil, err
		case out == nil:
			return res, nil
		}
		return out, nil
	}
}

// rooted names the types whose fields a tree answers from their resolver's result.
var rooted = map[string]bool{
	"Content": true, "User": true, "Topic": true, "ContentConnection": true, "TopicConnection": true,
	"FeedConnection": true, "SearchConnection": true,
}

// tree is the execution of one field's selection.
type tree struct {
	ctx context.Context
	oc  *graphql.OperationContext
	cfg Config
	v   access.Viewer
	l   *loaders.Loaders
}

// answer loads and writes a resolver's result under its selection. It returns nil for a
// result it does not know (a typed nil, for one).
func (t *tree) answer(res any, sel ast.SelectionSet) (graphql.Marshaler, error) {
	var write func(*writer)
	switch r := res.(type) {
	case *content.Content:
		if r == nil {
			return nil, nil
		}
		lv := t.contents(sel, []*content.Content{r})
		if err := t.load(lv.load); err != nil {
			return nil, err
		}
		write = func(w *writer) { lv.write(w, r) }
	case []*content.Content:
		lv := t.contents(sel, r)
		if err := t.load(lv.load); err != nil {
			return nil, err
		}
		write = func(w *writer) { w.list(len(r), func(i int) { lv.write(w, r[i]) }) }
	case *model.ContentConnection:
		if r == nil {
			return nil, nil
		}
		conn := t.connection(sel)
		if err := conn.add(0, r); err != nil {
			return nil, err
		}
		if err := t.load(conn.load); err != nil {
			return nil, err
		}
		write = func(w *writer) { conn.write(w, 0) }
	case *user.User:
		if r == nil {
			return nil, nil
		}
		lv := t.users(sel)
		lv.add(r)
		if err := t.load(lv.load); err != nil {
			return nil, err
		}
		write = func(w *writer) { lv.write(w, r.ID) }
	case *content.Topic:
		if r == nil {
			return nil, nil
		}
		lv := t.topics(sel)
		lv.add(r)
		if err := t.load(lv.load); err != nil {
			return nil, err
		}
		write = func(w *writer) { lv.write(w, r) }
	case *model.TopicConnection:
		if r == nil {
			return nil, nil
		}
		conn, err := t.topicConnection(sel, r)
		if err != nil {
			return nil, err
		}
		if err := t.load(conn.load); err != nil {
			return nil, err
		}
		write = conn.write
	case *model.FeedConnection:
		if r == nil {
			return nil, nil
		}
		f := t.feed(sel, r)
		if err := t.load(f.load); err != nil {
			return nil, err
		}
		write = f.write
	case *model.SearchConnection:
		if r == nil {
			return nil, nil
		}
		s := t.search(sel, r)
		if err := t.load(s.load); err != nil {
			return nil, err
		}
		write = s.write
	default:
		return nil, nil
	}
	return marshal(write), nil
}

// load runs a level's reads, then, level by level, the reads of the levels below it.
func (t *tree) load(first func(*batch) error) error {
	b := &batch{}
	if err := first(b); err != nil {
		return err
	}
	for len(b.next) > 0 {
		level := b.next
		b.next = nil
		if err := b.run(t.ctx, level); err != nil {
			return err
		}
	}
	return nil
}

// batch gathers the reads of one level of a tree: each runs concurrently with its siblings,
// and may add reads for the level below.
type batch struct {
	mu   sync.Mutex
	next []func(*batch) error
}

// then adds a read to the next level.
func (b *batch) then(read func(*batch) error) {
	b.mu.Lock()
	b.next = append(b.next, read)
	b.mu.Unlock()
}

// run runs reads concurrently and waits for all of them.
func (b *batch) run(ctx context.Context, reads []func(*batch) error) error {
	if len(reads) == 1 {
		return reads[0](b)
	}
	errs := make([]error, len(reads))
	var wg sync.WaitGroup
	for i, read := range reads[1:] {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i+1] = read(b)
		}()
	}
	errs[0] = reads[0](b)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.Join(errs...)
}

// fields collects a selection for one object type, through fragments and @skip/@include.
func (t *tree) fields(sel ast.SelectionSet, typ ...string) []graphql.CollectedField {
	return graphql.CollectFields(t.oc, sel, typ)
}

// args returns a field's arguments, variables substituted.
func (t *tree) args(f graphql.CollectedField) map[string]any {
	return f.ArgumentMap(t.oc.Variables)
}
