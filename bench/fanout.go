package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

// The fan-out benchmark's shape: an author followed by fanoutAudience users, fanoutSubscribers
// of whom hold a notificationAdded subscription on one replica while the item is published
// through the other, fanoutRounds times.
const (
	fanoutDatabase    = "tailor_fanout"
	fanoutAudience    = 10000
	fanoutSubscribers = 1000
	fanoutRounds      = 10
	// The targets.
	maxFanout        = time.Second
	maxDeliveryP99Ms = 100.0
)

// fanoutRound is one publish: how long the fan-out took from the publish's acknowledgement to
// the commit of the audience's notifications, and each subscriber's delay from that commit to
// its notificationAdded.
type fanoutRound struct {
	FanoutMs    float64   `json:"fanoutMs"`
	Rows        int       `json:"notificationRows"`
	DeliveredMs []float64 `json:"-"`
	Missing     int       `json:"subscribersMissing"`
}

// runFanout measures the notification pipeline across two replicas on a scratch database and
// writes bench/results/<date>-fanout.md.
func runFanout(ctx context.Context, o options, args []string, stdout, stderr io.Writer) error {
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	root, err := moduleRoot(ctx)
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bench", "results")
	}
	started := time.Now()
	dbURL, err := fanoutDB(ctx, o.serverURL, logger)
	if err != nil {
		return err
	}
	key, keyEnv, err := signingKey(o.serverEnv, started)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "tailor-fanout-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	bin, err := buildGateway(ctx, root, tmp)
	if err != nil {
		return err
	}
	client := newClient()
	defer client.CloseIdleConnections()
	var replicas []*loadTarget
	for _, name := range []string{"a", "b"} {
		dir := filepath.Join(tmp, name)
		if err := os.Mkdir(dir, 0o755); err != nil {
			return err
		}
		gw, err := startGateway(bin, dbURL, dir, append([]string{keyEnv, "TAILOR_SUBSCRIBER_BUFFER=64"}, o.serverEnv...))
		if gw != nil {
			defer gw.Proc.stop()
		}
		if err != nil {
			return err
		}
		if err := gw.Proc.waitReady(ctx, client, time.Minute); err != nil {
			return err
		}
		replicas = append(replicas, gw)
	}
	tokens := auth.NewTokens(key, nil, viewerTokenTTL, time.Now)
	authorToken, _, err := tokens.Issue(1)
	if err != nil {
		return err
	}
	subs, err := openFanoutSubscribers(ctx, replicas[0].graphqlURL(), tokens)
	if err != nil {
		return err
	}
	defer func() {
		for _, s := range subs {
			s.conn.CloseNow()
		}
	}()
	logger.Info("subscribers connected", "replica", replicas[0].Proc.BaseURL, "subscribers", len(subs))

	db, err := sqlx.ConnectContext(ctx, "postgres", dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	var rounds []fanoutRound
	for i := range fanoutRounds {
		r, err := publishRound(ctx, client, db, replicas[1].graphqlURL(), authorToken, subs, i)
		if err != nil {
			return fmt.Errorf("round %d: %w", i+1, err)
		}
		logger.Info("published", "round", i+1, "fanout_ms", r.FanoutMs, "rows", r.Rows, "missing", r.Missing)
		rounds = append(rounds, r)
		time.Sleep(300 * time.Millisecond)
	}
	return writeFanoutReport(o.out, "go run ./bench "+strings.Join(args, " "), started, rounds, stdout)
}

// fanoutDB builds the scratch database: one author with one topic, followed by fanoutAudience
// users who want in-app notifications and no mail.
func fanoutDB(ctx context.Context, serverURL string, logger *slog.Logger) (string, error) {
	admin, err := sqlx.ConnectContext(ctx, "postgres", serverURL)
	if err != nil {
		return "", fmt.Errorf("fan-out database: %w", err)
	}
	defer admin.Close()
	if _, err := admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+pq.QuoteIdentifier(fanoutDatabase)+" WITH (FORCE)"); err != nil {
		return "", fmt.Errorf("fan-out database: %w", err)
	}
	dbURL, err := withDatabase(serverURL, fanoutDatabase)
	if err != nil {
		return "", err
	}
	if _, err := postgres.EnsureDatabase(ctx, dbURL); err != nil {
		return "", err
	}
	db, err := postgres.Open(ctx, dbURL, 2)
	if err != nil {
		return "", err
	}
	defer db.Close()
	m, err := postgres.NewMigrator(db.DB, logger)
	if err != nil {
		return "", err
	}
	if _, err := m.Up(ctx); err != nil {
		return "", err
	}
	for _, stmt := range []string{
		`INSERT INTO users (handle, email, display_name, role)
			SELECT 'user' || n, 'user' || n || '@example.com', 'User ' || n, CASE WHEN n = 1 THEN 'author' ELSE 'reader' END
			FROM generate_series(1, ` + strconv.Itoa(fanoutAudience+1) + `) AS n`,
		`INSERT INTO preferences (user_id, email_notifications, in_app_notifications) SELECT id, 'off', true FROM users`,
		`INSERT INTO topics (slug, name) VALUES ('harbors', 'Harbors')`,
		`INSERT INTO follows (follower_id, author_id) SELECT id, 1 FROM users WHERE id > 1`,
		`UPDATE events SET processed_at = now()`,
		`VACUUM ANALYZE`,
	} {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return "", fmt.Errorf("fan-out database: populate: %w", err)
		}
	}
	return dbURL, nil
}

// fanoutSubscriber is one websocket subscribed to notificationAdded.
type fanoutSubscriber struct {
	conn *websocket.Conn
	mu   sync.Mutex
	got  map[string]time.Time // notification ID → when it arrived
}

// openFanoutSubscribers subscribes users 2 to fanoutSubscribers+1 to their notifications.
func openFanoutSubscribers(ctx context.Context, endpoint string, tokens *auth.Tokens) ([]*fanoutSubscriber, error) {
	url := strings.Replace(endpoint, "http://", "ws://", 1)
	subs := make([]*fanoutSubscriber, 0, fanoutSubscribers)
	for id := int64(2); len(subs) < fanoutSubscribers; id++ {
		tok, _, err := tokens.Issue(id)
		if err != nil {
			return subs, err
		}
		conn, _, err := websocket.Dial(ctx, url, &websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
		if err != nil {
			return subs, fmt.Errorf("subscriber %d: %w", id, err)
		}
		s := &fanoutSubscriber{conn: conn, got: map[string]time.Time{}}
		subs = append(subs, s)
		if err := wsjson.Write(ctx, conn, map[string]any{"type": "connection_init", "payload": map[string]any{"Authorization": "Bearer " + tok}}); err != nil {
			return subs, err
		}
		var ack struct{ Type string }
		if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
			return subs, fmt.Errorf("subscriber %d: no connection_ack (%v)", id, err)
		}
		if err := wsjson.Write(ctx, conn, map[string]any{"id": "n", "type": "subscribe",
			"payload": map[string]any{"query": "subscription { notificationAdded { id content { id } } }"}}); err != nil {
			return subs, err
		}
		go s.read(ctx)
	}
	return subs, nil
}

func (s *fanoutSubscriber) read(ctx context.Context) {
	for {
		_, data, err := s.conn.Read(ctx)
		at := time.Now() // before decoding, so the subscriber's own work is not counted
		if err != nil {
			return
		}
		var m struct {
			Type    string
			Payload struct {
				Data struct {
					NotificationAdded struct{ Content struct{ ID string } }
				}
			}
		}
		if err := json.Unmarshal(data, &m); err != nil {
			return
		}
		switch m.Type {
		case "ping":
			_ = wsjson.Write(ctx, s.conn, map[string]any{"type": "pong"})
		case "next":
			s.mu.Lock()
			s.got[m.Payload.Data.NotificationAdded.Content.ID] = at
			s.mu.Unlock()
		}
	}
}

func (s *fanoutSubscriber) arrival(contentID string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.got[contentID]
	return at, ok
}

// publishRound publishes one item through endpoint and waits for every subscriber.
func publishRound(ctx context.Context, client *http.Client, db *sqlx.DB, endpoint, token string, subs []*fanoutSubscriber, i int) (fanoutRound, error) {
	var created struct {
		CreateContent struct{ Content struct{ ID string } }
	}
	topic := relay.ID(relay.TypeTopic, 1)
	if err := gql(ctx, client, endpoint, token, `mutation($t: ID!, $title: String!) { createContent(input: {title: $title, summary: "A round.",
		body: "Body.", kind: ARTICLE, language: "en", topicIds: [$t], visibility: PUBLIC}) { content { id } } }`,
		map[string]any{"t": topic, "title": fmt.Sprintf("Round %d", i+1)}, &created); err != nil {
		return fanoutRound{}, err
	}
	id := created.CreateContent.Content.ID
	if err := gql(ctx, client, endpoint, token, `mutation($id: ID!) { publishContent(input: {id: $id}) { content { id } } }`,
		map[string]any{"id": id}, nil); err != nil {
		return fanoutRound{}, err
	}
	acknowledged := time.Now()
	contentID, err := relay.ParseIDOf("id", id, relay.TypeContent)
	if err != nil {
		return fanoutRound{}, err
	}
	var r fanoutRound
	var committed time.Time
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		var ev struct {
			ProcessedAt *time.Time `db:"processed_at"`
			Rows        int        `db:"rows"`
		}
		err := db.GetContext(ctx, &ev, `SELECT e.processed_at, (SELECT count(*) FROM notifications n WHERE n.event_id = e.id) AS rows
			FROM events e WHERE e.content_id = $1 AND e.kind = 'content_published'`, contentID)
		if err == nil && ev.ProcessedAt != nil {
			committed, r.Rows = *ev.ProcessedAt, ev.Rows
			break
		}
		time.Sleep(5 * time.Millisecond)
	}
	if committed.IsZero() {
		return r, fmt.Errorf("the item's event was not fanned out within 15 s")
	}
	r.FanoutMs = float64(committed.Sub(acknowledged).Microseconds()) / 1000
	for time.Now().Before(deadline) {
		r.Missing, r.DeliveredMs = 0, r.DeliveredMs[:0]
		for _, s := range subs {
			at, ok := s.arrival(id)
			if !ok {
				r.Missing++
				continue
			}
			r.DeliveredMs = append(r.DeliveredMs, float64(at.Sub(committed).Microseconds())/1000)
		}
		if r.Missing == 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	return r, nil
}

// gql sends one operation and decodes its data into out, failing on any error.
func gql(ctx context.Context, client *http.Client, endpoint, token, query string, vars map[string]any, out any) error {
	body, err := json.Marshal(map[string]any{"query": query, "variables": vars})
	if err != nil {
		return err
	}
	a, err := send(ctx, client, endpoint, request{Op: "Fanout", Body: body, Token: token})
	if err != nil {
		return err
	}
	var res struct {
		Data   json.RawMessage
		Errors []struct{ Message string }
	}
	if err := json.Unmarshal(a.Body, &res); err != nil || len(res.Errors) > 0 || a.failed() {
		return fmt.Errorf("status %d: %s", a.Status, snippet(a.Body))
	}
	if out != nil {
		return json.Unmarshal(res.Data, out)
	}
	return nil
}

// writeFanoutReport writes the rounds and their summary as Markdown and JSON.
func writeFanoutReport(dir, command string, started time.Time, rounds []fanoutRound, stdout io.Writer) error {
	var fanouts, delivered []float64
	missing, rows := 0, 0
	for _, r := range rounds {
		fanouts = append(fanouts, r.FanoutMs)
		delivered = append(delivered, r.DeliveredMs...)
		missing += r.Missing
		rows = max(rows, r.Rows)
	}
	slices.Sort(fanouts)
	slices.Sort(delivered)
	pct := func(xs []float64, p float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		return xs[min(len(xs)-1, int(p*float64(len(xs))))]
	}
	var b strings.Builder
	p := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	p("# Tailor benchmark: notification fan-out across two replicas\n\n")
	p("- **Command:** `%s`, %s\n", command, started.UTC().Format("2006-01-02 15:04Z"))
	p("- **Setup:** a scratch database (`%s`): one author followed by %d users who want in-app notifications; two `tailor serve` processes on it, each with its worker; %d of the followers subscribed to `notificationAdded` over graphql-transport-ws on the first; the item created and published through the second, %d times, 300 ms apart.\n",
		fanoutDatabase, fanoutAudience, fanoutSubscribers, fanoutRounds)
	p("- **Fan-out** is the time from the publish's acknowledgement to the commit of its audience's notifications (`events.processed_at`, taken with `clock_timestamp()` as the fan-out's last statement runs). **Delivery** is, for each subscriber, the time from that commit to its `notificationAdded` arriving on the other replica's websocket.\n\n")
	p("| measure | p50 | p99 | max | target |\n|---|---:|---:|---:|---|\n")
	p("| fan-out to %d users, ms | %.1f | %.1f | %.1f | ≤ %d ms: %s |\n", rows, pct(fanouts, 0.5), pct(fanouts, 0.99), fanouts[len(fanouts)-1],
		maxFanout.Milliseconds(), statusMark(verdict(fanouts[len(fanouts)-1] <= float64(maxFanout.Milliseconds()))))
	p("| notificationAdded delivery across replicas, %d subscribers × %d rounds, ms | %.1f | %.1f | %.1f | p99 ≤ %.0f ms: %s |\n",
		fanoutSubscribers, len(rounds), pct(delivered, 0.5), pct(delivered, 0.99), delivered[len(delivered)-1], maxDeliveryP99Ms,
		statusMark(verdict(pct(delivered, 0.99) <= maxDeliveryP99Ms && missing == 0)))
	p("\nSubscriptions that missed a round: %d.\n\n## Rounds\n\n| round | fan-out ms | notification rows | delivery p50 ms | delivery p99 ms | missing |\n|---:|---:|---:|---:|---:|---:|\n", missing)
	for i, r := range rounds {
		d := slices.Clone(r.DeliveredMs)
		slices.Sort(d)
		p("| %d | %.1f | %d | %.1f | %.1f | %d |\n", i+1, r.FanoutMs, r.Rows, pct(d, 0.5), pct(d, 0.99), r.Missing)
	}
	base := filepath.Join(dir, started.UTC().Format("2006-01-02")+"-fanout")
	js, err := json.MarshalIndent(map[string]any{"rounds": rounds, "deliveryMs": map[string]float64{"p50": pct(delivered, 0.5), "p99": pct(delivered, 0.99)}}, "", "  ")
	if err != nil {
		return err
	}
	if err := os.WriteFile(base+".json", js, 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(base+".md", []byte(b.String()), 0o644); err != nil {
		return err
	}
	_, err = io.WriteString(stdout, b.String()+"\nwrote "+base+".md\n")
	return err
}
