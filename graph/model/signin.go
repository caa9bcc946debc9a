package model

import (
	"time"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/user"
)

// SignInPayload is what a sign-up or log-in hands back: the token and the account it opens.
type SignInPayload struct {
	AccessToken *string
	ExpiresAt   *time.Time
	Viewer      *user.User
	UserErrors  []*apperr.FieldError
	// SignedIn is the account the token identifies. The request that signed in keeps its own
	// viewer; only the payload's fields are read as this account.
	SignedIn access.Viewer
}

// SignUpPayload is the result of signUp.
type SignUpPayload struct{ SignInPayload }

// LogInPayload is the result of logIn.
type LogInPayload struct{ SignInPayload }

// Signer is a payload whose fields are read as the account it signed in.
type Signer interface{ SignedInViewer() access.Viewer }

// SignedInViewer returns the account the payload signed in.
func (p *SignInPayload) SignedInViewer() access.Viewer { return p.SignedIn }
