-- +goose Up
-- Tokens issued before this instant are refused ("log out everywhere", role changes).
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz;

-- Access tokens revoked before they expire; rows past expires_at can be deleted.
CREATE TABLE revoked_tokens (
    jti        text        PRIMARY KEY CHECK (length(jti) BETWEEN 16 AND 64),
    user_id    bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);
CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at);

-- Integrator API keys. Only a SHA-256 of the secret is kept; the prefix identifies the key.
CREATE TABLE api_keys (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    user_id      bigint      NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix       text        NOT NULL UNIQUE CHECK (prefix ~ '^[a-z0-9]{12}$'),
    secret_hash  bytea       NOT NULL CHECK (length(secret_hash) = 32),
    scopes       text[]      NOT NULL CHECK (cardinality(scopes) > 0 AND scopes <@ ARRAY[
                     'content:read', 'content:write', 'users:read', 'users:email',
                     'preferences:read', 'preferences:write']),
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX api_keys_user_idx ON api_keys (user_id, created_at, id);

-- Token signing keys generated for development when none is configured, shared by replicas.
CREATE TABLE signing_keys (
    kid        text        PRIMARY KEY,
    secret     bytea       NOT NULL CHECK (length(secret) >= 32),
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX contents_scheduled_idx ON contents (published_at) WHERE status = 'scheduled' AND deleted_at IS NULL;

-- +goose Down
DROP INDEX contents_scheduled_idx;
DROP TABLE signing_keys;
DROP TABLE api_keys;
DROP TABLE revoked_tokens;
ALTER TABLE users DROP COLUMN tokens_valid_after;
