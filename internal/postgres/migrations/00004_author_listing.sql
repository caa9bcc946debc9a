-- +goose Up
-- Each author's listed items by recency: the per-author pages most viewers read walk it
-- without stepping over drafts, scheduled and private items.
CREATE INDEX contents_author_listed_idx ON contents (author_id, sorted_at DESC, id DESC)
    WHERE status = 'published' AND visibility <> 'private' AND deleted_at IS NULL;

-- +goose Down
DROP INDEX contents_author_listed_idx;
