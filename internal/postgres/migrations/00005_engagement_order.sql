-- +goose Up
-- Who engaged with an item most recently, and what each person engaged with most recently:
-- related content walks both in order instead of sorting every engagement.
CREATE INDEX content_states_engaged_by_item_idx ON content_states (content_id, greatest(liked_at, bookmarked_at) DESC, user_id)
    WHERE liked_at IS NOT NULL OR bookmarked_at IS NOT NULL;
CREATE INDEX content_states_engaged_by_user_idx ON content_states (user_id, greatest(liked_at, bookmarked_at) DESC, content_id)
    WHERE liked_at IS NOT NULL OR bookmarked_at IS NOT NULL;
DROP INDEX content_states_engaged_idx;

-- +goose Down
CREATE INDEX content_states_engaged_idx ON content_states (content_id, user_id) WHERE liked_at IS NOT NULL OR bookmarked_at IS NOT NULL;
DROP INDEX content_states_engaged_by_user_idx;
DROP INDEX content_states_engaged_by_item_idx;
