-- +goose Up
-- Editors and admins see every item that is not deleted, whatever its status: their lists
-- walk these in order instead of sorting the table.
CREATE INDEX contents_sorted_idx ON contents (sorted_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contents_title_idx ON contents (title, id) WHERE deleted_at IS NULL;
-- Every item of a topic by recency, drafts included, for the same viewers' topic pages.
CREATE INDEX content_topics_sorted_idx ON content_topics (topic_id, sorted_at DESC, content_id);

-- +goose Down
DROP INDEX content_topics_sorted_idx;
DROP INDEX contents_title_idx;
DROP INDEX contents_sorted_idx;
