package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/content"
)

// EditStore writes content items and their topics.
type EditStore struct{ db *sqlx.DB }

// NewEditStore returns an EditStore over db.
func NewEditStore(db *sqlx.DB) *EditStore { return &EditStore{db: db} }

// Create stores a draft. Without a slug one is made from the title, numbered when taken.
func (s *EditStore) Create(ctx context.Context, authorID int64, d content.Draft) (*content.Content, error) {
	base, explicit := d.Slug, d.Slug != ""
	if !explicit {
		base = content.Slugify(d.Title)
	}
	for attempt := 1; ; attempt++ {
		slug := base
		if attempt > 1 {
			slug = base + "-" + strconv.Itoa(attempt)
		}
		c, err := s.create(ctx, authorID, slug, d)
		switch {
		case constraintOf(err) == "contents_slug_key" && !explicit && attempt < 50:
			continue
		case code(err) == uniqueViolation || code(err) == foreignKeyViolation:
			return nil, refusal(err, "topicIds", "one of the topics does not exist")
		}
		if err != nil {
			return nil, fmt.Errorf("create content: %w", err)
		}
		return c, nil
	}
}

func (s *EditStore) create(ctx context.Context, authorID int64, slug string, d content.Draft) (*content.Content, error) {
	var c content.Content
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &c, `INSERT INTO contents AS c (slug, author_id, title, summary, body, kind, language, visibility)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+columns(true),
			slug, authorID, d.Title, d.Summary, d.Body, d.Kind, d.Language, d.Visibility)
		if err != nil {
			return err
		}
		return setTopics(ctx, tx, c.ID, d.TopicIDs)
	})
	if err != nil {
		return nil, err
	}
	return &c, nil
}

func setTopics(ctx context.Context, tx *sqlx.Tx, contentID int64, topicIDs []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM content_topics WHERE content_id = $1`, contentID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO content_topics (content_id, topic_id, position)
		SELECT $1, t.id, min(t.ord) - 1 FROM unnest($2::bigint[]) WITH ORDINALITY AS t(id, ord) GROUP BY t.id`,
		contentID, pq.Array(topicIDs))
	return err
}

// ForEdit returns an item that is not deleted, whatever its status, or nil.
func (s *EditStore) ForEdit(ctx context.Context, id int64) (*content.Content, error) {
	var c content.Content
	err := s.db.GetContext(ctx, &c, `SELECT `+columns(false)+` FROM contents c WHERE c.id = $1 AND c.deleted_at IS NULL`, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("content for edit: %w", err)
	}
	return &c, nil
}

// Update applies a patch in one transaction.
func (s *EditStore) Update(ctx context.Context, id int64, p content.Patch) (*content.Content, error) {
	var c content.Content
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &c, `UPDATE contents AS c SET
			title = coalesce($2, title), summary = coalesce($3, summary), body = coalesce($4, body),
			kind = coalesce($5, kind), language = coalesce($6, language), visibility = coalesce($7, visibility),
			updated_at = now()
			WHERE c.id = $1 AND c.deleted_at IS NULL RETURNING `+columns(true),
			id, p.Title, p.Summary, p.Body, (*string)(p.Kind), p.Language, (*string)(p.Visibility))
		if err != nil {
			return err
		}
		if p.TopicIDs != nil {
			return setTopics(ctx, tx, id, p.TopicIDs)
		}
		return nil
	})
	if err = refusal(err, "topicIds", "one of the topics does not exist"); err != nil {
		if _, ok := apperr.AsFieldErrors(err); ok {
			return nil, err
		}
		return nil, fmt.Errorf("update content: %w", err)
	}
	return &c, nil
}

// Publish sets an item's status and publication time.
func (s *EditStore) Publish(ctx context.Context, id int64, status content.Status, at time.Time) (*content.Content, error) {
	var c content.Content
	err := s.db.GetContext(ctx, &c, `UPDATE contents AS c SET status = $2, published_at = $3, updated_at = now()
		WHERE c.id = $1 AND c.deleted_at IS NULL RETURNING `+columns(true), id, status, at)
	if err != nil {
		return nil, fmt.Errorf("publish content: %w", err)
	}
	return &c, nil
}

// Delete removes an item for everyone; its row stays so references to it do not dangle.
func (s *EditStore) Delete(ctx context.Context, id int64) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE contents SET deleted_at = now(), updated_at = now() WHERE id = $1 AND deleted_at IS NULL`, id); err != nil {
		return fmt.Errorf("delete content: %w", err)
	}
	return nil
}

// PublishDue publishes the scheduled items whose time has come and returns how many. Any
// number of replicas may run it at once.
func (s *EditStore) PublishDue(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE contents SET status = $1, updated_at = now()
		WHERE status = $2 AND published_at <= now() AND deleted_at IS NULL`, content.StatusPublished, content.StatusScheduled)
	if err != nil {
		return 0, fmt.Errorf("publish due content: %w", err)
	}
	return res.RowsAffected()
}
