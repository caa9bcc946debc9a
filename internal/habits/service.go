package habits

import (
	"context"
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/relay"
)

// Store records interactions and reads the shelves they build.
type Store interface {
	Record(ctx context.Context, v access.Viewer, contentID int64, k Kind, dwell time.Duration) error
	ShelfPage(ctx context.Context, v access.Viewer, userID int64, s Shelf, p relay.Page) ([]ShelfItem, bool, error)
	ShelfCount(ctx context.Context, v access.Viewer, userID int64, s Shelf) (int, error)
}

// Service records what people do with content and lists their shelves.
type Service struct {
	store Store
	pages relay.Limits
}

// NewService returns a Service over store, with shelf pages bounded by pages.
func NewService(store Store, pages relay.Limits) *Service {
	return &Service{store: store, pages: pages}
}

// Record records interaction k by v with an item; dwellMs, for views, is how long the item
// was read, watched or listened to.
func (s *Service) Record(ctx context.Context, v access.Viewer, contentID int64, k Kind, dwellMs *int) error {
	var dwell time.Duration
	if dwellMs != nil {
		if *dwellMs < 0 || time.Duration(*dwellMs)*time.Millisecond > MaxDwell {
			return apperr.FieldErrors{{Field: "dwellMs", Code: apperr.FieldInvalid, Message: "dwellMs is between 0 and 86400000 (one day)"}}
		}
		dwell = time.Duration(*dwellMs) * time.Millisecond
	}
	return s.store.Record(ctx, v, contentID, k, dwell)
}

// Shelf returns one page of userID's shelf as v may see its items, most recent first.
func (s *Service) Shelf(ctx context.Context, v access.Viewer, userID int64, shelf Shelf, first *int, after *string) (ShelfPage, error) {
	page, err := relay.PageArgs{First: first, After: after}.Resolve(shelf.CursorName(), s.pages)
	if err != nil {
		return ShelfPage{}, err
	}
	items, more, err := s.store.ShelfPage(ctx, v, userID, shelf, page)
	return ShelfPage{Shelf: shelf, Items: items, More: more, Page: page}, err
}

// ShelfCount returns how many items on userID's shelf v may see.
func (s *Service) ShelfCount(ctx context.Context, v access.Viewer, userID int64, shelf Shelf) (int, error) {
	return s.store.ShelfCount(ctx, v, userID, shelf)
}
