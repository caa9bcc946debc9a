-- +goose Up
-- A snapshot's reasons in a compact binary form, one run of bytes per item ending at
-- reason_ends[position], stored uncompressed so that reading one page fetches only the bytes
-- of its items. Snapshots live minutes: the ones in place are dropped, not converted.
DELETE FROM feed_snapshots;
ALTER TABLE feed_snapshots DROP COLUMN reasons,
    ADD COLUMN reasons bytea NOT NULL,
    ADD COLUMN reason_ends integer[] NOT NULL,
    ADD CHECK (cardinality(reason_ends) = cardinality(items));
ALTER TABLE feed_snapshots ALTER COLUMN reasons SET STORAGE EXTERNAL;
-- Snapshots are a cache of rankings: writing them to the WAL and waiting for its flush on
-- every first page costs more than losing them in a crash, after which a client asks for the
-- first page again. (An unlogged table is not copied to standbys; feed pages read the primary.)
ALTER TABLE feed_snapshots SET UNLOGGED;

-- +goose Down
ALTER TABLE feed_snapshots SET LOGGED;
DELETE FROM feed_snapshots;
ALTER TABLE feed_snapshots DROP COLUMN reason_ends, DROP COLUMN reasons,
    ADD COLUMN reasons jsonb NOT NULL;
