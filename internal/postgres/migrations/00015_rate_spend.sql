-- +goose Up
-- Each caller's points spent in the current rate-limit window, shared by every replica.
-- Replicas add what they counted every sync; a new window starts the count again.
CREATE UNLOGGED TABLE rate_spend (
    caller       text        PRIMARY KEY,
    window_start timestamptz NOT NULL,
    spent        bigint      NOT NULL CHECK (spent >= 0)
);

-- An API key may carry its own budget, in points per window; its use since it was created is
-- added up with every sync of the rate limits.
ALTER TABLE api_keys
    ADD COLUMN points_per_window    bigint CHECK (points_per_window > 0),
    ADD COLUMN usage_requests       bigint NOT NULL DEFAULT 0,
    ADD COLUMN usage_points         bigint NOT NULL DEFAULT 0,
    ADD COLUMN usage_last_operation text;

-- +goose Down
ALTER TABLE api_keys DROP COLUMN points_per_window, DROP COLUMN usage_requests, DROP COLUMN usage_points,
    DROP COLUMN usage_last_operation;
DROP TABLE rate_spend;
