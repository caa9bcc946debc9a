package tree

import (
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/habits"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/user"
)

// users is a level of accounts that share one selection.
type users struct {
	t      *tree
	fields []graphql.CollectedField
	byID   map[int64]*user.User
	order  []int64
	// The relations below, by response name.
	contents map[string]*connections
	prefs    map[string]*preferences
	shelves  map[string]*shelf
}

func (t *tree) users(sel ast.SelectionSet) *users {
	lv := &users{t: t, fields: t.fields(sel, "User", "Node"), byID: map[int64]*user.User{}}
	for _, f := range lv.fields {
		switch f.Name {
		case "contents":
			if lv.contents == nil {
				lv.contents = map[string]*connections{}
			}
			lv.contents[f.Alias] = t.childConnection(f, content.ParentAuthor)
		case "preferences":
			if lv.prefs == nil {
				lv.prefs = map[string]*preferences{}
			}
			lv.prefs[f.Alias] = t.preferences(f.Selections)
		case "bookmarks", "history":
			if lv.shelves == nil {
				lv.shelves = map[string]*shelf{}
			}
			lv.shelves[f.Alias] = &shelf{field: f, kind: habits.Bookmarks}
			if f.Name == "history" {
				lv.shelves[f.Alias].kind = habits.History
			}
		}
	}
	return lv
}

func (lv *users) add(u *user.User) {
	if _, ok := lv.byID[u.ID]; !ok {
		lv.byID[u.ID] = u
		lv.order = append(lv.order, u.ID)
	}
}

func (lv *users) addAll(found map[int64]*user.User) {
	for _, u := range found {
		if u != nil {
			lv.add(u)
		}
	}
}

// private reports whether v may read a @private field of u: its owner may, and the role the
// directive names; an API key also needs the directive's scope.
func private(v access.Viewer, f graphql.CollectedField, u *user.User) bool {
	d := f.Definition.Directives.ForName("private")
	if d == nil {
		return true
	}
	args := d.ArgumentMap(nil)
	scope, _ := args["scope"].(string)
	if !v.Can(scopeOf(scope)) {
		return false
	}
	if v.Owns(u.ID) {
		return true
	}
	role, _ := args["orRole"].(string)
	return role != "" && v.HasRole(roleOf(role))
}

func (lv *users) load(b *batch) error {
	t := lv.t
	for _, f := range lv.fields {
		switch f.Name {
		case "__typename", "id", "handle", "displayName", "bio", "role", "createdAt", "email", "contents", "preferences", "bookmarks", "history":
		default:
			return errDecline
		}
	}
	if len(lv.order) == 0 {
		return nil
	}
	for _, conn := range lv.contents {
		if err := conn.addParents(lv.order); err != nil {
			return err
		}
		b.then(conn.load)
	}
	for alias, p := range lv.prefs {
		var ids []int64
		for _, id := range lv.order {
			if private(t.v, fieldOf(lv.fields, alias), lv.byID[id]) {
				ids = append(ids, id)
			}
		}
		if len(ids) > 0 {
			b.then(func(b *batch) error { return p.read(b, ids) })
		}
	}
	for alias, s := range lv.shelves {
		f := fieldOf(lv.fields, alias)
		for _, id := range lv.order {
			if private(t.v, f, lv.byID[id]) {
				b.then(func(b *batch) error { return s.read(b, t, id) })
			}
		}
	}
	return nil
}

func fieldOf(fields []graphql.CollectedField, alias string) graphql.CollectedField {
	for _, f := range fields {
		if f.Alias == alias {
			return f
		}
	}
	return graphql.CollectedField{}
}

func (lv *users) write(w *writer, id int64) {
	u := lv.byID[id]
	if u == nil {
		w.null()
		return
	}
	t := lv.t
	w.open()
	for i, f := range lv.fields {
		w.key(i, f.Alias)
		switch f.Name {
		case "__typename":
			w.string("User")
		case "id":
			w.string(relay.ID(relay.TypeUser, u.ID))
		case "handle":
			w.string(u.Handle)
		case "displayName":
			w.string(u.DisplayName)
		case "bio":
			w.string(u.Bio)
		case "role":
			w.enum(string(u.Role))
		case "createdAt":
			w.time(u.CreatedAt)
		case "email":
			if private(t.v, f, u) {
				w.string(u.Email)
			} else {
				w.null()
			}
		case "contents":
			lv.contents[f.Alias].write(w, u.ID)
		case "preferences":
			if private(t.v, f, u) {
				lv.prefs[f.Alias].write(w, u.ID)
			} else {
				w.null()
			}
		case "bookmarks", "history":
			if private(t.v, f, u) {
				lv.shelves[f.Alias].write(w, u.ID)
			} else {
				w.null()
			}
		}
	}
	w.close()
}

// usersByID returns the users with the given IDs: those the request already knows, and the
// others read in one statement (and handed to the request's loaders).
func (t *tree) usersByID(ids []int64) (map[int64]*user.User, error) {
	out := make(map[int64]*user.User, len(ids))
	missing := ids
	if t.l != nil {
		missing = t.l.Users.Fill(t.ctx, ids, out)
	}
	if len(missing) == 0 {
		return out, nil
	}
	ctx, done := t.batch("UserByID", len(missing))
	found, err := t.cfg.Stores.Users.ByIDs(ctx, missing)
	done()
	if err != nil {
		return nil, err
	}
	for i, id := range missing {
		out[id] = found[i]
		if t.l != nil && found[i] != nil {
			t.l.UserByID.Prime(t.ctx, id, found[i])
		}
	}
	return out, nil
}

// shelf is a user's bookmarks or history under one selection.
type shelf struct {
	field graphql.CollectedField
	kind  habits.Shelf
	pages map[int64]habits.ShelfPage
	conn  *connections
}

func (s *shelf) read(b *batch, t *tree, userID int64) error {
	args := t.args(s.field)
	first, ok := optionalInt(args["first"])
	if !ok {
		return errDecline
	}
	after, _ := args["after"].(string)
	var afterArg *string
	if after != "" {
		afterArg = &after
	}
	page, err := t.cfg.Shelves.Shelf(t.ctx, t.v, userID, s.kind, first, afterArg)
	if err != nil {
		return errDecline
	}
	s.pages = map[int64]habits.ShelfPage{userID: page}
	s.conn = t.connection(s.field.Selections)
	items := make([]*content.Content, len(page.Items))
	for i, it := range page.Items {
		items[i] = it.Content
	}
	count := func() (int, error) { return t.cfg.Shelves.ShelfCount(t.ctx, t.v, userID, s.kind) }
	s.conn.addList(userID, items, page, page.Page, page.More, count)
	return s.conn.load(b)
}

func (s *shelf) write(w *writer, userID int64) {
	if _, ok := s.pages[userID]; !ok {
		w.null()
		return
	}
	s.conn.write(w, userID)
}

// optionalInt reads an optional Int argument.
func optionalInt(v any) (*int, bool) {
	if v == nil {
		return nil, true
	}
	n, ok := intValue(v)
	return &n, ok
}

func scopeOf(name string) access.Scope {
	for _, s := range access.Scopes() {
		if scopeNames[s] == name {
			return s
		}
	}
	return access.Scope(name)
}

var scopeNames = map[access.Scope]string{
	access.ScopeContentRead: "CONTENT_READ", access.ScopeContentWrite: "CONTENT_WRITE",
	access.ScopeUsersRead: "USERS_READ", access.ScopeUsersEmail: "USERS_EMAIL",
	access.ScopePreferencesRead: "PREFERENCES_READ", access.ScopePreferencesWrite: "PREFERENCES_WRITE",
	access.ScopeWebhooks: "WEBHOOKS",
}

func roleOf(name string) user.Role {
	for _, r := range []user.Role{user.RoleReader, user.RoleMember, user.RoleAuthor, user.RoleEditor, user.RoleAdmin} {
		if enumName(string(r)) == name {
			return r
		}
	}
	return user.Role(name)
}
