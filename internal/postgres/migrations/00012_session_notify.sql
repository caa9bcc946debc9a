-- +goose Up
-- Every change to what accepts a user's access tokens (the account row, apart from the feed
-- version the feed bumps on each signal, and each revoked token) is announced on the
-- tailor_sessions channel with the user's ID, so every replica forgets the sessions it
-- remembers for that user as the change commits.
-- +goose StatementBegin
CREATE FUNCTION announce_session_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('tailor_sessions', OLD.id::text);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('tailor_sessions', NEW.id::text);
    ELSE
        PERFORM pg_notify('tailor_sessions', NEW.user_id::text);
    END IF;
    RETURN NULL;
END
$$;
-- +goose StatementEnd

CREATE TRIGGER users_session_change AFTER UPDATE ON users FOR EACH ROW
    WHEN (to_jsonb(OLD) - 'feed_version' IS DISTINCT FROM to_jsonb(NEW) - 'feed_version')
    EXECUTE FUNCTION announce_session_change();
CREATE TRIGGER users_session_delete AFTER DELETE ON users FOR EACH ROW
    EXECUTE FUNCTION announce_session_change();
CREATE TRIGGER revoked_tokens_session_change AFTER INSERT ON revoked_tokens FOR EACH ROW
    EXECUTE FUNCTION announce_session_change();

-- +goose Down
DROP TRIGGER revoked_tokens_session_change ON revoked_tokens;
DROP TRIGGER users_session_delete ON users;
DROP TRIGGER users_session_change ON users;
DROP FUNCTION announce_session_change();
