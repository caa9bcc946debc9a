-- +goose Up
-- Whether a person's habits are recorded: when false, interactions leave no log rows, views
-- and dwell leave no history and no affinity grows; the feed ranks by stated preferences.
ALTER TABLE preferences ADD COLUMN record_habits boolean NOT NULL DEFAULT true;
-- Turning habits on or off changes how the feed ranks: a stored ranking is then stale.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION feed_version_bump_preferences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT n.user_id
        FROM new_preferences n JOIN old_preferences o ON o.user_id = n.user_id
        WHERE o.languages IS DISTINCT FROM n.languages OR o.kinds IS DISTINCT FROM n.kinds
            OR o.record_habits IS DISTINCT FROM n.record_habits);
    RETURN NULL;
END $$;
-- +goose StatementEnd

-- The first preferences row may turn habits off too (the trigger above sees only updates).
-- +goose StatementBegin
CREATE FUNCTION feed_version_bump_habits_off() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET feed_version = feed_version + 1 WHERE id = NEW.user_id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER preferences_habits_off AFTER INSERT ON preferences FOR EACH ROW
    WHEN (NOT NEW.record_habits) EXECUTE FUNCTION feed_version_bump_habits_off();

-- The account that keeps the published content of erased accounts (TAILOR_ERASE_CONTENT=reassign).
-- It is created with the first erasure, has no password and cannot sign in; at most one exists.
ALTER TABLE users ADD COLUMN placeholder boolean NOT NULL DEFAULT false;
CREATE UNIQUE INDEX users_placeholder_key ON users (placeholder) WHERE placeholder;

-- +goose Down
DROP TRIGGER preferences_habits_off ON preferences;
DROP FUNCTION feed_version_bump_habits_off();
DROP INDEX users_placeholder_key;
ALTER TABLE users DROP COLUMN placeholder;
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION feed_version_bump_preferences() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE users SET feed_version = feed_version + 1 WHERE id IN (SELECT n.user_id
        FROM new_preferences n JOIN old_preferences o ON o.user_id = n.user_id
        WHERE o.languages IS DISTINCT FROM n.languages OR o.kinds IS DISTINCT FROM n.kinds);
    RETURN NULL;
END $$;
-- +goose StatementEnd
ALTER TABLE preferences DROP COLUMN record_habits;
