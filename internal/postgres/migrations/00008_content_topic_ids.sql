-- +goose Up
-- Each item's topics in display order, kept by triggers from content_topics (which stays the
-- source): ranking and interactions read them with the item instead of one probe per item.
ALTER TABLE contents ADD COLUMN topic_ids bigint[] NOT NULL DEFAULT '{}';

-- +goose StatementBegin
CREATE FUNCTION contents_copy_topic_ids() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE contents c SET topic_ids = ARRAY(SELECT ct.topic_id FROM content_topics ct
            WHERE ct.content_id = c.id ORDER BY ct.position, ct.topic_id)
        WHERE c.id IN (SELECT DISTINCT content_id FROM changed_topics);
    ELSE
        UPDATE contents c SET topic_ids = ARRAY(SELECT ct.topic_id FROM content_topics ct
            WHERE ct.content_id = c.id ORDER BY ct.position, ct.topic_id)
        WHERE c.id IN (SELECT DISTINCT content_id FROM removed_topics);
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER content_topics_added AFTER INSERT ON content_topics
    REFERENCING NEW TABLE AS changed_topics
    FOR EACH STATEMENT EXECUTE FUNCTION contents_copy_topic_ids();
CREATE TRIGGER content_topics_removed AFTER DELETE ON content_topics
    REFERENCING OLD TABLE AS removed_topics
    FOR EACH STATEMENT EXECUTE FUNCTION contents_copy_topic_ids();

UPDATE contents c SET topic_ids = t.ids
FROM (SELECT content_id, array_agg(topic_id ORDER BY position, topic_id) AS ids FROM content_topics GROUP BY content_id) t
WHERE t.content_id = c.id;

-- +goose Down
DROP TRIGGER content_topics_removed ON content_topics;
DROP TRIGGER content_topics_added ON content_topics;
DROP FUNCTION contents_copy_topic_ids();
ALTER TABLE contents DROP COLUMN topic_ids;
