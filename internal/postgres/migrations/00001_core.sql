-- +goose Up
CREATE TABLE users (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    handle        text        NOT NULL CHECK (handle ~ '^[a-z0-9_]{3,30}$'),
    email         text        NOT NULL CHECK (email ~ '^[^@\s]+@[^@\s]+$' AND length(email) <= 254),
    display_name  text        NOT NULL CHECK (length(display_name) BETWEEN 1 AND 100),
    bio           text        NOT NULL DEFAULT '' CHECK (length(bio) <= 2000),
    role          text        NOT NULL DEFAULT 'reader'
                              CHECK (role IN ('reader', 'member', 'author', 'editor', 'admin')),
    password_hash text,
    is_demo       boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_handle_key ON users (handle);
CREATE UNIQUE INDEX users_email_key ON users (lower(email));

CREATE TABLE topics (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug        text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 80),
    name        text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    description text        NOT NULL DEFAULT '' CHECK (length(description) <= 2000),
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX topics_name_idx ON topics (name, id);

CREATE TABLE contents (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    slug         text        NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 200),
    author_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    title        text        NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    summary      text        NOT NULL DEFAULT '' CHECK (length(summary) <= 2000),
    body         text        NOT NULL DEFAULT '',
    kind         text        NOT NULL CHECK (kind IN ('article', 'video', 'podcast', 'link')),
    language     text        NOT NULL CHECK (language ~ '^[a-z]{2}$'),
    status       text        NOT NULL DEFAULT 'draft'
                             CHECK (status IN ('draft', 'scheduled', 'published', 'archived')),
    visibility   text        NOT NULL DEFAULT 'public'
                             CHECK (visibility IN ('public', 'members', 'private')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,
    -- The publication order key: publication time, or creation time for unpublished items,
    -- so keyset pagination never meets a NULL.
    sorted_at    timestamptz NOT NULL GENERATED ALWAYS AS (COALESCE(published_at, created_at)) STORED,
    CHECK (status NOT IN ('published', 'scheduled') OR published_at IS NOT NULL)
);
CREATE INDEX contents_status_sorted_idx ON contents (status, sorted_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contents_status_title_idx ON contents (status, title, id) WHERE deleted_at IS NULL;
CREATE INDEX contents_author_sorted_idx ON contents (author_id, sorted_at, id) WHERE deleted_at IS NULL;
CREATE INDEX contents_author_title_idx ON contents (author_id, title, id) WHERE deleted_at IS NULL;

CREATE TABLE content_topics (
    content_id bigint   NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    topic_id   bigint   NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    position   smallint NOT NULL DEFAULT 0 CHECK (position >= 0),
    PRIMARY KEY (content_id, topic_id)
);
CREATE INDEX content_topics_topic_idx ON content_topics (topic_id, content_id);

CREATE TABLE preferences (
    user_id              bigint      PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    languages            text[]      NOT NULL DEFAULT '{}',
    kinds                text[]      NOT NULL DEFAULT '{}'
                                     CHECK (kinds <@ ARRAY['article', 'video', 'podcast', 'link']),
    email_notifications  text        NOT NULL DEFAULT 'weekly'
                                     CHECK (email_notifications IN ('off', 'immediate', 'daily', 'weekly')),
    in_app_notifications boolean     NOT NULL DEFAULT true,
    locale               text        NOT NULL DEFAULT 'en' CHECK (length(locale) BETWEEN 2 AND 35),
    time_zone            text        NOT NULL DEFAULT 'UTC' CHECK (length(time_zone) BETWEEN 1 AND 64),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE topic_preferences (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    weight   real   NOT NULL CHECK (weight BETWEEN -1 AND 1),
    PRIMARY KEY (user_id, topic_id)
);

CREATE TABLE muted_topics (
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    topic_id bigint NOT NULL REFERENCES topics (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, topic_id)
);

CREATE TABLE follows (
    follower_id bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id   bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, author_id),
    CHECK (follower_id <> author_id)
);
CREATE INDEX follows_author_idx ON follows (author_id, follower_id);

CREATE TABLE muted_authors (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, author_id),
    CHECK (user_id <> author_id)
);

CREATE TABLE interactions (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    content_id bigint      NOT NULL REFERENCES contents (id) ON DELETE CASCADE,
    kind       text        NOT NULL
                           CHECK (kind IN ('view', 'like', 'unlike', 'bookmark', 'unbookmark', 'hide', 'unhide', 'share')),
    dwell_ms   integer     CHECK (dwell_ms BETWEEN 0 AND 86400000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_user_idx ON interactions (user_id, created_at DESC);
CREATE INDEX interactions_content_idx ON interactions (content_id, created_at DESC);
CREATE INDEX interactions_user_content_idx ON interactions (user_id, content_id);

-- +goose Down
DROP TABLE interactions;
DROP TABLE muted_authors;
DROP TABLE follows;
DROP TABLE muted_topics;
DROP TABLE topic_preferences;
DROP TABLE preferences;
DROP TABLE content_topics;
DROP TABLE contents;
DROP TABLE topics;
DROP TABLE users;
