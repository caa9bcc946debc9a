package user

import (
	"context"

	"github.com/tailorhq/tailor/internal/apperr"
)

// Default preferences of a user who never set any.
const (
	DefaultEmail    = EmailWeekly
	DefaultInApp    = true
	DefaultLocale   = "en"
	DefaultTimeZone = "UTC"
	// DefaultRecordHabits: interactions are kept as habits until the user says otherwise.
	DefaultRecordHabits = true
)

// Store keeps accounts' public profiles, preferences and follows.
type Store interface {
	ByHandle(ctx context.Context, handle string) (*User, error)
	PreferencesByUserIDs(ctx context.Context, ids []int64) ([]*Preferences, error)
	UpdatePreferences(ctx context.Context, userID int64, p PreferencesPatch) error
	Follow(ctx context.Context, follower, author int64) error
	Unfollow(ctx context.Context, follower, author int64) error
}

// Service keeps what people say they want: their preferences and the authors they follow.
type Service struct{ store Store }

// NewService returns a Service over store.
func NewService(store Store) *Service { return &Service{store: store} }

// ByHandle returns the user with the given handle, or nil.
func (s *Service) ByHandle(ctx context.Context, handle string) (*User, error) {
	return s.store.ByHandle(ctx, handle)
}

// UpdatePreferences applies a patch to userID's preferences, all or nothing, and returns
// them as they now are. Problems with the patch come back as apperr.FieldErrors.
func (s *Service) UpdatePreferences(ctx context.Context, userID int64, p PreferencesPatch) (*Preferences, error) {
	if errs := p.Validate(userID); len(errs) > 0 {
		return nil, errs
	}
	if err := s.store.UpdatePreferences(ctx, userID, p); err != nil {
		return nil, err
	}
	prefs, err := s.store.PreferencesByUserIDs(ctx, []int64{userID})
	if err != nil {
		return nil, err
	}
	return prefs[0], nil
}

// Follow makes follower follow author; nobody follows themselves.
func (s *Service) Follow(ctx context.Context, follower, author int64) error {
	if follower == author {
		return apperr.FieldErrors{{Field: "userId", Code: apperr.FieldInvalid, Message: "you cannot follow yourself"}}
	}
	return s.store.Follow(ctx, follower, author)
}

// Unfollow stops follower following author.
func (s *Service) Unfollow(ctx context.Context, follower, author int64) error {
	return s.store.Unfollow(ctx, follower, author)
}
