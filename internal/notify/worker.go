package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"time"

	"github.com/tailorhq/tailor/internal/mail"
	"github.com/tailorhq/tailor/internal/webhook"
)

// Job is one claimed delivery with what sending it needs.
type Job struct {
	ID        int64     `db:"id"`
	UserID    int64     `db:"user_id"`
	EventID   *int64    `db:"event_id"`
	Channel   string    `db:"channel"`
	Attempts  int       `db:"attempts"`
	CreatedAt time.Time `db:"created_at"`
	// Payload is a webhook's body, or a digest's period and time range.
	Payload string `db:"payload"`
	// URL and Secret are a webhook's.
	URL    string `db:"url"`
	Secret string `db:"secret"`
	// The recipient of mail.
	Email       string    `db:"email"`
	DisplayName string    `db:"display_name"`
	TimeZone    string    `db:"time_zone"`
	DigestTo    time.Time `db:"digest_to"`
	// Item is what an immediate mail is about.
	Item
}

// Item is one notification as mail shows it.
type Item struct {
	Kind        Kind      `db:"kind"`
	Count       int       `db:"count"`
	At          time.Time `db:"at"`
	Actor       string    `db:"actor"`
	ActorHandle string    `db:"actor_handle"`
	Title       string    `db:"title"`
	Slug        string    `db:"slug"`
}

// Outcome is how one attempt of a delivery went.
type Outcome struct {
	Status     DeliveryStatus
	RetryAt    time.Time
	StatusCode *int
	Error      *string
	Latency    time.Duration
}

// WorkStore is the pipeline's storage: the outbox, the deliveries and the digests.
type WorkStore interface {
	FanOut(ctx context.Context, max int) ([]int64, int, error)
	ClaimDeliveries(ctx context.Context, max int, lease time.Duration) ([]Job, error)
	FinishDelivery(ctx context.Context, j Job, o Outcome) error
	PrepareDigests(ctx context.Context, now time.Time, hour int) (int, error)
	DigestItems(ctx context.Context, userID int64, from, to time.Time, limit int) ([]Item, error)
}

// MailSender sends one message.
type MailSender interface {
	Send(ctx context.Context, m mail.Message) error
}

// HookSender makes one webhook call.
type HookSender interface {
	Deliver(ctx context.Context, d webhook.Delivery) webhook.Result
}

// WorkerOptions tune the worker; zero values take the defaults.
type WorkerOptions struct {
	// Poll is how often the worker looks for work when nothing wakes it (likes, retries).
	Poll time.Duration
	// Batch is how many events or deliveries one claim takes.
	Batch int
	// Lease is how long a claimed delivery is held before another worker may retry it.
	Lease time.Duration
	// Concurrency is how many deliveries are sent at once.
	Concurrency int
	// MaxAttempts is how many attempts a delivery gets before it is dead.
	MaxAttempts int
	// Backoff is the pause before retry number attempt (1 for the first retry).
	Backoff func(attempt int) time.Duration
	// DigestHour is the local hour (0 to 23) from which digests go out.
	DigestHour int
	// DigestEvery is how often due digests are looked for.
	DigestEvery time.Duration
	// PublicURL is where links in mail point: <PublicURL>/content/<slug>,
	// <PublicURL>/users/<handle> and <PublicURL>/unsubscribe?token=….
	PublicURL string
	// DrainFor is how long a worker that is stopping waits for its deliveries in flight.
	DrainFor time.Duration
	// UnsubscribeFor is how long an unsubscribe link works.
	UnsubscribeFor time.Duration
}

func (o WorkerOptions) withDefaults() WorkerOptions {
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	if o.Batch <= 0 {
		o.Batch = 100
	}
	if o.Lease <= 0 {
		o.Lease = time.Minute
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 16
	}
	if o.MaxAttempts <= 0 {
		o.MaxAttempts = webhook.MaxAttempts
	}
	if o.Backoff == nil {
		o.Backoff = func(attempt int) time.Duration { return webhook.Backoff(attempt, nil) }
	}
	if o.DigestEvery <= 0 {
		o.DigestEvery = time.Minute
	}
	if o.DrainFor <= 0 {
		o.DrainFor = 10 * time.Second
	}
	if o.UnsubscribeFor <= 0 {
		o.UnsubscribeFor = 90 * 24 * time.Hour
	}
	return o
}

// Worker fans events out and delivers mail and webhooks. Any number of workers, in any number
// of processes, share the work through the database without doing any of it twice at once.
type Worker struct {
	store  WorkStore
	mail   MailSender
	hooks  HookSender
	unsub  *mail.Unsubscribe
	opts   WorkerOptions
	logger *slog.Logger
	// slots holds one token per delivery being sent; freed is signalled when one ends.
	slots chan struct{}
	freed chan struct{}
}

// NewWorker returns a worker.
func NewWorker(store WorkStore, m MailSender, hooks HookSender, unsub *mail.Unsubscribe, opts WorkerOptions, logger *slog.Logger) *Worker {
	opts = opts.withDefaults()
	return &Worker{store: store, mail: m, hooks: hooks, unsub: unsub, opts: opts, logger: logger,
		slots: make(chan struct{}, opts.Concurrency), freed: make(chan struct{}, 1)}
}

// Run works until ctx ends: at once when wake fires (an event was written), else every Poll.
func (w *Worker) Run(ctx context.Context, wake <-chan struct{}) {
	tick := time.NewTicker(w.opts.Poll)
	defer tick.Stop()
	var lastDigest time.Time
	for {
		if err := w.drain(ctx); err != nil && ctx.Err() == nil {
			w.logger.Error("notification work failed", "err", err)
		}
		if now := time.Now(); now.Sub(lastDigest) >= w.opts.DigestEvery {
			lastDigest = now
			if n, err := w.store.PrepareDigests(ctx, now, w.opts.DigestHour); err != nil && ctx.Err() == nil {
				w.logger.Error("preparing digests failed", "err", err)
			} else if n > 0 {
				w.logger.Info("digests queued", "count", n)
			}
		}
		select {
		case <-ctx.Done():
			w.finish()
			return
		case <-wake:
		case <-w.freed:
		case <-tick.C:
		}
	}
}

// finish waits, for at most DrainFor, for the deliveries in flight to end: shutdown lets them
// finish rather than cut them short (one still running when it ends is retried after its lease).
func (w *Worker) finish() {
	deadline := time.NewTimer(w.opts.DrainFor)
	defer deadline.Stop()
	for len(w.slots) > 0 {
		select {
		case <-w.freed:
		case <-deadline.C:
			w.logger.Warn("deliveries still in flight at shutdown; they are retried when their lease ends", "count", len(w.slots))
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// drain fans out every pending event, then starts sending every due delivery, as many at
// once as there are free slots; sends go on in the background.
func (w *Worker) drain(ctx context.Context) error {
	for {
		ids, _, err := w.store.FanOut(ctx, w.opts.Batch)
		if err != nil {
			return err
		}
		if len(ids) < w.opts.Batch {
			break
		}
	}
	for {
		free := cap(w.slots) - len(w.slots)
		if free == 0 {
			return nil
		}
		jobs, err := w.store.ClaimDeliveries(ctx, min(free, w.opts.Batch), w.opts.Lease)
		if err != nil || len(jobs) == 0 {
			return err
		}
		for _, j := range jobs {
			w.slots <- struct{}{}
			// A delivery is not cut short by shutdown; Run waits for it (finish).
			go w.deliver(context.WithoutCancel(ctx), j)
		}
	}
}

// deliver sends one job and records its outcome, then frees its slot (and wakes the worker to
// claim more). A slow receiver holds only its own slot.
func (w *Worker) deliver(ctx context.Context, j Job) {
	defer func() {
		<-w.slots
		select {
		case w.freed <- struct{}{}:
		default:
		}
	}()
	o := w.attempt(ctx, j)
	if err := w.store.FinishDelivery(context.WithoutCancel(ctx), j, o); err != nil {
		w.logger.Error("recording a delivery failed", "delivery", j.ID, "err", err)
	}
}

// attempt sends one job and says what to record.
func (w *Worker) attempt(ctx context.Context, j Job) Outcome {
	var (
		err       error
		permanent bool
		res       webhook.Result
	)
	start := time.Now()
	switch j.Channel {
	case "webhook":
		res = w.hooks.Deliver(ctx, webhook.Delivery{URL: j.URL, Secret: j.Secret, ID: "msg_" + strconv.FormatInt(j.ID, 10), Body: []byte(j.Payload)})
		err, permanent = res.Err, res.Permanent
	case "email", "digest":
		var m mail.Message
		m, err = w.message(ctx, j)
		if err == nil {
			err = w.mail.Send(ctx, m)
			permanent = mail.IsPermanent(err)
		} else {
			permanent = true
		}
	default:
		err, permanent = fmt.Errorf("unknown channel %q", j.Channel), true
	}
	o := Outcome{Status: DeliveryDelivered, Latency: time.Since(start)}
	if res.StatusCode != 0 {
		o.StatusCode = &res.StatusCode
		o.Latency = res.Latency
	}
	if err == nil {
		return o
	}
	msg := err.Error()
	o.Error = &msg
	if permanent || j.Attempts >= w.opts.MaxAttempts {
		o.Status = DeliveryDead
		w.logger.Warn("delivery dead", "delivery", j.ID, "channel", j.Channel, "attempts", j.Attempts, "err", err)
		return o
	}
	o.Status, o.RetryAt = DeliveryPending, time.Now().Add(w.opts.Backoff(j.Attempts))
	return o
}

// message renders a job's mail.
func (w *Worker) message(ctx context.Context, j Job) (mail.Message, error) {
	to := mail.Recipient{UserID: j.UserID, Email: j.Email, DisplayName: j.DisplayName, TimeZone: j.TimeZone}
	unsubscribe := w.opts.PublicURL + "/unsubscribe?token=" + w.unsub.Token(j.UserID, w.opts.UnsubscribeFor)
	var (
		m   mail.Message
		err error
	)
	if j.Channel == "email" {
		m, err = mail.Immediate(to, w.mailItem(j.Item), unsubscribe)
	} else {
		var p struct {
			Period   string    `json:"period"`
			From, To time.Time `json:"-"`
			RawFrom  string    `json:"from"`
			RawTo    string    `json:"to"`
		}
		if err := json.Unmarshal([]byte(j.Payload), &p); err != nil {
			return mail.Message{}, fmt.Errorf("digest %d: %w", j.ID, err)
		}
		from, errFrom := time.Parse(time.RFC3339Nano, p.RawFrom)
		until, errTo := time.Parse(time.RFC3339Nano, p.RawTo)
		if err := errors.Join(errFrom, errTo); err != nil {
			return mail.Message{}, fmt.Errorf("digest %d: %w", j.ID, err)
		}
		items, err := w.store.DigestItems(ctx, j.UserID, from, until, mail.DigestLimit+1000)
		if err != nil {
			return mail.Message{}, err
		}
		if len(items) == 0 {
			return mail.Message{}, errors.New("the digest has nothing to tell")
		}
		out := make([]mail.Item, len(items))
		for i, it := range items {
			out[i] = w.mailItem(it)
		}
		m, err = mail.Digest(to, p.Period, out, unsubscribe)
	}
	if err != nil {
		return mail.Message{}, err
	}
	m.EventID = "delivery-" + strconv.FormatInt(j.ID, 10)
	return m, nil
}

func (w *Worker) mailItem(it Item) mail.Item {
	url := w.opts.PublicURL
	switch {
	case it.Slug != "":
		url += "/content/" + it.Slug
	case it.ActorHandle != "":
		url += "/users/" + it.ActorHandle
	}
	return mail.Item{Kind: strings.ToUpper(string(it.Kind)), Actor: it.Actor, Count: it.Count, Title: it.Title, URL: url, At: it.At}
}
