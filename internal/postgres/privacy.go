package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/tailorhq/tailor/internal/privacy"
)

// PrivacyStore reads and erases everything Tailor keeps on one person.
type PrivacyStore struct{ db *sqlx.DB }

// NewPrivacyStore returns a PrivacyStore over db.
func NewPrivacyStore(db *sqlx.DB) *PrivacyStore { return &PrivacyStore{db: db} }

// bounded is a JSON object {"truncated": bool, "items": [...]} of query's newest rows
// (query orders them), at most $2 of them.
func bounded(query string) string {
	return `json_build_object(
		'truncated', (SELECT count(*) > $2 FROM (` + query + ` LIMIT $2 + 1) x),
		'items', (SELECT coalesce(json_agg(x), '[]') FROM (` + query + ` LIMIT $2) x))`
}

// exportStatement builds the whole document in one statement (one snapshot). Secrets never
// enter it: no password hash, API key hash, webhook secret or delivery payload.
var exportStatement = `SELECT json_build_object(
	'exportedAt', now(),
	'limit', $2::int,
	'profile', (SELECT json_build_object('id', u.id, 'handle', u.handle, 'email', u.email,
		'displayName', u.display_name, 'bio', u.bio, 'role', u.role, 'createdAt', u.created_at,
		'updatedAt', u.updated_at) FROM users u WHERE u.id = $1),
	'preferences', json_build_object(
		'settings', (SELECT json_build_object('languages', p.languages, 'kinds', p.kinds,
			'emailNotifications', p.email_notifications, 'inAppNotifications', p.in_app_notifications,
			'locale', p.locale, 'timeZone', p.time_zone, 'recordHabits', p.record_habits,
			'digestSentAt', p.digest_sent_at, 'updatedAt', p.updated_at) FROM preferences p WHERE p.user_id = $1),
		'topicWeights', (SELECT coalesce(json_agg(json_build_object('topicId', t.id, 'topic', t.slug, 'weight', tp.weight)
			ORDER BY tp.weight DESC, t.id), '[]') FROM topic_preferences tp JOIN topics t ON t.id = tp.topic_id WHERE tp.user_id = $1),
		'mutedTopics', (SELECT coalesce(json_agg(json_build_object('topicId', t.id, 'topic', t.slug) ORDER BY t.id), '[]')
			FROM muted_topics m JOIN topics t ON t.id = m.topic_id WHERE m.user_id = $1),
		'mutedAuthors', (SELECT coalesce(json_agg(json_build_object('userId', a.id, 'handle', a.handle) ORDER BY a.id), '[]')
			FROM muted_authors m JOIN users a ON a.id = m.author_id WHERE m.user_id = $1),
		'follows', (SELECT coalesce(json_agg(json_build_object('userId', a.id, 'handle', a.handle, 'since', f.created_at)
			ORDER BY f.created_at, a.id), '[]') FROM follows f JOIN users a ON a.id = f.author_id WHERE f.follower_id = $1)),
	'interactions', json_build_object(
		'log', ` + bounded(`SELECT id, content_id, kind, dwell_ms, created_at FROM interactions WHERE user_id = $1
			ORDER BY created_at DESC, id DESC`) + `,
		'contentStates', ` + bounded(`SELECT content_id, views, dwell_ms, viewed_at, liked_at, bookmarked_at, hidden_at, updated_at
			FROM content_states WHERE user_id = $1 ORDER BY updated_at DESC, content_id DESC`) + `),
	'affinities', json_build_object(
		'topics', (SELECT coalesce(json_agg(json_build_object('topicId', topic_id, 'score', score, 'updatedAt', updated_at)
			ORDER BY score DESC, topic_id), '[]') FROM topic_affinities WHERE user_id = $1),
		'authors', ` + bounded(`SELECT author_id, score, updated_at FROM author_affinities WHERE user_id = $1
			ORDER BY score DESC, author_id`) + `),
	'notifications', ` + bounded(`SELECT id, kind, content_id, actor_id, count, in_app, created_at, updated_at, read_at
		FROM notifications WHERE user_id = $1 ORDER BY updated_at DESC, id DESC`) + `,
	'apiKeys', (SELECT coalesce(json_agg(json_build_object('id', id, 'name', name, 'prefix', prefix, 'scopes', scopes,
		'createdAt', created_at, 'lastUsedAt', last_used_at, 'revokedAt', revoked_at, 'pointsPerWindow', points_per_window,
		'usageRequests', usage_requests, 'usagePoints', usage_points, 'usageLastOperation', usage_last_operation)
		ORDER BY created_at, id), '[]') FROM api_keys WHERE user_id = $1),
	'webhooks', (SELECT coalesce(json_agg(json_build_object('id', id, 'url', url, 'events', events,
		'description', description, 'createdAt', created_at, 'updatedAt', updated_at) ORDER BY id), '[]')
		FROM webhooks WHERE user_id = $1),
	'deliveries', ` + bounded(`SELECT id, channel, webhook_id, event_id, notification_id, status, attempts, next_attempt_at,
		last_status_code, last_error, last_latency_ms, created_at, delivered_at
		FROM deliveries WHERE user_id = $1 ORDER BY id DESC`) + `)::text`

// Export returns everything kept on userID as one JSON document; each list that may grow
// long (interactions, item states, author affinities, notifications, deliveries) holds its
// newest limit rows and says whether there were more.
func (s *PrivacyStore) Export(ctx context.Context, userID int64, limit int) ([]byte, error) {
	var doc string
	if err := s.db.GetContext(ctx, &doc, exportStatement, userID, limit); err != nil {
		return nil, fmt.Errorf("export %d: %w", userID, err)
	}
	return []byte(doc), nil
}

// placeholderAuthor returns the placeholder account that keeps erased accounts' content,
// creating it with the first erasure. It has no password, so nobody signs in as it; its
// handle is deleted_user unless a person took that handle first.
const placeholderAuthor = `WITH made AS (
	INSERT INTO users (handle, email, display_name, bio, role, placeholder)
	SELECT CASE WHEN EXISTS (SELECT 1 FROM users WHERE handle = 'deleted_user')
			THEN 'deleted_user_' || substr(md5(random()::text), 1, 8) ELSE 'deleted_user' END,
		'deleted_user@invalid', 'Deleted user', '', 'reader', true
	WHERE NOT EXISTS (SELECT 1 FROM users WHERE placeholder)
	ON CONFLICT DO NOTHING RETURNING id)
SELECT id FROM made UNION ALL SELECT id FROM users WHERE placeholder LIMIT 1`

// Erase deletes userID's account in one transaction. With privacy.Reassign, their published,
// listed items move to the placeholder author first; everything else of theirs (drafts,
// scheduled and private items too) goes with the account, whose row every personal table
// references ON DELETE CASCADE: preferences, topic weights, follows both ways, mutes, the
// interaction log, item states, affinities, notifications, API keys, webhooks, deliveries,
// revoked tokens and feed snapshots. Deleting the row announces it on tailor_sessions, so
// every replica forgets its sessions and the account's tokens are refused. The items'
// counters (views, likes, bookmarks) keep the erased person's past contribution: they count
// anonymously and are not decremented.
func (s *PrivacyStore) Erase(ctx context.Context, userID int64, fate privacy.ContentFate) error {
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		if fate == privacy.Reassign {
			var placeholder int64
			if err := tx.GetContext(ctx, &placeholder, placeholderAuthor); err != nil {
				return fmt.Errorf("placeholder author: %w", err)
			}
			if _, err := tx.ExecContext(ctx, `UPDATE contents SET author_id = $2
				WHERE author_id = $1 AND status = 'published' AND visibility <> 'private' AND deleted_at IS NULL`,
				userID, placeholder); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_attempts WHERE key = 'login-account:' || $1::text`, userID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM users WHERE id = $1 AND NOT placeholder`, userID)
		return err
	})
	if err != nil {
		return fmt.Errorf("erase account %d: %w", userID, err)
	}
	return nil
}
