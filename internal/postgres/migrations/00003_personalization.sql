-- +goose Up
-- Popularity counters, maintained as interactions arrive (never counted per request).
ALTER TABLE contents
    ADD COLUMN view_count     bigint NOT NULL DEFAULT 0 CHECK (view_count >= 0),
    ADD COLUMN like_count     bigint NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    ADD COLUMN bookmark_count bigint NOT NULL DEFAULT 0 CHECK (bookmark_count >= 0);
ALTER TABLE contents ADD COLUMN popularity real NOT NULL
    GENERATED ALWAYS AS (ln(1.0 + (view_count + 4 * like_count + 3 * bookmark_count)::double precision)) STORED;
CREATE INDEX contents_popular_idx ON contents (popularity DESC, id DESC)
    WHERE status = 'published' AND visibility <> 'private' AND deleted_at IS NULL;

-- Full-text search in the item's own language: title weighs most, then summary, then the
-- opening of the body. A trigger keeps it, so only edits of the text recompute it (counter
-- updates, far more frequent, do not).
ALTER TABLE contents ADD COLUMN search tsvector NOT NULL DEFAULT ''::tsvector;
-- +goose StatementBegin
CREATE FUNCTION contents_search_vector() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    cfg regconfig := CASE NEW.language WHEN 'fr' THEN 'french' WHEN 'de' THEN 'german'
        WHEN 'es' THEN 'spanish' WHEN 'pt' THEN 'portuguese' ELSE 'english' END;
BEGIN
    NEW.search := setweight(to_tsvector(cfg, NEW.title), 'A') || setweight(to_tsvector(cfg, NEW.summary), 'B')
        || setweight(to_tsvector(cfg, left(NEW.body, 200)), 'C');
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contents_search BEFORE INSERT OR UPDATE OF title, summary, body, language ON contents
    FOR EACH ROW EXECUTE FUNCTION contents_search_vector();
UPDATE contents SET title = title;
CREATE INDEX contents_search_idx ON contents USING gin (search);

-- Each topic's listed items by recency, so candidates per topic come from an index walk.
ALTER TABLE content_topics
    ADD COLUMN sorted_at timestamptz,
    ADD COLUMN listed    boolean NOT NULL DEFAULT false;
UPDATE content_topics ct SET sorted_at = c.sorted_at,
    listed = (c.status = 'published' AND c.visibility <> 'private' AND c.deleted_at IS NULL)
FROM contents c WHERE c.id = ct.content_id;
CREATE INDEX content_topics_listed_idx ON content_topics (topic_id, sorted_at DESC, content_id) WHERE listed;

-- +goose StatementBegin
CREATE FUNCTION content_topics_copy_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    SELECT c.sorted_at, (c.status = 'published' AND c.visibility <> 'private' AND c.deleted_at IS NULL)
    INTO NEW.sorted_at, NEW.listed FROM contents c WHERE c.id = NEW.content_id;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER content_topics_listing BEFORE INSERT ON content_topics
    FOR EACH ROW EXECUTE FUNCTION content_topics_copy_listing();

-- +goose StatementBegin
CREATE FUNCTION contents_sync_listing() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE content_topics SET sorted_at = NEW.sorted_at,
        listed = (NEW.status = 'published' AND NEW.visibility <> 'private' AND NEW.deleted_at IS NULL)
    WHERE content_id = NEW.id;
    RETURN NULL;
END $$;
-- +goose StatementEnd
CREATE TRIGGER contents_listing AFTER UPDATE OF status, visibility, deleted_at, published_at ON contents
    FOR EACH ROW EXECUTE FUNCTION contents_sync_listing();

-- A user's standing relation to one item, kept up to date from their interactions.
CREATE TABLE content_states (
    user_id       bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id    bigint      NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    views         integer     NOT NULL DEFAULT 0 CHECK (views >= 0),
    dwell_ms      bigint      NOT NULL DEFAULT 0 CHECK (dwell_ms >= 0),
    viewed_at     timestamptz,
    liked_at      timestamptz,
    bookmarked_at timestamptz,
    hidden_at     timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, content_id)
);
CREATE INDEX content_states_bookmarks_idx ON content_states (user_id, bookmarked_at DESC, content_id) WHERE bookmarked_at IS NOT NULL;
CREATE INDEX content_states_history_idx ON content_states (user_id, viewed_at DESC, content_id) WHERE viewed_at IS NOT NULL;
CREATE INDEX content_states_engaged_idx ON content_states (content_id, user_id) WHERE liked_at IS NOT NULL OR bookmarked_at IS NOT NULL;

-- Implicit affinities: a score that decays exponentially and grows with each signal.
-- The stored score is as of updated_at; readers decay it to their own instant.
CREATE TABLE topic_affinities (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id   bigint      NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    score      real        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, topic_id)
);
CREATE TABLE author_affinities (
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id  bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    score      real        NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (user_id, author_id)
);

-- A ranked feed as it stood when its first page was asked for, so later pages never repeat or
-- skip an item. Anonymous feeds are shared per time bucket.
CREATE TABLE feed_snapshots (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      REFERENCES users (id) ON DELETE CASCADE,
    bucket     text        UNIQUE,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL,
    items      bigint[]    NOT NULL,
    scores     real[]      NOT NULL,
    reasons    jsonb       NOT NULL,
    CHECK (cardinality(items) = cardinality(scores))
);
CREATE INDEX feed_snapshots_expires_idx ON feed_snapshots (expires_at);

-- +goose Down
DROP TABLE feed_snapshots;
DROP TABLE author_affinities;
DROP TABLE topic_affinities;
DROP TABLE content_states;
DROP TRIGGER contents_listing ON contents;
DROP FUNCTION contents_sync_listing();
DROP TRIGGER content_topics_listing ON content_topics;
DROP FUNCTION content_topics_copy_listing();
DROP INDEX content_topics_listed_idx;
ALTER TABLE content_topics DROP COLUMN listed, DROP COLUMN sorted_at;
DROP INDEX contents_search_idx;
DROP TRIGGER contents_search ON contents;
DROP FUNCTION contents_search_vector();
DROP INDEX contents_popular_idx;
ALTER TABLE contents DROP COLUMN search, DROP COLUMN popularity,
    DROP COLUMN bookmark_count, DROP COLUMN like_count, DROP COLUMN view_count;
