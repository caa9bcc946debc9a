// Package privacy gives people what Tailor keeps on them (an export) and erases it on request.
package privacy

import (
	"context"
	"fmt"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
)

// ContentFate is what becomes of an erased account's published content.
type ContentFate string

// The choices of TAILOR_ERASE_CONTENT.
const (
	// Reassign keeps published, listed items under the placeholder author ("deleted_user").
	Reassign ContentFate = "reassign"
	// Delete deletes them with the account.
	Delete ContentFate = "delete"
)

// MaxExportedRows bounds each list of an export (the interaction log above all): the newest
// rows are exported and the list says it was truncated.
const MaxExportedRows = 100_000

// Store reads and erases everything kept on one user.
type Store interface {
	// Export returns the user's data as one JSON document, each list holding at most limit rows.
	Export(ctx context.Context, userID int64, limit int) ([]byte, error)
	// Erase deletes the account and its personal data in one transaction, its content meeting fate.
	Erase(ctx context.Context, userID int64, fate ContentFate) error
}

// PasswordConfirmer checks a signed-in person's password again.
type PasswordConfirmer interface {
	ConfirmPassword(ctx context.Context, v access.Viewer, pw string) error
}

// Service exports and erases people's data at their request.
type Service struct {
	store     Store
	passwords PasswordConfirmer
	fate      ContentFate
}

// NewService returns a Service over store that confirms erasures with passwords and treats
// erased accounts' content as fate says.
func NewService(store Store, passwords PasswordConfirmer, fate ContentFate) *Service {
	return &Service{store: store, passwords: passwords, fate: fate}
}

// errNeedsToken refuses API keys: only the person themselves, signed in, exports or erases.
func errNeedsToken(what string) error {
	return apperr.New(apperr.Forbidden, "%s needs you signed in with an access token; API keys cannot", what)
}

// Export returns everything Tailor keeps on v as a JSON document.
func (s *Service) Export(ctx context.Context, v access.Viewer) (string, error) {
	if v.Anonymous() || v.ViaAPIKey() {
		return "", errNeedsToken("exporting your data")
	}
	doc, err := s.store.Export(ctx, v.UserID, MaxExportedRows)
	if err != nil {
		return "", fmt.Errorf("export: %w", err)
	}
	return string(doc), nil
}

// DeleteAccount erases v's account once pw proves it is theirs. A wrong password is a
// BAD_USER_INPUT error on input.password and changes nothing.
func (s *Service) DeleteAccount(ctx context.Context, v access.Viewer, pw string) error {
	if v.Anonymous() || v.ViaAPIKey() {
		return errNeedsToken("deleting your account")
	}
	if err := s.passwords.ConfirmPassword(ctx, v, pw); err != nil {
		return err
	}
	return s.store.Erase(ctx, v.UserID, s.fate)
}
