-- +goose Up
-- The operations a client build may send (its persisted-documents manifest), by the sha256 of
-- each document: callers held to trusted documents may run only these.
CREATE TABLE trusted_documents (
    hash       text PRIMARY KEY CHECK (hash ~ '^[0-9a-f]{64}$'),
    document   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE trusted_documents;
