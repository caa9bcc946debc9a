package postgres

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/user"
)

// UserStore reads accounts and their preferences.
type UserStore struct {
	db *sqlx.DB
	// hot holds the statements behind the loaders, which most requests run.
	hot *prepared
}

// NewUserStore returns a UserStore over db.
func NewUserStore(db *sqlx.DB) *UserStore { return &UserStore{db: db, hot: newPrepared(db)} }

const userColumns = "u.id, u.handle, u.email, u.display_name, u.bio, u.role, u.created_at"

// ByIDs returns the users with the given IDs in the order of ids, nil where one is missing.
func (s *UserStore) ByIDs(ctx context.Context, ids []int64) ([]*user.User, error) {
	var rows []*user.User
	if err := s.hot.selectAll(ctx, &rows, "SELECT "+userColumns+" FROM users u WHERE u.id = ANY($1)", pq.Array(ids)); err != nil {
		return nil, fmt.Errorf("users by id: %w", err)
	}
	return inKeyOrder(ids, rows, func(u *user.User) int64 { return u.ID }), nil
}

// ByHandle returns the user with the given handle, or nil.
func (s *UserStore) ByHandle(ctx context.Context, handle string) (*user.User, error) {
	var u user.User
	if err := s.db.GetContext(ctx, &u, "SELECT "+userColumns+" FROM users u WHERE u.handle = $1", handle); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		return nil, fmt.Errorf("user by handle: %w", err)
	}
	return &u, nil
}

// PreferencesByUserIDs returns the preferences of each user in the order of userIDs, in one
// statement. A user who never set any gets the defaults.
func (s *UserStore) PreferencesByUserIDs(ctx context.Context, userIDs []int64) ([]*user.Preferences, error) {
	const stmt = `SELECT u.id AS user_id,
		coalesce(p.languages, '{}') AS languages,
		coalesce(p.kinds, '{}') AS kinds,
		coalesce(p.email_notifications, $2) AS email_notifications,
		coalesce(p.in_app_notifications, $3) AS in_app_notifications,
		coalesce(p.locale, $4) AS locale,
		coalesce(p.time_zone, $5) AS time_zone,
		coalesce(p.updated_at, u.created_at) AS updated_at,
		coalesce(p.record_habits, $6) AS record_habits,
		(SELECT coalesce(json_agg(json_build_object('topic_id', tp.topic_id, 'weight', tp.weight)
			ORDER BY tp.weight DESC, tp.topic_id), '[]') FROM topic_preferences tp WHERE tp.user_id = u.id) AS topic_weights,
		ARRAY(SELECT f.author_id FROM follows f WHERE f.follower_id = u.id ORDER BY f.created_at, f.author_id) AS followed,
		ARRAY(SELECT m.topic_id FROM muted_topics m WHERE m.user_id = u.id ORDER BY m.topic_id) AS muted_topics,
		ARRAY(SELECT m.author_id FROM muted_authors m WHERE m.user_id = u.id ORDER BY m.author_id) AS muted_authors
	FROM users u LEFT JOIN preferences p ON p.user_id = u.id
	WHERE u.id = ANY($1)`
	rows, err := s.db.QueryxContext(ctx, stmt, pq.Array(userIDs),
		user.DefaultEmail, user.DefaultInApp, user.DefaultLocale, user.DefaultTimeZone, user.DefaultRecordHabits)
	if err != nil {
		return nil, fmt.Errorf("preferences by user: %w", err)
	}
	defer rows.Close()
	found := make([]*user.Preferences, 0, len(userIDs))
	for rows.Next() {
		var (
			p                        user.Preferences
			weights                  []byte
			followed, mutedT, mutedA pq.Int64Array
			languages, kinds         pq.StringArray
			email                    string
			updated                  time.Time
		)
		if err := rows.Scan(&p.UserID, &languages, &kinds, &email, &p.InAppNotifications, &p.Locale,
			&p.TimeZone, &updated, &p.RecordHabits, &weights, &followed, &mutedT, &mutedA); err != nil {
			return nil, fmt.Errorf("preferences by user: %w", err)
		}
		if err := json.Unmarshal(weights, &p.TopicWeights); err != nil {
			return nil, fmt.Errorf("preferences by user: topic weights: %w", err)
		}
		p.Languages, p.Kinds = languages, kinds
		p.FollowedAuthorIDs, p.MutedTopicIDs, p.MutedAuthorIDs = followed, mutedT, mutedA
		p.EmailNotifications, p.UpdatedAt = user.EmailNotifications(email), updated
		found = append(found, &p)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("preferences by user: %w", err)
	}
	return inKeyOrder(userIDs, found, func(p *user.Preferences) int64 { return p.UserID }), nil
}
