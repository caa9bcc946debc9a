-- +goose Up
-- Each author's unlisted items (drafts, scheduled, private), newest first: the walk of a
-- viewer's own items beside a listing reads these few rows instead of every item of theirs.
-- The predicate is written as the walk writes it, so the planner can prove it applies.
CREATE INDEX contents_author_unlisted_idx ON contents (author_id, sorted_at DESC, id DESC)
    WHERE deleted_at IS NULL AND NOT (status = 'published' AND visibility <> 'private' AND deleted_at IS NULL);

-- +goose Down
DROP INDEX contents_author_unlisted_idx;
