// Package access says who is asking: the viewer of a request, the role they act with and, for
// integrator API keys, the scopes that narrow what they may do.
package access

import (
	"context"
	"slices"
	"time"

	"github.com/tailorhq/tailor/internal/user"
)

// Scope is one right an integrator API key can be given.
type Scope string

// The API key scopes.
const (
	ScopeContentRead      Scope = "content:read"
	ScopeContentWrite     Scope = "content:write"
	ScopeUsersRead        Scope = "users:read"
	ScopeUsersEmail       Scope = "users:email"
	ScopePreferencesRead  Scope = "preferences:read"
	ScopePreferencesWrite Scope = "preferences:write"
	ScopeWebhooks         Scope = "webhooks"
)

// Scopes lists every scope.
func Scopes() []Scope {
	return []Scope{ScopeContentRead, ScopeContentWrite, ScopeUsersRead, ScopeUsersEmail, ScopePreferencesRead, ScopePreferencesWrite, ScopeWebhooks}
}

// Viewer is the person (or integrator acting for one) behind a request. The zero Viewer is
// an anonymous visitor.
type Viewer struct {
	UserID int64
	Role   user.Role
	// TokenID and TokenExpiresAt identify the access token the request came with, if any.
	TokenID        string
	TokenExpiresAt time.Time
	// KeyID is the API key the request came with, if any; KeyScopes are its scopes.
	KeyID     int64
	KeyScopes []Scope
	// KeyBudget is the key's own points per rate-limit window; 0 takes the default.
	KeyBudget int64
	// Account is the viewer's account as read when the request was authenticated, if it was.
	Account *user.User
}

// Anonymous reports whether nobody is signed in.
func (v Viewer) Anonymous() bool { return v.UserID == 0 }

// ViaAPIKey reports whether the request came with an API key.
func (v Viewer) ViaAPIKey() bool { return v.KeyID != 0 }

// Can reports whether the viewer holds scope s: people signed in with a token hold every
// scope; an API key holds the ones it was given.
func (v Viewer) Can(s Scope) bool {
	return !v.Anonymous() && (!v.ViaAPIKey() || slices.Contains(v.KeyScopes, s))
}

// ForContent is the viewer as content reads see it: an API key without content:read reads
// content as an anonymous visitor does.
func (v Viewer) ForContent() Viewer {
	if v.ViaAPIKey() && !v.Can(ScopeContentRead) {
		return Viewer{}
	}
	return v
}

// HasRole reports whether the viewer is signed in with at least role r.
func (v Viewer) HasRole(r user.Role) bool { return !v.Anonymous() && v.Role.AtLeast(r) }

// SeesEverything reports whether the viewer may read every item whatever its status.
func (v Viewer) SeesEverything() bool { return v.HasRole(user.RoleEditor) }

// IsMember reports whether members-only bodies are open to the viewer.
func (v Viewer) IsMember() bool { return v.HasRole(user.RoleMember) }

// Owns reports whether the viewer is the given user.
func (v Viewer) Owns(userID int64) bool { return !v.Anonymous() && v.UserID == userID }

type viewerKey struct{}

// WithViewer returns a context that carries v. A request's viewer never changes while it runs.
func WithViewer(ctx context.Context, v Viewer) context.Context {
	return context.WithValue(ctx, viewerKey{}, v)
}

// ViewerFrom returns the viewer carried by ctx, or the anonymous viewer.
func ViewerFrom(ctx context.Context) Viewer {
	v, _ := ctx.Value(viewerKey{}).(Viewer)
	return v
}

type clientKey struct{}

// WithClient returns a context that carries the network address a request comes from.
func WithClient(ctx context.Context, address string) context.Context {
	return context.WithValue(ctx, clientKey{}, address)
}

// ClientFrom returns the address the request ctx belongs to comes from, or "" when unknown.
func ClientFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}
