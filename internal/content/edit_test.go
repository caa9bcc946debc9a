package content

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/user"
)

func ptr[T any](v T) *T { return &v }

// fieldCodes turns field errors into "field:CODE" strings, in order.
func fieldCodes(errs apperr.FieldErrors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field+":"+string(e.Code))
	}
	return out
}

func validDraft() Draft {
	return Draft{
		Title:      "A title",
		Summary:    "A summary",
		Body:       "A body",
		Kind:       KindArticle,
		Language:   "en",
		TopicIDs:   []int64{1},
		Visibility: VisibilityPublic,
	}
}

func TestDraftValidate(t *testing.T) {
	tests := []struct {
		name  string
		edit  func(d *Draft)
		want  []string
		check func(t *testing.T, d Draft)
	}{
		{name: "valid", edit: func(d *Draft) {}},
		{name: "valid with slug", edit: func(d *Draft) { d.Slug = "my-first-post-2" }},
		{name: "valid without summary and body", edit: func(d *Draft) { d.Summary, d.Body = "", "" }},
		{name: "ten topics", edit: func(d *Draft) { d.TopicIDs = []int64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10} }},
		{name: "title and summary are trimmed", edit: func(d *Draft) { d.Title, d.Summary = "  Spaced out \n", "\t sum  " },
			check: func(t *testing.T, d Draft) {
				if d.Title != "Spaced out" || d.Summary != "sum" {
					t.Errorf("title, summary = %q, %q; want %q, %q", d.Title, d.Summary, "Spaced out", "sum")
				}
			}},
		{name: "body is not trimmed", edit: func(d *Draft) { d.Body = "  indented code\n" },
			check: func(t *testing.T, d Draft) {
				if d.Body != "  indented code\n" {
					t.Errorf("body = %q, want it unchanged", d.Body)
				}
			}},
		{name: "title missing", edit: func(d *Draft) { d.Title = "" }, want: []string{"title:REQUIRED"}},
		{name: "title blank", edit: func(d *Draft) { d.Title = " \t\n " }, want: []string{"title:REQUIRED"}},
		{name: "title at max", edit: func(d *Draft) { d.Title = strings.Repeat("é", MaxTitle) }},
		{name: "title too long", edit: func(d *Draft) { d.Title = strings.Repeat("é", MaxTitle+1) }, want: []string{"title:TOO_LONG"}},
		{name: "title padding does not count", edit: func(d *Draft) { d.Title = "  " + strings.Repeat("t", MaxTitle) + "  " }},
		{name: "summary at max", edit: func(d *Draft) { d.Summary = strings.Repeat("s", MaxSummary) }},
		{name: "summary too long", edit: func(d *Draft) { d.Summary = strings.Repeat("s", MaxSummary+1) }, want: []string{"summary:TOO_LONG"}},
		{name: "summary padding does not count", edit: func(d *Draft) { d.Summary = strings.Repeat("s", MaxSummary) + "   " }},
		{name: "body too long", edit: func(d *Draft) { d.Body = strings.Repeat("b", MaxBody+1) }, want: []string{"body:TOO_LONG"}},
		{name: "body at max in runes", edit: func(d *Draft) { d.Body = strings.Repeat("ü", MaxBody) }},
		{name: "language missing", edit: func(d *Draft) { d.Language = "" }, want: []string{"language:INVALID"}},
		{name: "language upper case", edit: func(d *Draft) { d.Language = "EN" }, want: []string{"language:INVALID"}},
		{name: "language with region", edit: func(d *Draft) { d.Language = "en-GB" }, want: []string{"language:INVALID"}},
		{name: "language three letters", edit: func(d *Draft) { d.Language = "eng" }, want: []string{"language:INVALID"}},
		{name: "no topics", edit: func(d *Draft) { d.TopicIDs = nil }, want: []string{"topicIds:INVALID"}},
		{name: "too many topics", edit: func(d *Draft) { d.TopicIDs = make([]int64, MaxTopics+1) }, want: []string{"topicIds:INVALID"}},
		{name: "slug with upper case", edit: func(d *Draft) { d.Slug = "Hello" }, want: []string{"slug:INVALID"}},
		{name: "slug with leading hyphen", edit: func(d *Draft) { d.Slug = "-hello" }, want: []string{"slug:INVALID"}},
		{name: "slug with double hyphen", edit: func(d *Draft) { d.Slug = "a--b" }, want: []string{"slug:INVALID"}},
		{name: "slug with space", edit: func(d *Draft) { d.Slug = "a b" }, want: []string{"slug:INVALID"}},
		{name: "slug at 200", edit: func(d *Draft) { d.Slug = strings.Repeat("a", 200) }},
		{name: "slug too long", edit: func(d *Draft) { d.Slug = strings.Repeat("a", 201) }, want: []string{"slug:INVALID"}},
		{name: "every problem at once", edit: func(d *Draft) {
			*d = Draft{Title: " ", Summary: strings.Repeat("s", MaxSummary+1), Body: strings.Repeat("b", MaxBody+1), Language: "x", Slug: "_"}
		}, want: []string{"title:REQUIRED", "summary:TOO_LONG", "body:TOO_LONG", "language:INVALID", "topicIds:INVALID", "kind:INVALID", "visibility:INVALID", "slug:INVALID"}},
		{name: "unknown kind", edit: func(d *Draft) { d.Kind = "book" }, want: []string{"kind:INVALID"}},
		{name: "no visibility", edit: func(d *Draft) { d.Visibility = "" }, want: []string{"visibility:INVALID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := validDraft()
			tt.edit(&d)
			errs := d.Validate()
			if got := fieldCodes(errs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() = %v, want %v", got, tt.want)
			}
			if tt.want == nil && errs.Err() != nil {
				t.Errorf("Validate().Err() = %v, want nil", errs.Err())
			}
			if tt.check != nil {
				tt.check(t, d)
			}
		})
	}
}

func TestDraftValidateMessages(t *testing.T) {
	d := Draft{Title: strings.Repeat("x", MaxTitle+5), Language: "en", TopicIDs: []int64{}, Kind: KindVideo, Visibility: VisibilityMembers}
	want := apperr.FieldErrors{
		{Field: "title", Code: apperr.FieldTooLong, Message: fmt.Sprintf("title is at most %d characters, got %d", MaxTitle, MaxTitle+5)},
		{Field: "topicIds", Code: apperr.FieldInvalid, Message: "file the item under 1 to 10 topics"},
	}
	if got := d.Validate(); !reflect.DeepEqual(got, want) {
		t.Errorf("Validate() = %#v, want %#v", got, want)
	}
}

func TestPatchValidate(t *testing.T) {
	tests := []struct {
		name  string
		patch Patch
		want  []string
		check func(t *testing.T, p Patch)
	}{
		{name: "empty patch", patch: Patch{}},
		{name: "every field valid", patch: Patch{Title: ptr("T"), Summary: ptr("S"), Body: ptr("B"), Kind: ptr(KindVideo), Language: ptr("fr"), TopicIDs: []int64{1, 2}, Visibility: ptr(VisibilityMembers)}},
		{name: "title is trimmed", patch: Patch{Title: ptr("  New title  ")},
			check: func(t *testing.T, p Patch) {
				if *p.Title != "New title" {
					t.Errorf("title = %q, want %q", *p.Title, "New title")
				}
			}},
		{name: "title blank", patch: Patch{Title: ptr("   ")}, want: []string{"title:REQUIRED"}},
		{name: "title empty", patch: Patch{Title: ptr("")}, want: []string{"title:REQUIRED"}},
		{name: "title too long", patch: Patch{Title: ptr(strings.Repeat("t", MaxTitle+1))}, want: []string{"title:TOO_LONG"}},
		{name: "title padding does not count", patch: Patch{Title: ptr(" " + strings.Repeat("t", MaxTitle) + " ")}},
		{name: "summary may be cleared", patch: Patch{Summary: ptr("")}},
		{name: "summary too long", patch: Patch{Summary: ptr(strings.Repeat("s", MaxSummary+1))}, want: []string{"summary:TOO_LONG"}},
		{name: "body may be cleared", patch: Patch{Body: ptr("")}},
		{name: "body too long", patch: Patch{Body: ptr(strings.Repeat("b", MaxBody+1))}, want: []string{"body:TOO_LONG"}},
		{name: "language invalid", patch: Patch{Language: ptr("english")}, want: []string{"language:INVALID"}},
		{name: "language empty", patch: Patch{Language: ptr("")}, want: []string{"language:INVALID"}},
		{name: "topics not given", patch: Patch{TopicIDs: nil}},
		{name: "topics emptied", patch: Patch{TopicIDs: []int64{}}, want: []string{"topicIds:INVALID"}},
		{name: "too many topics", patch: Patch{TopicIDs: make([]int64, MaxTopics+1)}, want: []string{"topicIds:INVALID"}},
		{name: "every problem at once", patch: Patch{Title: ptr(""), Summary: ptr(strings.Repeat("s", MaxSummary+1)), Body: ptr(strings.Repeat("b", MaxBody+1)), Language: ptr("e"), TopicIDs: []int64{}},
			want: []string{"title:REQUIRED", "summary:TOO_LONG", "body:TOO_LONG", "language:INVALID", "topicIds:INVALID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.patch
			if got := fieldCodes(p.Validate()); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Validate() = %v, want %v", got, tt.want)
			}
			if tt.check != nil {
				tt.check(t, p)
			}
		})
	}
}

func TestBodyOpenTo(t *testing.T) {
	const authorID = 30
	viewers := []struct {
		name string
		v    access.Viewer
		// members reports whether a members-only body is open to the viewer.
		members bool
	}{
		{"anonymous", access.Viewer{}, false},
		{"reader", access.Viewer{UserID: 10, Role: user.RoleReader, TokenID: "t"}, false},
		{"member", access.Viewer{UserID: 20, Role: user.RoleMember, TokenID: "t"}, true},
		{"author who owns it", access.Viewer{UserID: authorID, Role: user.RoleAuthor, TokenID: "t"}, true},
		{"owner demoted to reader", access.Viewer{UserID: authorID, Role: user.RoleReader, TokenID: "t"}, true},
		{"another author", access.Viewer{UserID: 31, Role: user.RoleAuthor, TokenID: "t"}, true},
		{"editor", access.Viewer{UserID: 40, Role: user.RoleEditor, TokenID: "t"}, true},
		{"admin", access.Viewer{UserID: 50, Role: user.RoleAdmin, TokenID: "t"}, true},
		{"reader's key with content:read", access.Viewer{UserID: 10, Role: user.RoleReader, KeyID: 1, KeyScopes: []access.Scope{access.ScopeContentRead}}, false},
		{"member's key with content:read", access.Viewer{UserID: 20, Role: user.RoleMember, KeyID: 2, KeyScopes: []access.Scope{access.ScopeContentRead}}, true},
		{"member's key without content:read", access.Viewer{UserID: 20, Role: user.RoleMember, KeyID: 3, KeyScopes: []access.Scope{access.ScopeUsersRead}}, false},
		{"owner's key with content:read", access.Viewer{UserID: authorID, Role: user.RoleReader, KeyID: 4, KeyScopes: []access.Scope{access.ScopeContentRead}}, true},
		{"owner's key without content:read", access.Viewer{UserID: authorID, Role: user.RoleAuthor, KeyID: 5, KeyScopes: []access.Scope{access.ScopeContentWrite}}, false},
		{"editor's key with content:read", access.Viewer{UserID: 40, Role: user.RoleEditor, KeyID: 6, KeyScopes: []access.Scope{access.ScopeContentRead}}, true},
		{"admin's key without scopes", access.Viewer{UserID: 50, Role: user.RoleAdmin, KeyID: 7}, false},
	}
	visibilities := []Visibility{VisibilityPublic, VisibilityMembers, VisibilityPrivate}
	for _, vis := range visibilities {
		for _, vw := range viewers {
			t.Run(string(vis)+"/"+vw.name, func(t *testing.T) {
				c := &Content{ID: 1, AuthorID: authorID, Visibility: vis, Status: StatusPublished}
				want := vis != VisibilityMembers || vw.members
				if got := c.BodyOpenTo(vw.v); got != want {
					t.Errorf("BodyOpenTo(%+v) on a %s item = %v, want %v", vw.v, vis, got, want)
				}
			})
		}
	}
}

func TestOrderName(t *testing.T) {
	tests := []struct {
		name  string
		order Order
		want  string
	}{
		{"newest first", NewestFirst(), "published_at-desc"},
		{"oldest first", Order{Field: OrderPublishedAt}, "published_at-asc"},
		{"title a to z", Order{Field: OrderTitle}, "title-asc"},
		{"title z to a", Order{Field: OrderTitle, Descending: true}, "title-desc"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.order.Name(); got != tt.want {
				t.Errorf("Name() = %q, want %q", got, tt.want)
			}
		})
	}
}
