-- +goose Up
-- Each user's feed version changes whenever something that ranks their feed changes: stated
-- preferences, follows, mutes, and likes, bookmarks and hides (views do not: they come with
-- every scroll). A stored first page is shown again only while the version it was ranked at
-- is current. Statement-level triggers bump each user touched once per statement.
ALTER TABLE users ADD COLUMN feed_version bigint NOT NULL DEFAULT 0;
ALTER TABLE feed_snapshots ADD COLUMN version bigint NOT NULL DEFAULT 0;

-- +goose StatementBegin
CREATE FUNCTION feed_version_bump() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- TG_ARGV[0] names the column of the changed rows that holds the user.
    EXECUTE format('UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT DISTINCT %I FROM changed)', TG_ARGV[0]);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION feed_version_bump_states() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT DISTINCT n.user_id FROM new_states n
            WHERE n.liked_at IS NOT NULL OR n.bookmarked_at IS NOT NULL OR n.hidden_at IS NOT NULL);
    ELSE
        UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT DISTINCT n.user_id
            FROM new_states n JOIN old_states o ON o.user_id = n.user_id AND o.content_id = n.content_id
            WHERE (o.liked_at IS NULL) <> (n.liked_at IS NULL) OR (o.bookmarked_at IS NULL) <> (n.bookmarked_at IS NULL)
                OR (o.hidden_at IS NULL) <> (n.hidden_at IS NULL));
    END IF;
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION feed_version_bump_preferences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT n.user_id
        FROM new_preferences n JOIN old_preferences o ON o.user_id = n.user_id
        WHERE o.languages IS DISTINCT FROM n.languages OR o.kinds IS DISTINCT FROM n.kinds);
    RETURN NULL;
END $$;
-- +goose StatementEnd

CREATE TRIGGER topic_preferences_inserted AFTER INSERT ON topic_preferences REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER topic_preferences_updated AFTER UPDATE ON topic_preferences REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER topic_preferences_deleted AFTER DELETE ON topic_preferences REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER follows_inserted AFTER INSERT ON follows REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('follower_id');
CREATE TRIGGER follows_deleted AFTER DELETE ON follows REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('follower_id');
CREATE TRIGGER muted_topics_inserted AFTER INSERT ON muted_topics REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER muted_topics_deleted AFTER DELETE ON muted_topics REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER muted_authors_inserted AFTER INSERT ON muted_authors REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER muted_authors_deleted AFTER DELETE ON muted_authors REFERENCING OLD TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump('user_id');
CREATE TRIGGER preferences_updated AFTER UPDATE ON preferences
    REFERENCING OLD TABLE AS old_preferences NEW TABLE AS new_preferences
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump_preferences();
CREATE TRIGGER content_states_inserted AFTER INSERT ON content_states REFERENCING NEW TABLE AS new_states
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump_states();
CREATE TRIGGER content_states_updated AFTER UPDATE ON content_states
    REFERENCING OLD TABLE AS old_states NEW TABLE AS new_states
    FOR EACH STATEMENT EXECUTE FUNCTION feed_version_bump_states();

-- +goose Down
DROP TRIGGER content_states_updated ON content_states;
DROP TRIGGER content_states_inserted ON content_states;
DROP TRIGGER preferences_updated ON preferences;
DROP TRIGGER muted_authors_deleted ON muted_authors;
DROP TRIGGER muted_authors_inserted ON muted_authors;
DROP TRIGGER muted_topics_deleted ON muted_topics;
DROP TRIGGER muted_topics_inserted ON muted_topics;
DROP TRIGGER follows_deleted ON follows;
DROP TRIGGER follows_inserted ON follows;
DROP TRIGGER topic_preferences_deleted ON topic_preferences;
DROP TRIGGER topic_preferences_updated ON topic_preferences;
DROP TRIGGER topic_preferences_inserted ON topic_preferences;
DROP FUNCTION feed_version_bump_preferences();
DROP FUNCTION feed_version_bump_states();
DROP FUNCTION feed_version_bump();
ALTER TABLE feed_snapshots DROP COLUMN version;
ALTER TABLE users DROP COLUMN feed_version;
