package access

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/tailorhq/tailor/internal/user"
)

var (
	anonymous = Viewer{}
	reader    = Viewer{UserID: 1, Role: user.RoleReader, TokenID: "t1", TokenExpiresAt: time.Unix(1e9, 0)}
	member    = Viewer{UserID: 2, Role: user.RoleMember, TokenID: "t2"}
	author    = Viewer{UserID: 3, Role: user.RoleAuthor, TokenID: "t3"}
	editor    = Viewer{UserID: 4, Role: user.RoleEditor, TokenID: "t4"}
	admin     = Viewer{UserID: 5, Role: user.RoleAdmin, TokenID: "t5"}
	noRole    = Viewer{UserID: 6, TokenID: "t6"}
	badRole   = Viewer{UserID: 7, Role: "superuser", TokenID: "t7"}
	keyRead   = Viewer{UserID: 3, Role: user.RoleAuthor, KeyID: 10, KeyScopes: []Scope{ScopeContentRead}}
	keyWrite  = Viewer{UserID: 5, Role: user.RoleAdmin, KeyID: 11, KeyScopes: []Scope{ScopeContentWrite, ScopeUsersRead}}
	keyNone   = Viewer{UserID: 2, Role: user.RoleMember, KeyID: 12}
	// keyNoUser carries a key but no user: it is anonymous and may do nothing.
	keyNoUser = Viewer{KeyID: 13, KeyScopes: Scopes()}
)

func TestScopes(t *testing.T) {
	want := []Scope{"content:read", "content:write", "users:read", "users:email", "preferences:read", "preferences:write", "webhooks"}
	if got := Scopes(); !reflect.DeepEqual(got, want) {
		t.Errorf("Scopes() = %v, want %v", got, want)
	}
}

func TestViewerIdentity(t *testing.T) {
	tests := []struct {
		name          string
		v             Viewer
		wantAnonymous bool
		wantViaKey    bool
	}{
		{"anonymous", anonymous, true, false},
		{"reader with a token", reader, false, false},
		{"admin with a token", admin, false, false},
		{"signed in without a role", noRole, false, false},
		{"api key", keyRead, false, true},
		{"api key without scopes", keyNone, false, true},
		{"api key without a user", keyNoUser, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Anonymous(); got != tt.wantAnonymous {
				t.Errorf("Anonymous() = %v, want %v", got, tt.wantAnonymous)
			}
			if got := tt.v.ViaAPIKey(); got != tt.wantViaKey {
				t.Errorf("ViaAPIKey() = %v, want %v", got, tt.wantViaKey)
			}
		})
	}
}

func TestCan(t *testing.T) {
	tests := []struct {
		name string
		v    Viewer
		want map[Scope]bool // scopes not listed must be refused
	}{
		{"anonymous holds nothing", anonymous, nil},
		{"token holds every scope", reader, allScopes()},
		{"token without a role still holds every scope", noRole, allScopes()},
		{"key holds content:read only", keyRead, map[Scope]bool{ScopeContentRead: true}},
		{"key holds its two scopes", keyWrite, map[Scope]bool{ScopeContentWrite: true, ScopeUsersRead: true}},
		{"key without scopes holds nothing", keyNone, nil},
		{"key without a user holds nothing", keyNoUser, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, s := range append(Scopes(), "unknown:scope") {
				if got := tt.v.Can(s); got != tt.want[s] {
					t.Errorf("Can(%q) = %v, want %v", s, got, tt.want[s])
				}
			}
		})
	}
}

func allScopes() map[Scope]bool {
	m := map[Scope]bool{"unknown:scope": true}
	for _, s := range Scopes() {
		m[s] = true
	}
	return m
}

func TestForContent(t *testing.T) {
	tests := []struct {
		name string
		v    Viewer
		want Viewer
	}{
		{"anonymous stays anonymous", anonymous, anonymous},
		{"token viewer is unchanged", editor, editor},
		{"key with content:read is unchanged", keyRead, keyRead},
		{"key without content:read reads as anonymous", keyWrite, Viewer{}},
		{"key without scopes reads as anonymous", keyNone, Viewer{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.ForContent(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ForContent() = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestRoles(t *testing.T) {
	roles := []user.Role{user.RoleReader, user.RoleMember, user.RoleAuthor, user.RoleEditor, user.RoleAdmin}
	tests := []struct {
		name       string
		v          Viewer
		atLeast    int // index in roles of the highest role held; -1 for none
		everything bool
		isMember   bool
	}{
		{"anonymous", anonymous, -1, false, false},
		{"anonymous claiming admin", Viewer{Role: user.RoleAdmin}, -1, false, false},
		{"reader", reader, 0, false, false},
		{"member", member, 1, false, true},
		{"author", author, 2, false, true},
		{"editor", editor, 3, true, true},
		{"admin", admin, 4, true, true},
		{"no role", noRole, -1, false, false},
		{"unknown role", badRole, -1, false, false},
		{"admin via key", keyWrite, 4, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i, r := range roles {
				if got, want := tt.v.HasRole(r), i <= tt.atLeast; got != want {
					t.Errorf("HasRole(%q) = %v, want %v", r, got, want)
				}
			}
			if got := tt.v.SeesEverything(); got != tt.everything {
				t.Errorf("SeesEverything() = %v, want %v", got, tt.everything)
			}
			if got := tt.v.IsMember(); got != tt.isMember {
				t.Errorf("IsMember() = %v, want %v", got, tt.isMember)
			}
		})
	}
}

func TestOwns(t *testing.T) {
	tests := []struct {
		name   string
		v      Viewer
		userID int64
		want   bool
	}{
		{"self", author, 3, true},
		{"someone else", author, 4, false},
		{"anonymous does not own user 0", anonymous, 0, false},
		{"anonymous does not own user 1", anonymous, 1, false},
		{"key acts for its owner", keyRead, 3, true},
		{"key without a user owns nothing", keyNoUser, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.v.Owns(tt.userID); got != tt.want {
				t.Errorf("Owns(%d) = %v, want %v", tt.userID, got, tt.want)
			}
		})
	}
}

func TestViewerContext(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T) Viewer
		want Viewer
	}{
		{
			name: "bare context is anonymous",
			run:  func(t *testing.T) Viewer { return ViewerFrom(context.Background()) },
			want: Viewer{},
		},
		{
			name: "carried viewer is returned",
			run: func(t *testing.T) Viewer {
				return ViewerFrom(WithViewer(context.Background(), editor))
			},
			want: editor,
		},
		{
			name: "carried viewer is seen through derived contexts",
			run: func(t *testing.T) Viewer {
				ctx, cancel := context.WithCancel(WithViewer(context.Background(), keyRead))
				defer cancel()
				return ViewerFrom(context.WithValue(ctx, struct{ k int }{1}, "x"))
			},
			want: keyRead,
		},
		{
			name: "a nested WithViewer shadows the outer one",
			run: func(t *testing.T) Viewer {
				outer := WithViewer(context.Background(), reader)
				inner := WithViewer(outer, editor)
				if got := ViewerFrom(outer); !reflect.DeepEqual(got, reader) {
					t.Errorf("outer sees %+v, want %+v", got, reader)
				}
				return ViewerFrom(inner)
			},
			want: editor,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.run(t); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("viewer = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestClient(t *testing.T) {
	tests := []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"bare context", context.Background(), ""},
		{"carried address", WithClient(context.Background(), "192.0.2.7"), "192.0.2.7"},
		{"through a derived context", WithViewer(WithClient(context.Background(), "2001:db8::1"), member), "2001:db8::1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ClientFrom(tt.ctx); got != tt.want {
				t.Errorf("client = %q, want %q", got, tt.want)
			}
		})
	}
}
