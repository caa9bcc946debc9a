-- +goose Up
-- Failed log-ins and sign-ups per account and per client address, shared by every replica:
-- past a few, each further attempt must wait twice as long as the one before.
CREATE TABLE auth_attempts (
    key            text        PRIMARY KEY CHECK (length(key) <= 300),
    failures       integer     NOT NULL CHECK (failures > 0),
    last_failed_at timestamptz NOT NULL
);
CREATE INDEX auth_attempts_last_idx ON auth_attempts (last_failed_at);

-- +goose Down
DROP TABLE auth_attempts;
