package postgres

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/user"
)

// UpdatePreferences applies a validated patch to userID's preferences in one transaction: a
// refused part (an unknown topic or author) changes nothing.
func (s *UserStore) UpdatePreferences(ctx context.Context, userID int64, p user.PreferencesPatch) error {
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `INSERT INTO preferences AS p (user_id, languages, kinds, email_notifications,
				in_app_notifications, locale, time_zone, record_habits)
			VALUES ($1, coalesce($2::text[], '{}'), coalesce($3::text[], '{}'), coalesce($4::text, $8), coalesce($5::boolean, $9), coalesce($6::text, $10), coalesce($7::text, $11),
				coalesce($12::boolean, $13))
			ON CONFLICT (user_id) DO UPDATE SET
				languages = coalesce($2::text[], p.languages), kinds = coalesce($3::text[], p.kinds),
				email_notifications = coalesce($4::text, p.email_notifications),
				in_app_notifications = coalesce($5::boolean, p.in_app_notifications),
				locale = coalesce($6::text, p.locale), time_zone = coalesce($7::text, p.time_zone),
				record_habits = coalesce($12::boolean, p.record_habits), updated_at = now()`,
			userID, nullableArray(p.Languages), nullableArray(p.Kinds), (*string)(p.EmailNotifications),
			p.InAppNotifications, p.Locale, p.TimeZone,
			user.DefaultEmail, user.DefaultInApp, user.DefaultLocale, user.DefaultTimeZone,
			p.RecordHabits, user.DefaultRecordHabits)
		if err != nil {
			return err
		}
		for _, tw := range p.TopicWeights {
			if tw.Weight == 0 {
				_, err = tx.ExecContext(ctx, `DELETE FROM topic_preferences WHERE user_id = $1 AND topic_id = $2`, userID, tw.TopicID)
			} else {
				_, err = tx.ExecContext(ctx, `INSERT INTO topic_preferences (user_id, topic_id, weight) VALUES ($1, $2, $3)
					ON CONFLICT (user_id, topic_id) DO UPDATE SET weight = EXCLUDED.weight`, userID, tw.TopicID, tw.Weight)
			}
			if err != nil {
				return refusal(err, "topics", "a topic does not exist")
			}
		}
		if len(p.TopicWeights) > 0 {
			var n int
			if err := tx.GetContext(ctx, &n, `SELECT count(*) FROM topic_preferences WHERE user_id = $1`, userID); err != nil {
				return err
			}
			if n > user.MaxListed {
				return apperr.FieldErrors{{Field: "topics", Code: apperr.FieldTooLong,
					Message: fmt.Sprintf("at most %d topics can carry a weight; set others to 0 first", user.MaxListed)}}
			}
		}
		if p.MutedTopicIDs != nil {
			if err := replaceSet(ctx, tx, "muted_topics", "topic_id", userID, p.MutedTopicIDs); err != nil {
				return refusal(err, "mutedTopicIds", "a topic does not exist")
			}
		}
		if p.MutedAuthorIDs != nil {
			if err := replaceSet(ctx, tx, "muted_authors", "author_id", userID, p.MutedAuthorIDs); err != nil {
				return refusal(err, "mutedAuthorIds", "a user does not exist")
			}
		}
		return nil
	})
	if _, ok := apperr.AsFieldErrors(err); ok {
		return err
	}
	if err != nil {
		return fmt.Errorf("update preferences: %w", err)
	}
	return nil
}

func nullableArray(values []string) any {
	if values == nil {
		return nil
	}
	return pq.Array(values)
}

func replaceSet(ctx context.Context, tx *sqlx.Tx, table, column string, userID int64, ids []int64) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE user_id = $1`, userID); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO `+table+` (user_id, `+column+`) SELECT DISTINCT $1::bigint, x FROM unnest($2::bigint[]) AS x`, userID, pq.Array(ids))
	return err
}

// Follow makes follower follow author; following twice is the same as once. A user who
// follows user.MaxFollows authors already is refused.
func (s *UserStore) Follow(ctx context.Context, follower, author int64) error {
	var result struct {
		Inserted  bool `db:"inserted"`
		Following bool `db:"following"`
	}
	err := s.db.GetContext(ctx, &result, `WITH ins AS (
			INSERT INTO follows (follower_id, author_id)
			SELECT $1, $2 WHERE (SELECT count(*) FROM follows WHERE follower_id = $1) < $3
			ON CONFLICT DO NOTHING RETURNING 1)
		SELECT EXISTS (SELECT 1 FROM ins) AS inserted,
			EXISTS (SELECT 1 FROM follows WHERE follower_id = $1 AND author_id = $2) AS following`, follower, author, user.MaxFollows)
	if err = refusal(err, "userId", "no user has this ID"); err != nil {
		if _, ok := apperr.AsFieldErrors(err); ok {
			return err
		}
		return fmt.Errorf("follow: %w", err)
	}
	if !result.Inserted && !result.Following {
		return apperr.FieldErrors{{Field: "userId", Code: apperr.FieldInvalid,
			Message: fmt.Sprintf("you follow %d authors already; unfollow some first", user.MaxFollows)}}
	}
	return nil
}

// Unfollow stops follower following author.
func (s *UserStore) Unfollow(ctx context.Context, follower, author int64) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM follows WHERE follower_id = $1 AND author_id = $2`, follower, author); err != nil {
		return fmt.Errorf("unfollow: %w", err)
	}
	return nil
}
