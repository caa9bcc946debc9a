package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/notify"
	"github.com/tailorhq/tailor/internal/relay"
)

// The channels of the notification pipeline: the outbox's wakes the workers when an event is
// written; the events' tells every replica which events were fanned out, by ID.
const (
	OutboxChannel = "tailor_outbox"
	EventsChannel = "tailor_events"
)

// NotificationStore keeps the outbox, notifications, webhooks and deliveries.
type NotificationStore struct {
	db *sqlx.DB
}

// NewNotificationStore returns a NotificationStore over db.
func NewNotificationStore(db *sqlx.DB) *NotificationStore { return &NotificationStore{db: db} }

// fanOuts are the statements that fan one event out to its audience, by the event's kind: one
// statement each, whatever the audience's size. $1 is the event; for a published item, $2 is
// the stated topic weight from which a user hears of a topic's new items.
var fanOuts = map[string]string{
	"content_published": `WITH ev AS (
	SELECT e.id, c.id AS content_id, c.author_id, c.topic_ids, c.slug, c.title, c.kind, c.published_at
	FROM events e JOIN contents c ON c.id = e.content_id
	WHERE e.id = $1 AND ` + listedSQL("c") + `),
audience AS (
	SELECT f.follower_id AS user_id, 'followed_author_published' AS kind FROM ev JOIN follows f ON f.author_id = ev.author_id
	UNION ALL
	SELECT DISTINCT tp.user_id, 'content_published' FROM ev JOIN topic_preferences tp ON tp.topic_id = ANY(ev.topic_ids) AND tp.weight >= $2
	WHERE NOT EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = tp.user_id AND f.author_id = ev.author_id)),
told AS (
	SELECT a.user_id, a.kind, p.in_app_notifications AS in_app, p.email_notifications AS email
	FROM audience a JOIN preferences p ON p.user_id = a.user_id CROSS JOIN ev
	WHERE a.user_id <> ev.author_id
		AND (p.in_app_notifications OR p.email_notifications <> 'off')
		AND NOT EXISTS (SELECT 1 FROM muted_authors m WHERE m.user_id = a.user_id AND m.author_id = ev.author_id)
		AND NOT EXISTS (SELECT 1 FROM muted_topics m WHERE m.user_id = a.user_id AND m.topic_id = ANY(ev.topic_ids))),
notified AS (
	INSERT INTO notifications (user_id, event_id, kind, content_id, actor_id, in_app)
	SELECT t.user_id, ev.id, t.kind, ev.content_id, ev.author_id, t.in_app FROM told t CROSS JOIN ev
	RETURNING user_id, id),
mailed AS (
	INSERT INTO deliveries (user_id, event_id, channel, notification_id)
	SELECT n.user_id, $1, 'email', n.id FROM notified n JOIN told t ON t.user_id = n.user_id WHERE t.email = 'immediate'
	RETURNING 1),
hooked AS (
	INSERT INTO deliveries (user_id, event_id, channel, webhook_id, payload)
	SELECT w.user_id, $1, 'webhook', w.id, jsonb_build_object('type', 'content.published', 'timestamp', now(),
		'data', jsonb_build_object('id', global_id('Content', ev.content_id), 'slug', ev.slug, 'title', ev.title,
			'kind', upper(ev.kind), 'authorId', global_id('User', ev.author_id), 'publishedAt', ev.published_at))
	FROM webhooks w CROSS JOIN ev WHERE w.events @> ARRAY['content.published']
	RETURNING 1)
SELECT (SELECT count(*) FROM notified) + (SELECT count(*) FROM mailed) + (SELECT count(*) FROM hooked)`,

	"new_follower": `WITH ev AS (
	SELECT e.id, e.actor_id, e.subject_id FROM events e
	WHERE e.id = $1 AND EXISTS (SELECT 1 FROM follows f WHERE f.follower_id = e.actor_id AND f.author_id = e.subject_id)),
told AS (
	SELECT p.user_id, p.in_app_notifications AS in_app, p.email_notifications AS email
	FROM ev JOIN preferences p ON p.user_id = ev.subject_id
	WHERE (p.in_app_notifications OR p.email_notifications <> 'off')
		AND NOT EXISTS (SELECT 1 FROM muted_authors m WHERE m.user_id = ev.subject_id AND m.author_id = ev.actor_id)),
notified AS (
	INSERT INTO notifications (user_id, event_id, kind, actor_id, in_app)
	SELECT t.user_id, ev.id, 'new_follower', ev.actor_id, t.in_app FROM told t CROSS JOIN ev
	RETURNING user_id, id),
mailed AS (
	INSERT INTO deliveries (user_id, event_id, channel, notification_id)
	SELECT n.user_id, $1, 'email', n.id FROM notified n JOIN told t ON t.user_id = n.user_id WHERE t.email = 'immediate'
	RETURNING 1),
hooked AS (
	INSERT INTO deliveries (user_id, event_id, channel, webhook_id, payload)
	SELECT w.user_id, $1, 'webhook', w.id, jsonb_build_object('type', 'user.followed', 'timestamp', now(),
		'data', jsonb_build_object('userId', global_id('User', ev.subject_id), 'followerId', global_id('User', ev.actor_id)))
	FROM ev JOIN webhooks w ON w.user_id = ev.subject_id WHERE w.events @> ARRAY['user.followed']
	RETURNING 1)
SELECT (SELECT count(*) FROM notified) + (SELECT count(*) FROM mailed) + (SELECT count(*) FROM hooked)`,

	// Likes of one item are counted on one unread notification; they reach mail only in
	// digests, never one message per like.
	"content_liked": `WITH ev AS (
	SELECT e.id, e.actor_id, e.subject_id, e.content_id FROM events e
	JOIN content_states s ON s.user_id = e.actor_id AND s.content_id = e.content_id AND s.liked_at IS NOT NULL
	WHERE e.id = $1),
told AS (
	SELECT p.user_id, p.in_app_notifications AS in_app
	FROM ev JOIN preferences p ON p.user_id = ev.subject_id
	WHERE (p.in_app_notifications OR p.email_notifications IN ('daily', 'weekly'))
		AND NOT EXISTS (SELECT 1 FROM muted_authors m WHERE m.user_id = ev.subject_id AND m.author_id = ev.actor_id)),
notified AS (
	INSERT INTO notifications AS n (user_id, event_id, kind, content_id, actor_id, in_app)
	SELECT t.user_id, ev.id, 'content_liked', ev.content_id, ev.actor_id, t.in_app FROM told t CROSS JOIN ev
	ON CONFLICT (user_id, content_id) WHERE kind = 'content_liked' AND read_at IS NULL
	DO UPDATE SET count = n.count + 1, actor_id = EXCLUDED.actor_id, event_id = EXCLUDED.event_id, updated_at = now()
	RETURNING user_id, id),
hooked AS (
	INSERT INTO deliveries (user_id, event_id, channel, webhook_id, payload)
	SELECT w.user_id, $1, 'webhook', w.id, jsonb_build_object('type', 'content.liked', 'timestamp', now(),
		'data', jsonb_build_object('id', global_id('Content', ev.content_id), 'likedBy', global_id('User', ev.actor_id)))
	FROM ev JOIN webhooks w ON w.user_id = ev.subject_id WHERE w.events @> ARRAY['content.liked']
	RETURNING 1)
SELECT (SELECT count(*) FROM notified) + (SELECT count(*) FROM hooked)`,
}

// FanOut claims up to max pending events (rows other workers hold are skipped), fans each out
// to its audience, marks them processed and, as the transaction commits, tells every replica
// which events were fanned out. It returns the events' IDs, oldest first, and how many
// notifications and deliveries they made.
func (s *NotificationStore) FanOut(ctx context.Context, max int) ([]int64, int, error) {
	var ids []int64
	made := 0
	err := withTx(ctx, s.db, func(tx *sqlx.Tx) error {
		ids, made = nil, 0
		var evs []struct {
			ID   int64  `db:"id"`
			Kind string `db:"kind"`
		}
		if err := tx.SelectContext(ctx, &evs, `SELECT id, kind FROM events WHERE processed_at IS NULL
			ORDER BY id LIMIT $1 FOR UPDATE SKIP LOCKED`, max); err != nil {
			return err
		}
		for _, e := range evs {
			var n int
			args := []any{e.ID}
			if e.Kind == "content_published" {
				args = append(args, notify.TopicWeightToNotify)
			}
			if err := tx.GetContext(ctx, &n, fanOuts[e.Kind], args...); err != nil {
				return fmt.Errorf("event %d (%s): %w", e.ID, e.Kind, err)
			}
			made += n
			ids = append(ids, e.ID)
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE events SET processed_at = clock_timestamp() WHERE id = ANY($1)`, pq.Array(ids)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, EventsChannel, joinIDs(ids))
		return err
	})
	if err != nil {
		return nil, 0, fmt.Errorf("fan out events: %w", err)
	}
	return ids, made, nil
}

// joinIDs writes ids as a comma-separated list, the payload of an events announcement.
func joinIDs(ids []int64) string {
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// ParseEventIDs reads an events announcement's payload.
func ParseEventIDs(payload string) ([]int64, error) {
	var ids []int64
	for _, p := range strings.Split(payload, ",") {
		id, err := strconv.ParseInt(p, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("events announcement %q: %w", payload, err)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// EventsSince returns the IDs of events fanned out after the event after, oldest first, at
// most limit: what a replica whose listener reconnected may have missed.
func (s *NotificationStore) EventsSince(ctx context.Context, after int64, limit int) ([]int64, error) {
	var ids []int64
	err := s.db.SelectContext(ctx, &ids, `SELECT id FROM events WHERE id > $1 AND processed_at IS NOT NULL ORDER BY id LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("events since %d: %w", after, err)
	}
	return ids, nil
}

// LastEvent returns the ID of the newest event, 0 when there is none.
func (s *NotificationStore) LastEvent(ctx context.Context) (int64, error) {
	var id int64
	if err := s.db.GetContext(ctx, &id, `SELECT coalesce(max(id), 0) FROM events`); err != nil {
		return 0, fmt.Errorf("last event: %w", err)
	}
	return id, nil
}

const notificationColumns = "n.id, n.user_id, n.event_id, n.kind, n.content_id, n.actor_id, n.count, n.created_at, n.updated_at, n.read_at"

// NotificationsOfEvents returns the in-app notifications the events made or changed for the
// given users.
func (s *NotificationStore) NotificationsOfEvents(ctx context.Context, eventIDs, userIDs []int64) ([]notify.Notification, error) {
	var out []notify.Notification
	err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+` FROM notifications n
		WHERE n.user_id = ANY($2) AND n.event_id = ANY($1) AND n.in_app ORDER BY n.event_id, n.id`, pq.Array(eventIDs), pq.Array(userIDs))
	if err != nil {
		return nil, fmt.Errorf("notifications of events: %w", err)
	}
	return out, nil
}

// PublishedByEvents returns the items the events announce as published, with their topics, by
// event ID.
func (s *NotificationStore) PublishedByEvents(ctx context.Context, eventIDs []int64) (map[int64]notify.Published, error) {
	var rows []struct {
		EventID   int64         `db:"id"`
		ContentID int64         `db:"content_id"`
		TopicIDs  pq.Int64Array `db:"topic_ids"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT e.id, e.content_id, c.topic_ids FROM events e JOIN contents c ON c.id = e.content_id
		WHERE e.id = ANY($1) AND e.kind = 'content_published'`, pq.Array(eventIDs))
	if err != nil {
		return nil, fmt.Errorf("published items of events: %w", err)
	}
	out := make(map[int64]notify.Published, len(rows))
	for _, r := range rows {
		out[r.EventID] = notify.Published{ContentID: r.ContentID, TopicIDs: r.TopicIDs}
	}
	return out, nil
}

// Notifications returns one page of a user's in-app notifications, most recently changed
// first, and whether more follow.
func (s *NotificationStore) Notifications(ctx context.Context, userID int64, unreadOnly bool, p relay.Page) ([]notify.Notification, bool, error) {
	q := &query{}
	q.and("n.user_id = " + q.arg(userID))
	q.and("n.in_app")
	if unreadOnly {
		q.and("n.read_at IS NULL")
	}
	if p.Cursor != nil {
		at, err := time.Parse(time.RFC3339Nano, p.Cursor.Key)
		if err != nil {
			return nil, false, apperr.Invalid("after", "after: the cursor is not a notification cursor")
		}
		q.and(fmt.Sprintf("(n.updated_at, n.id) < (%s, %s)", q.arg(at), q.arg(p.Cursor.ID)))
	}
	var out []notify.Notification
	err := s.db.SelectContext(ctx, &out, `SELECT `+notificationColumns+` FROM notifications n
		WHERE `+q.whereClause()+` ORDER BY n.updated_at DESC, n.id DESC LIMIT `+strconv.Itoa(p.Limit+1), q.args...)
	if err != nil {
		return nil, false, fmt.Errorf("notifications: %w", err)
	}
	out, more := trimPage(out, p.Limit)
	return out, more, nil
}

// NotificationByID returns one of the user's in-app notifications, nil when there is none.
func (s *NotificationStore) NotificationByID(ctx context.Context, userID, id int64) (*notify.Notification, error) {
	var n notify.Notification
	err := s.db.GetContext(ctx, &n, `SELECT `+notificationColumns+` FROM notifications n WHERE n.user_id = $1 AND n.id = $2 AND n.in_app`, userID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("notification %d: %w", id, err)
	}
	return &n, nil
}

// UnreadCounts returns how many unread in-app notifications each user has, in the order of
// userIDs.
func (s *NotificationStore) UnreadCounts(ctx context.Context, userIDs []int64) ([]int, error) {
	var rows []struct {
		UserID int64 `db:"user_id"`
		N      int   `db:"n"`
	}
	err := s.db.SelectContext(ctx, &rows, `SELECT u.id AS user_id, (SELECT count(*) FROM notifications n
		WHERE n.user_id = u.id AND n.in_app AND n.read_at IS NULL) AS n FROM unnest($1::bigint[]) AS u(id)`, pq.Array(userIDs))
	if err != nil {
		return nil, fmt.Errorf("unread notification counts: %w", err)
	}
	byUser := make(map[int64]int, len(rows))
	for _, r := range rows {
		byUser[r.UserID] = r.N
	}
	out := make([]int, len(userIDs))
	for i, id := range userIDs {
		out[i] = byUser[id]
	}
	return out, nil
}

// MarkRead marks the user's notifications read: those of ids, or all of them. It returns how
// many stay unread.
func (s *NotificationStore) MarkRead(ctx context.Context, userID int64, ids []int64, all bool) (int, error) {
	var unread int
	err := s.db.GetContext(ctx, &unread, `WITH marked AS (
		UPDATE notifications SET read_at = now() WHERE user_id = $1 AND read_at IS NULL AND ($3 OR id = ANY($2))
		RETURNING id)
	SELECT count(*) FROM notifications n WHERE n.user_id = $1 AND n.in_app AND n.read_at IS NULL
		AND n.id NOT IN (SELECT id FROM marked)`, userID, pq.Array(ids), all)
	if err != nil {
		return 0, fmt.Errorf("mark notifications read: %w", err)
	}
	return unread, nil
}

// TurnOffEmail stops all mail to the user (the unsubscribe link).
func (s *NotificationStore) TurnOffEmail(ctx context.Context, userID int64) error {
	_, err := s.db.ExecContext(ctx, `UPDATE preferences SET email_notifications = 'off' WHERE user_id = $1`, userID)
	if err != nil {
		return fmt.Errorf("turn off email: %w", err)
	}
	return nil
}

const webhookColumns = "w.id, w.user_id, w.url, w.events, w.description, w.created_at, w.updated_at"

type webhookRow struct {
	notify.Webhook
	Events pq.StringArray `db:"events"`
}

func (r webhookRow) webhook() *notify.Webhook {
	w := r.Webhook
	w.Events = make([]notify.Event, len(r.Events))
	for i, e := range r.Events {
		w.Events[i] = notify.Event(e)
	}
	return &w
}

func eventArray(events []notify.Event) pq.StringArray {
	out := make(pq.StringArray, len(events))
	for i, e := range events {
		out[i] = string(e)
	}
	return out
}

// CreateWebhook stores a webhook with its secret.
func (s *NotificationStore) CreateWebhook(ctx context.Context, userID int64, url string, events []notify.Event, description, secret string) (*notify.Webhook, error) {
	var r webhookRow
	err := s.db.GetContext(ctx, &r, `INSERT INTO webhooks AS w (user_id, url, events, description, secret) VALUES ($1, $2, $3, $4, $5)
		RETURNING `+webhookColumns, userID, url, eventArray(events), description, secret)
	if err != nil {
		return nil, fmt.Errorf("create webhook: %w", err)
	}
	return r.webhook(), nil
}

// UpdateWebhook changes the given fields of one of the user's webhooks; nil when there is no
// such webhook.
func (s *NotificationStore) UpdateWebhook(ctx context.Context, userID, id int64, url *string, events []notify.Event, description *string) (*notify.Webhook, error) {
	var ev any
	if events != nil {
		ev = eventArray(events)
	}
	var r webhookRow
	err := s.db.GetContext(ctx, &r, `UPDATE webhooks AS w SET url = coalesce($3, w.url), events = coalesce($4, w.events),
		description = coalesce($5, w.description), updated_at = now()
		WHERE w.user_id = $1 AND w.id = $2 RETURNING `+webhookColumns, userID, id, url, ev, description)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("update webhook: %w", err)
	}
	return r.webhook(), nil
}

// DeleteWebhook deletes one of the user's webhooks with its deliveries; nil when there was no
// such webhook.
func (s *NotificationStore) DeleteWebhook(ctx context.Context, userID, id int64) (*notify.Webhook, error) {
	var r webhookRow
	err := s.db.GetContext(ctx, &r, `DELETE FROM webhooks AS w WHERE w.user_id = $1 AND w.id = $2 RETURNING `+webhookColumns, userID, id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("delete webhook: %w", err)
	}
	return r.webhook(), nil
}

// Webhooks returns the user's webhooks, newest first, at most limit.
func (s *NotificationStore) Webhooks(ctx context.Context, userID int64, limit int) ([]*notify.Webhook, error) {
	var rows []webhookRow
	err := s.db.SelectContext(ctx, &rows, `SELECT `+webhookColumns+` FROM webhooks w WHERE w.user_id = $1 ORDER BY w.id DESC LIMIT $2`, userID, limit)
	if err != nil {
		return nil, fmt.Errorf("webhooks: %w", err)
	}
	out := make([]*notify.Webhook, len(rows))
	for i, r := range rows {
		out[i] = r.webhook()
	}
	return out, nil
}

const deliveryColumns = "d.id, d.user_id, d.event_id, d.channel, d.webhook_id, d.status, d.attempts, d.next_attempt_at, d.last_status_code, d.last_error, d.last_latency_ms, d.created_at, d.delivered_at"

// Deliveries returns one page of a webhook's deliveries, newest first, and whether more follow.
func (s *NotificationStore) Deliveries(ctx context.Context, userID, webhookID int64, p relay.Page) ([]notify.Delivery, bool, error) {
	q := &query{}
	q.and("d.user_id = " + q.arg(userID))
	q.and("d.webhook_id = " + q.arg(webhookID))
	return s.deliveryPage(ctx, q, p, "deliveries")
}

// DeadDeliveries returns one page of the deliveries that failed for good, every user's,
// newest first, and whether more follow.
func (s *NotificationStore) DeadDeliveries(ctx context.Context, p relay.Page) ([]notify.Delivery, bool, error) {
	q := &query{}
	q.and("d.status = 'dead'")
	return s.deliveryPage(ctx, q, p, "dead deliveries")
}

// deliveryPage reads one page, newest first, of the deliveries q selects.
func (s *NotificationStore) deliveryPage(ctx context.Context, q *query, p relay.Page, what string) ([]notify.Delivery, bool, error) {
	if p.Cursor != nil {
		q.and("d.id < " + q.arg(p.Cursor.ID))
	}
	var out []notify.Delivery
	err := s.db.SelectContext(ctx, &out, `SELECT `+deliveryColumns+` FROM deliveries d WHERE `+q.whereClause()+
		` ORDER BY d.id DESC LIMIT `+strconv.Itoa(p.Limit+1), q.args...)
	if err != nil {
		return nil, false, fmt.Errorf("%s: %w", what, err)
	}
	out, more := trimPage(out, p.Limit)
	return out, more, nil
}

// Redeliver puts one of the user's deliveries back in the queue, due now, with its attempts
// counted afresh; nil when the user has no such delivery.
func (s *NotificationStore) Redeliver(ctx context.Context, userID, deliveryID int64) (*notify.Delivery, error) {
	var d notify.Delivery
	err := s.db.GetContext(ctx, &d, `UPDATE deliveries d SET status = 'pending', attempts = 0, next_attempt_at = now(), delivered_at = NULL
		WHERE d.user_id = $1 AND d.id = $2 RETURNING `+deliveryColumns, userID, deliveryID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("redeliver: %w", err)
	}
	_, _ = s.db.ExecContext(ctx, `SELECT pg_notify($1, '')`, OutboxChannel)
	return &d, nil
}

// ClaimDeliveries takes up to max due deliveries (rows others hold are skipped) and leases
// them for lease: each counts an attempt and is due again when the lease ends, so a worker
// that dies mid-delivery leaves it to another. Each comes with what sending it needs.
func (s *NotificationStore) ClaimDeliveries(ctx context.Context, max int, lease time.Duration) ([]notify.Job, error) {
	var jobs []notify.Job
	err := s.db.SelectContext(ctx, &jobs, `WITH due AS (
		SELECT user_id, id FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now()
		ORDER BY next_attempt_at LIMIT $1 FOR UPDATE SKIP LOCKED),
	claimed AS (
		UPDATE deliveries d SET attempts = d.attempts + 1, next_attempt_at = now() + $2::float8 * interval '1 millisecond'
		FROM due WHERE d.user_id = due.user_id AND d.id = due.id
		RETURNING d.*)
	SELECT d.id, d.user_id, d.event_id, d.channel, d.attempts, d.created_at, coalesce(d.payload::text, '') AS payload,
		coalesce(w.url, '') AS url, coalesce(w.secret, '') AS secret,
		u.email, u.display_name, p.time_zone, coalesce(p.digest_sent_at, d.created_at) AS digest_to,
		coalesce(n.kind, '') AS kind, coalesce(n.count, 0) AS count, coalesce(n.updated_at, d.created_at) AS at,
		coalesce(a.display_name, '') AS actor, coalesce(a.handle, '') AS actor_handle,
		coalesce(c.title, '') AS title, coalesce(c.slug, '') AS slug
	FROM claimed d JOIN users u ON u.id = d.user_id JOIN preferences p ON p.user_id = d.user_id
	LEFT JOIN webhooks w ON w.user_id = d.user_id AND w.id = d.webhook_id
	LEFT JOIN notifications n ON n.user_id = d.user_id AND n.id = d.notification_id
	LEFT JOIN users a ON a.id = n.actor_id
	LEFT JOIN contents c ON c.id = n.content_id
	ORDER BY d.id`, max, lease.Milliseconds())
	if err != nil {
		return nil, fmt.Errorf("claim deliveries: %w", err)
	}
	return jobs, nil
}

// FinishDelivery records how a delivery's attempt went: delivered, dead, or due again at
// retryAt.
func (s *NotificationStore) FinishDelivery(ctx context.Context, j notify.Job, o notify.Outcome) error {
	_, err := s.db.ExecContext(ctx, `UPDATE deliveries SET status = $3,
		next_attempt_at = CASE WHEN $3 = 'pending' THEN $4 ELSE next_attempt_at END,
		delivered_at = CASE WHEN $3 = 'delivered' THEN now() END,
		last_status_code = $5, last_error = $6, last_latency_ms = $7
		WHERE user_id = $1 AND id = $2`, j.UserID, j.ID, o.Status, o.RetryAt, o.StatusCode, o.Error, o.Latency.Milliseconds())
	if err != nil {
		return fmt.Errorf("finish delivery %d: %w", j.ID, err)
	}
	return nil
}

// PrepareDigests queues a digest for everyone whose daily or weekly digest is due at now in
// their time zone (at hour o'clock; weekly ones on Mondays) and who has in-app or digest
// notifications since the last one; each digest covers what came since. It returns how many
// were queued.
func (s *NotificationStore) PrepareDigests(ctx context.Context, now time.Time, hour int) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `WITH due AS (
		SELECT p.user_id, coalesce(p.digest_sent_at, u.created_at) AS since,
			CASE p.email_notifications WHEN 'daily' THEN 'daily' ELSE 'weekly' END AS period
		FROM preferences p JOIN users u ON u.id = p.user_id
		CROSS JOIN LATERAL (SELECT $1::timestamptz AT TIME ZONE
			CASE WHEN EXISTS (SELECT 1 FROM pg_timezone_names z WHERE z.name = p.time_zone) THEN p.time_zone ELSE 'UTC' END AS local) l
		WHERE p.email_notifications IN ('daily', 'weekly')
			AND extract(hour FROM l.local) >= $2
			AND (p.email_notifications = 'daily' OR extract(isodow FROM l.local) = 1)
			AND coalesce(p.digest_sent_at, u.created_at) < $1::timestamptz - CASE p.email_notifications WHEN 'daily' THEN interval '20 hours' ELSE interval '6 days' END
			AND EXISTS (SELECT 1 FROM notifications x WHERE x.user_id = p.user_id AND x.updated_at > coalesce(p.digest_sent_at, u.created_at))
		FOR UPDATE OF p SKIP LOCKED),
	marked AS (
		UPDATE preferences p SET digest_sent_at = $1 FROM due WHERE p.user_id = due.user_id RETURNING p.user_id),
	queued AS (
		INSERT INTO deliveries (user_id, channel, payload)
		SELECT due.user_id, 'digest', jsonb_build_object('period', due.period, 'from', due.since, 'to', $1::timestamptz)
		FROM due JOIN marked m ON m.user_id = due.user_id
		RETURNING 1)
	SELECT count(*) FROM queued`, now, hour)
	if err != nil {
		return 0, fmt.Errorf("prepare digests: %w", err)
	}
	return n, nil
}

// DigestItems returns what a digest covers: the user's notifications changed in (from, to],
// newest first, with what mail shows of each.
func (s *NotificationStore) DigestItems(ctx context.Context, userID int64, from, to time.Time, limit int) ([]notify.Item, error) {
	var out []notify.Item
	err := s.db.SelectContext(ctx, &out, `SELECT n.kind, n.count, n.updated_at AS at,
		coalesce(a.display_name, '') AS actor, coalesce(a.handle, '') AS actor_handle,
		coalesce(c.title, '') AS title, coalesce(c.slug, '') AS slug
		FROM notifications n LEFT JOIN users a ON a.id = n.actor_id LEFT JOIN contents c ON c.id = n.content_id
		WHERE n.user_id = $1 AND n.updated_at > $2 AND n.updated_at <= $3
		ORDER BY n.updated_at DESC, n.id DESC LIMIT $4`, userID, from, to, limit)
	if err != nil {
		return nil, fmt.Errorf("digest items: %w", err)
	}
	return out, nil
}

// trimPage cuts rows, read one past the page, to the page and says whether more follow.
func trimPage[T any](rows []T, limit int) ([]T, bool) {
	if len(rows) > limit {
		return rows[:limit], true
	}
	return rows, false
}

// maxPendingCounted bounds how many unprocessed events PendingEvents counts, so that a scrape
// stays cheap however far the workers fall behind.
const maxPendingCounted = 100000

// PendingEvents returns how many events of the outbox no worker has processed yet, counting
// at most 100,000.
func (s *NotificationStore) PendingEvents(ctx context.Context) (int, error) {
	var n int
	err := s.db.GetContext(ctx, &n, `SELECT count(*) FROM (SELECT 1 FROM events WHERE processed_at IS NULL LIMIT $1) pending`, maxPendingCounted)
	if err != nil {
		return 0, fmt.Errorf("pending events: %w", err)
	}
	return n, nil
}
