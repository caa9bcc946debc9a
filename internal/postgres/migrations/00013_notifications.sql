-- +goose Up
-- The outbox: every event that may tell someone something, written by triggers in the
-- transaction of its cause, so an event exists exactly when its cause committed. A seed,
-- whose rows are history rather than news, writes with tailor.events = 'off'.
CREATE TABLE events (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind         text        NOT NULL CHECK (kind IN ('content_published', 'new_follower', 'content_liked')),
    content_id   bigint      REFERENCES contents (id) ON DELETE CASCADE,
    actor_id     bigint      REFERENCES users (id) ON DELETE CASCADE,
    subject_id   bigint      REFERENCES users (id) ON DELETE CASCADE,
    created_at   timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz
);
CREATE INDEX events_pending_idx ON events (id) WHERE processed_at IS NULL;

-- +goose StatementBegin
CREATE FUNCTION events_on() RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT current_setting('tailor.events', true) IS DISTINCT FROM 'off'
$$;

-- An item becomes news when it becomes listed: published (now, or when its scheduled time
-- comes), not private, not deleted. The outbox channel only wakes the workers.
CREATE FUNCTION contents_published_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (kind, content_id, actor_id) VALUES ('content_published', NEW.id, NEW.author_id);
    PERFORM pg_notify('tailor_outbox', '');
    RETURN NULL;
END $$;

CREATE FUNCTION follows_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF events_on() THEN
        INSERT INTO events (kind, actor_id, subject_id) SELECT 'new_follower', n.follower_id, n.author_id FROM changed n;
        IF FOUND THEN
            PERFORM pg_notify('tailor_outbox', '');
        END IF;
    END IF;
    RETURN NULL;
END $$;

-- Likes are frequent: they wait for the workers' next poll rather than notify, since every
-- transaction that notifies serializes on one lock at commit.
CREATE FUNCTION likes_event() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO events (kind, content_id, actor_id, subject_id)
    SELECT 'content_liked', c.id, NEW.user_id, c.author_id FROM contents c
    WHERE c.id = NEW.content_id AND c.author_id <> NEW.user_id;
    RETURN NULL;
END $$;

-- global_id is relay.ID in SQL: the opaque global ID of a typ object, for webhook payloads.
CREATE FUNCTION global_id(typ text, id bigint) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT rtrim(translate(encode(convert_to(typ || ':' || id, 'UTF8'), 'base64'), E'+/\n', '-_'), '=')
$$;
-- +goose StatementEnd

CREATE TRIGGER contents_published_inserted AFTER INSERT ON contents FOR EACH ROW
    WHEN (NEW.status = 'published' AND NEW.visibility <> 'private' AND NEW.deleted_at IS NULL AND events_on())
    EXECUTE FUNCTION contents_published_event();
CREATE TRIGGER contents_published_updated AFTER UPDATE OF status, visibility, deleted_at ON contents FOR EACH ROW
    WHEN (NEW.status = 'published' AND NEW.visibility <> 'private' AND NEW.deleted_at IS NULL
        AND NOT (OLD.status = 'published' AND OLD.visibility <> 'private' AND OLD.deleted_at IS NULL) AND events_on())
    EXECUTE FUNCTION contents_published_event();
CREATE TRIGGER follows_event AFTER INSERT ON follows REFERENCING NEW TABLE AS changed
    FOR EACH STATEMENT EXECUTE FUNCTION follows_event();
CREATE TRIGGER likes_inserted AFTER INSERT ON content_states FOR EACH ROW
    WHEN (NEW.liked_at IS NOT NULL AND events_on())
    EXECUTE FUNCTION likes_event();
CREATE TRIGGER likes_updated AFTER UPDATE OF liked_at ON content_states FOR EACH ROW
    WHEN (NEW.liked_at IS NOT NULL AND OLD.liked_at IS NULL AND events_on())
    EXECUTE FUNCTION likes_event();

-- Who hears of new items under a topic.
CREATE INDEX topic_preferences_notify_idx ON topic_preferences (topic_id, user_id) WHERE weight >= 0.5;

-- What each person is told. Likes of one item are one row while it is unread ("12 people
-- liked X"): the latest liker is its actor. in_app is false for rows kept only for a digest.
CREATE TABLE notifications (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id         bigint      GENERATED ALWAYS AS IDENTITY,
    event_id   bigint      NOT NULL,
    kind       text        NOT NULL CHECK (kind IN ('content_published', 'followed_author_published', 'new_follower', 'content_liked')),
    content_id bigint      REFERENCES contents (id) ON DELETE CASCADE,
    actor_id   bigint      REFERENCES users (id) ON DELETE CASCADE,
    count      integer     NOT NULL DEFAULT 1 CHECK (count >= 1),
    in_app     boolean     NOT NULL DEFAULT true,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    read_at    timestamptz,
    PRIMARY KEY (user_id, id)
);
CREATE INDEX notifications_recent_idx ON notifications (user_id, updated_at DESC, id DESC) WHERE in_app;
CREATE INDEX notifications_unread_idx ON notifications (user_id, updated_at DESC, id DESC) WHERE in_app AND read_at IS NULL;
CREATE UNIQUE INDEX notifications_likes_idx ON notifications (user_id, content_id) WHERE kind = 'content_liked' AND read_at IS NULL;
CREATE INDEX notifications_event_idx ON notifications (event_id);

-- Integrators' endpoints. The secret signs payloads (HMAC), so it is kept; it is shown once.
CREATE TABLE webhooks (
    user_id     bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id          bigint      GENERATED ALWAYS AS IDENTITY,
    url         text        NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    events      text[]      NOT NULL CHECK (cardinality(events) > 0),
    description text        NOT NULL DEFAULT '' CHECK (length(description) <= 500),
    secret      text        NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, id)
);
CREATE INDEX webhooks_events_idx ON webhooks USING gin (events);

-- Mail and webhook calls to make or made: claimed with FOR UPDATE SKIP LOCKED under a lease,
-- retried with back-off, dead after the last attempt.
CREATE TABLE deliveries (
    user_id          bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    id               bigint      GENERATED ALWAYS AS IDENTITY,
    event_id         bigint,
    channel          text        NOT NULL CHECK (channel IN ('email', 'digest', 'webhook')),
    webhook_id       bigint,
    notification_id  bigint,
    payload          jsonb,
    status           text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'dead')),
    attempts         integer     NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL DEFAULT now(),
    last_status_code integer,
    last_error       text,
    last_latency_ms  integer,
    created_at       timestamptz NOT NULL DEFAULT now(),
    delivered_at     timestamptz,
    PRIMARY KEY (user_id, id),
    FOREIGN KEY (user_id, webhook_id) REFERENCES webhooks (user_id, id) ON DELETE CASCADE
);
CREATE INDEX deliveries_due_idx ON deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX deliveries_webhook_idx ON deliveries (user_id, webhook_id, id DESC) WHERE webhook_id IS NOT NULL;
CREATE INDEX deliveries_dead_idx ON deliveries (id DESC) WHERE status = 'dead';

-- When each person's last digest was prepared.
ALTER TABLE preferences ADD COLUMN digest_sent_at timestamptz;

-- +goose Down
ALTER TABLE preferences DROP COLUMN digest_sent_at;
DROP TABLE deliveries;
DROP TABLE webhooks;
DROP TABLE notifications;
DROP INDEX topic_preferences_notify_idx;
DROP TRIGGER likes_updated ON content_states;
DROP TRIGGER likes_inserted ON content_states;
DROP TRIGGER follows_event ON follows;
DROP TRIGGER contents_published_updated ON contents;
DROP TRIGGER contents_published_inserted ON contents;
DROP FUNCTION global_id(text, bigint);
DROP FUNCTION likes_event();
DROP FUNCTION follows_event();
DROP FUNCTION contents_published_event();
DROP FUNCTION events_on();
DROP TABLE events;
