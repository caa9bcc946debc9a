package postgres

import (
	"database/sql"
	"strings"

	"github.com/tailorhq/tailor/internal/content"
)

// contentSelect returns the columns of an item (table alias c) that fill f; the ID, the
// author and the sort time are always read.
func contentSelect(f content.Fields) string {
	var b strings.Builder
	b.WriteString("c.id, c.author_id, c.sorted_at")
	for _, col := range contentColumnsByField {
		if f.Has(col.field) {
			b.WriteString(", ")
			b.WriteString(col.sql)
		}
	}
	return b.String()
}

// contentColumnsByField lists the optional columns in the order contentSelect writes them.
var contentColumnsByField = []struct {
	field content.Fields
	sql   string
}{
	{content.FieldSlug, "c.slug"},
	{content.FieldTitle, "c.title"},
	{content.FieldSummary, "c.summary"},
	{content.FieldKind, "c.kind"},
	{content.FieldLanguage, "c.language"},
	{content.FieldStatus, "c.status, c.visibility"},
	{content.FieldPublishedAt, "c.published_at"},
	{content.FieldCreatedAt, "c.created_at"},
	{content.FieldUpdatedAt, "c.updated_at"},
	{content.FieldCounts, "c.view_count, c.like_count, c.bookmark_count"},
	{content.FieldBody, "c.body"},
}

// contentScanner reads rows of contentSelect(f)'s columns, after lead and before trail
// columns, into items, without reflection.
type contentScanner struct {
	dest                     []any
	c                        content.Content
	kind, status, visibility string
	published                sql.NullTime
	body                     sql.NullString
}

func newContentScanner(f content.Fields, lead []any, trail ...any) *contentScanner {
	s := &contentScanner{}
	d := append(lead[:len(lead):len(lead)], &s.c.ID, &s.c.AuthorID, &s.c.SortedAt)
	if f.Has(content.FieldSlug) {
		d = append(d, &s.c.Slug)
	}
	if f.Has(content.FieldTitle) {
		d = append(d, &s.c.Title)
	}
	if f.Has(content.FieldSummary) {
		d = append(d, &s.c.Summary)
	}
	if f.Has(content.FieldKind) {
		d = append(d, &s.kind)
	}
	if f.Has(content.FieldLanguage) {
		d = append(d, &s.c.Language)
	}
	if f.Has(content.FieldStatus) {
		d = append(d, &s.status, &s.visibility)
	}
	if f.Has(content.FieldPublishedAt) {
		d = append(d, &s.published)
	}
	if f.Has(content.FieldCreatedAt) {
		d = append(d, &s.c.CreatedAt)
	}
	if f.Has(content.FieldUpdatedAt) {
		d = append(d, &s.c.UpdatedAt)
	}
	if f.Has(content.FieldCounts) {
		d = append(d, &s.c.Views, &s.c.Likes, &s.c.Bookmarks)
	}
	if f.Has(content.FieldBody) {
		d = append(d, &s.body)
	}
	s.dest = append(d, trail...)
	return s
}

// scan reads the current row into a new item.
func (s *contentScanner) scan(rows *sql.Rows) (*content.Content, error) {
	if err := rows.Scan(s.dest...); err != nil {
		return nil, err
	}
	c := new(content.Content)
	*c = s.c
	c.Kind, c.Status, c.Visibility = content.Kind(s.kind), content.Status(s.status), content.Visibility(s.visibility)
	if s.published.Valid {
		t := s.published.Time
		c.PublishedAt = &t
	}
	if s.body.Valid {
		b := s.body.String
		c.Body = &b
	}
	return c, nil
}
