package content

import (
	"context"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/language"
	"github.com/tailorhq/tailor/internal/user"
)

// Limits of a content item's fields.
const (
	MaxTitle   = 300
	MaxSummary = 2000
	MaxBody    = 200_000
	MaxTopics  = 10
)

var (
	slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
)

// Draft is a new content item as its author writes it.
type Draft struct {
	Slug       string
	Title      string
	Summary    string
	Body       string
	Kind       Kind
	Language   string
	TopicIDs   []int64
	Visibility Visibility
}

// Patch changes some fields of a content item; nil fields stay as they are.
type Patch struct {
	Title      *string
	Summary    *string
	Body       *string
	Kind       *Kind
	Language   *string
	TopicIDs   []int64
	Visibility *Visibility
}

func validateText(errs *apperr.FieldErrors, field, value string, required bool, max int) {
	n := utf8.RuneCountInString(value)
	switch {
	case required && strings.TrimSpace(value) == "":
		errs.Add(field, apperr.FieldRequired, "%s is required", field)
	case n > max:
		errs.Add(field, apperr.FieldTooLong, "%s is at most %d characters, got %d", field, max, n)
	}
}

func validateCommon(errs *apperr.FieldErrors, lang *string, topicIDs []int64, topicsGiven bool) {
	if lang != nil && !language.Valid(*lang) {
		errs.Add("language", apperr.FieldInvalid, "language is a two-letter lowercase ISO 639-1 code such as \"en\"")
	}
	if topicsGiven && (len(topicIDs) == 0 || len(topicIDs) > MaxTopics) {
		errs.Add("topicIds", apperr.FieldInvalid, "file the item under 1 to %d topics", MaxTopics)
	}
}

// Validate checks a draft and returns every problem at once.
func (d *Draft) Validate() apperr.FieldErrors {
	var errs apperr.FieldErrors
	d.Title, d.Summary = strings.TrimSpace(d.Title), strings.TrimSpace(d.Summary)
	validateText(&errs, "title", d.Title, true, MaxTitle)
	validateText(&errs, "summary", d.Summary, false, MaxSummary)
	validateText(&errs, "body", d.Body, false, MaxBody)
	validateCommon(&errs, &d.Language, d.TopicIDs, true)
	if !d.Kind.Valid() {
		errs.Add("kind", apperr.FieldInvalid, "kind is one of ARTICLE, VIDEO, PODCAST or LINK")
	}
	if !d.Visibility.Valid() {
		errs.Add("visibility", apperr.FieldInvalid, "visibility is one of PUBLIC, MEMBERS or PRIVATE")
	}
	if d.Slug != "" && (!slugPattern.MatchString(d.Slug) || len(d.Slug) > 200) {
		errs.Add("slug", apperr.FieldInvalid, "a slug is lowercase words of letters and digits joined by hyphens, at most 200 characters")
	}
	return errs
}

// Validate checks a patch and returns every problem at once.
func (p *Patch) Validate() apperr.FieldErrors {
	var errs apperr.FieldErrors
	if p.Title != nil {
		t := strings.TrimSpace(*p.Title)
		p.Title = &t
		validateText(&errs, "title", t, true, MaxTitle)
	}
	if p.Summary != nil {
		sum := strings.TrimSpace(*p.Summary)
		p.Summary = &sum
		validateText(&errs, "summary", sum, false, MaxSummary)
	}
	if p.Kind != nil && !p.Kind.Valid() {
		errs.Add("kind", apperr.FieldInvalid, "kind is one of ARTICLE, VIDEO, PODCAST or LINK")
	}
	if p.Visibility != nil && !p.Visibility.Valid() {
		errs.Add("visibility", apperr.FieldInvalid, "visibility is one of PUBLIC, MEMBERS or PRIVATE")
	}
	if p.Body != nil {
		validateText(&errs, "body", *p.Body, false, MaxBody)
	}
	validateCommon(&errs, p.Language, p.TopicIDs, p.TopicIDs != nil)
	return errs
}

// Slugify turns a title into a URL name: lowercase ASCII words joined by hyphens.
func Slugify(title string) string {
	const maxLen = 80
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(title) {
		if r < 'a' && (r < '0' || r > '9') || r > 'z' {
			dash = true
			continue
		}
		need := 1
		if dash && b.Len() > 0 {
			need = 2
		}
		if b.Len()+need > maxLen {
			break
		}
		if need == 2 {
			b.WriteByte('-')
		}
		dash = false
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "item"
	}
	return b.String()
}

// EditStore persists content changes. Reads for editing see every item that is not deleted.
type EditStore interface {
	Create(ctx context.Context, authorID int64, d Draft) (*Content, error)
	ForEdit(ctx context.Context, id int64) (*Content, error)
	Update(ctx context.Context, id int64, p Patch) (*Content, error)
	Publish(ctx context.Context, id int64, status Status, at time.Time) (*Content, error)
	Delete(ctx context.Context, id int64) error
}

// Editor applies the rules of writing content: authors write and publish their own items;
// editors and admins edit everyone's.
type Editor struct {
	store EditStore
	now   func() time.Time
}

// NewEditor returns an Editor over store.
func NewEditor(store EditStore, now func() time.Time) *Editor { return &Editor{store: store, now: now} }

func mayWrite(v access.Viewer) error {
	if v.Anonymous() {
		return apperr.New(apperr.Unauthenticated, "log in to write content")
	}
	if !v.HasRole(user.RoleAuthor) || !v.Can(access.ScopeContentWrite) {
		return apperr.New(apperr.Forbidden, "writing content needs the author role (and the content:write scope for API keys)")
	}
	return nil
}

// readable returns c as v may read it back: nil when v's read rights (an API key without
// content:read) do not reach it.
func readable(c *Content, err error, v access.Viewer) (*Content, error) {
	if err != nil || c == nil || !c.VisibleTo(v) {
		return nil, err
	}
	return c, nil
}

// Create stores a draft by v and returns it as v may read it.
func (e *Editor) Create(ctx context.Context, v access.Viewer, d Draft) (*Content, error) {
	if err := mayWrite(v); err != nil {
		return nil, err
	}
	if errs := d.Validate(); len(errs) > 0 {
		return nil, errs
	}
	c, err := e.store.Create(ctx, v.UserID, d)
	return readable(c, err, v)
}

// editable loads an item v may change. An item v may not even see is reported as not found.
func (e *Editor) editable(ctx context.Context, v access.Viewer, id int64) (*Content, error) {
	if err := mayWrite(v); err != nil {
		return nil, err
	}
	c, err := e.store.ForEdit(ctx, id)
	if err != nil {
		return nil, err
	}
	// Whether the item exists is told only to whoever may write it or see it.
	if c == nil || !(c.Listed() || v.Owns(c.AuthorID) || v.SeesEverything()) {
		return nil, apperr.FieldErrors{{Field: "id", Code: apperr.FieldNotFound, Message: "no content has this ID"}}
	}
	if !v.Owns(c.AuthorID) && !v.SeesEverything() {
		return nil, apperr.New(apperr.Forbidden, "only the author, editors and admins can change this item")
	}
	return c, nil
}

// Update changes an item v may edit and returns it as v may read it.
func (e *Editor) Update(ctx context.Context, v access.Viewer, id int64, p Patch) (*Content, error) {
	if _, err := e.editable(ctx, v, id); err != nil {
		return nil, err
	}
	if errs := p.Validate(); len(errs) > 0 {
		return nil, errs
	}
	c, err := e.store.Update(ctx, id, p)
	return readable(c, err, v)
}

// Publish publishes an item now, or schedules it when at is in the future, and returns it as
// v may read it.
func (e *Editor) Publish(ctx context.Context, v access.Viewer, id int64, at *time.Time) (*Content, error) {
	c, err := e.editable(ctx, v, id)
	if err != nil {
		return nil, err
	}
	now := e.now()
	switch {
	case at != nil && at.After(now):
		c, err = e.store.Publish(ctx, id, StatusScheduled, *at)
	case c.Status != StatusPublished:
		c, err = e.store.Publish(ctx, id, StatusPublished, now)
	}
	return readable(c, err, v)
}

// Delete removes an item for everyone.
func (e *Editor) Delete(ctx context.Context, v access.Viewer, id int64) error {
	if _, err := e.editable(ctx, v, id); err != nil {
		return err
	}
	return e.store.Delete(ctx, id)
}
