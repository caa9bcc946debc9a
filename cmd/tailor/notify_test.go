package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/coder/websocket/wsjson"
	"github.com/emersion/go-smtp"

	"github.com/tailorhq/tailor/internal/webhook"
)

// mailbox is an SMTP server on loopback that keeps every message it is sent.
type mailbox struct {
	mu   sync.Mutex
	msgs []received
}

type received struct {
	to      string
	subject string
	header  mail.Header
}

func (m *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{box: m}, nil }

// to returns the subjects of the messages sent to addr.
func (m *mailbox) to(addr string) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, r := range m.msgs {
		if strings.EqualFold(r.to, addr) {
			out = append(out, r.subject)
		}
	}
	return out
}

type mailSession struct {
	box *mailbox
	to  []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	msg, err := mail.ReadMessage(r)
	if err != nil {
		return err
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return err
	}
	s.box.mu.Lock()
	defer s.box.mu.Unlock()
	for _, to := range s.to {
		s.box.msgs = append(s.box.msgs, received{to: to, subject: subject, header: msg.Header})
	}
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

// serveMail runs a mailbox on loopback until the test ends and returns it with its address.
func serveMail(t *testing.T) (*mailbox, string) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	box := &mailbox{}
	srv := smtp.NewServer(box)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return box, l.Addr().String()
}

// hookReceiver is an integrator's endpoint: it verifies every call's signature with the
// secret it is given, refuses the first failFirst attempts of each message with a 500, and
// keeps the webhook-ids and bodies it accepted.
type hookReceiver struct {
	failFirst int
	delay     time.Duration

	mu       sync.Mutex
	secret   string
	attempts map[string]int
	accepted map[string][]byte
	bad      []string
}

func (h *hookReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	time.Sleep(h.delay)
	h.mu.Lock()
	defer h.mu.Unlock()
	if err := webhook.Verify(h.secret, r.Header, body, time.Now()); err != nil {
		h.bad = append(h.bad, err.Error())
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	id := r.Header.Get(webhook.HeaderID)
	h.attempts[id]++
	if h.attempts[id] <= h.failFirst {
		w.WriteHeader(http.StatusInternalServerError)
		return
	}
	h.accepted[id] = body
	w.WriteHeader(http.StatusNoContent)
}

func (h *hookReceiver) setSecret(s string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.secret = s
}

// snapshot returns the accepted messages by webhook-id, how many attempts each took, and the
// signature failures.
func (h *hookReceiver) snapshot() (map[string][]byte, map[string]int, []string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	acc := make(map[string][]byte, len(h.accepted))
	for k, v := range h.accepted {
		acc[k] = v
	}
	att := make(map[string]int, len(h.attempts))
	for k, v := range h.attempts {
		att[k] = v
	}
	return acc, att, append([]string(nil), h.bad...)
}

func newHookReceiver(t *testing.T, failFirst int, delay time.Duration) (*hookReceiver, string) {
	h := &hookReceiver{failFirst: failFirst, delay: delay, attempts: map[string]int{}, accepted: map[string][]byte{}}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return h, srv.URL + "/hooks"
}

// subscription is a graphql-transport-ws client of one operation.
type subscription struct {
	conn *websocket.Conn
	next chan json.RawMessage
	done chan websocket.StatusCode
}

// subscribe opens a websocket to endpoint, authenticates with token (none when empty) in
// connection_init and subscribes to query.
func subscribe(t *testing.T, ctx context.Context, endpoint, token, query string, vars map[string]any) *subscription {
	t.Helper()
	conn, _, err := websocket.Dial(ctx, strings.Replace(endpoint, "http://", "ws://", 1),
		&websocket.DialOptions{Subprotocols: []string{"graphql-transport-ws"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.CloseNow() })
	init := map[string]any{"type": "connection_init"}
	if token != "" {
		init["payload"] = map[string]any{"Authorization": "Bearer " + token}
	}
	if err := wsjson.Write(ctx, conn, init); err != nil {
		t.Fatal(err)
	}
	var ack struct{ Type string }
	if err := wsjson.Read(ctx, conn, &ack); err != nil || ack.Type != "connection_ack" {
		t.Fatalf("connection_init: %v %+v", err, ack)
	}
	if err := wsjson.Write(ctx, conn, map[string]any{"id": "1", "type": "subscribe",
		"payload": map[string]any{"query": query, "variables": vars}}); err != nil {
		t.Fatal(err)
	}
	s := &subscription{conn: conn, next: make(chan json.RawMessage, 100), done: make(chan websocket.StatusCode, 1)}
	go func() {
		for {
			var m struct {
				Type    string
				Payload json.RawMessage
			}
			if err := wsjson.Read(ctx, conn, &m); err != nil {
				s.done <- websocket.CloseStatus(err)
				return
			}
			switch m.Type {
			case "ping":
				_ = wsjson.Write(ctx, conn, map[string]any{"type": "pong"})
			case "next":
				s.next <- m.Payload
			}
		}
	}()
	return s
}

// await returns the next message, failing the test after wait.
func (s *subscription) await(t *testing.T, wait time.Duration) json.RawMessage {
	t.Helper()
	select {
	case m := <-s.next:
		var p struct{ Data json.RawMessage }
		if err := json.Unmarshal(m, &p); err != nil {
			t.Fatal(err)
		}
		return p.Data
	case code := <-s.done:
		t.Fatalf("the subscription ended with %d", code)
	case <-time.After(wait):
		t.Fatalf("no message within %s", wait)
	}
	return nil
}

// within polls cond until it holds or wait passes.
func within(t *testing.T, wait time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(wait); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("%s: not within %s", what, wait)
}

// notifyEnv is the environment of the test's serve and worker processes.
func notifyEnv(dbURL, smtpAddr string) map[string]string {
	return map[string]string{
		"DATABASE_URL": dbURL, "TAILOR_ADDR": "127.0.0.1:0", "TAILOR_DEV": "true",
		"TAILOR_SMTP_URL": "smtp://" + smtpAddr, "TAILOR_MAIL_FROM": "Tailor <tailor@example.com>",
		"TAILOR_RETRY_BASE": "50ms", "TAILOR_NOTIFY_POLL": "100ms", "TAILOR_DIGEST_HOUR": "0",
		"TAILOR_DIGEST_INTERVAL": "200ms", "TAILOR_WEBHOOKS_ALLOW_PRIVATE": "true",
	}
}

// person is a test account.
type person struct {
	id, handle, email, token string
}

// signUp makes an account on endpoint and signs it in.
func signUp(t *testing.T, endpoint, handle string) person {
	t.Helper()
	var d struct {
		SignUp struct {
			AccessToken string
			Viewer      struct{ ID string }
		}
	}
	email := handle + "@example.org"
	post(t, endpoint, "", `mutation($e: String!, $h: String!) { signUp(input: {email: $e, handle: $h, displayName: $h, password: "correct horse battery staple"}) {
		accessToken viewer { id } } }`, map[string]any{"e": email, "h": handle}, &d)
	return person{id: d.SignUp.Viewer.ID, handle: handle, email: email, token: d.SignUp.AccessToken}
}

func prefs(t *testing.T, endpoint string, p person, input string, vars map[string]any) {
	t.Helper()
	var d struct {
		UpdatePreferences struct{ UserErrors []struct{ Message string } }
	}
	var decl []string
	used := map[string]any{}
	for name, v := range vars {
		if strings.Contains(input, "$"+name) {
			decl = append(decl, "$"+name+": ID!")
			used[name] = v
		}
	}
	head := "mutation"
	if len(decl) > 0 {
		head += "(" + strings.Join(decl, ", ") + ")"
	}
	post(t, endpoint, p.token, head+` { updatePreferences(input: `+input+`) { userErrors { message } } }`, used, &d)
	if len(d.UpdatePreferences.UserErrors) > 0 {
		t.Fatalf("preferences of %s: %+v", p.handle, d.UpdatePreferences.UserErrors)
	}
}

// TestNotificationsAcrossReplicas runs two serve processes on one database, with a real SMTP
// server and a real webhook receiver: an item published through the second reaches a
// subscriber of the first, the inboxes of those who chose mail (never those who muted the
// author or turned mail off), a digest, and a signed webhook that the receiver refuses twice
// before it accepts it under the same webhook-id.
func TestNotificationsAcrossReplicas(t *testing.T) {
	ctx, db := freshDatabase(t, 2*time.Minute)
	box, smtpAddr := serveMail(t)
	hooks, hookURL := newHookReceiver(t, 2, 0)
	env := notifyEnv(db.URL, smtpAddr)
	first, stopFirst := startServe(t, ctx, env, "serve", "--demo")
	t.Cleanup(stopFirst)
	second, stopSecond := startServe(t, ctx, env, "serve")
	t.Cleanup(stopSecond)
	a, b := first+"/graphql", second+"/graphql"

	admin := logIn(t, a, "admin")
	writer, fan, topicFan, muter, quiet, digester := signUp(t, a, "writer"), signUp(t, a, "fan"), signUp(t, a, "topicfan"),
		signUp(t, a, "muter"), signUp(t, a, "quiet"), signUp(t, a, "digester")
	post(t, a, admin, `mutation($u: ID!) { changeRole(input: {userId: $u, role: AUTHOR}) { userErrors { message } } }`, map[string]any{"u": writer.id}, nil)
	writer.token = logInAs(t, a, writer.handle)
	var topics struct {
		Topics struct {
			Edges []struct{ Node struct{ ID string } }
		}
	}
	post(t, a, "", `{ topics(first: 2) { edges { node { id } } } }`, nil, &topics)
	topic, otherTopic := topics.Topics.Edges[0].Node.ID, topics.Topics.Edges[1].Node.ID
	vars := map[string]any{"t": topic, "a": writer.id}
	for _, p := range []person{fan, quiet, digester} {
		post(t, a, p.token, `mutation($a: ID!) { followUser(input: {userId: $a}) { userErrors { message } } }`, map[string]any{"a": writer.id}, nil)
	}
	prefs(t, a, fan, `{notifications: {email: IMMEDIATE, inApp: true}}`, vars)
	prefs(t, a, topicFan, `{topics: [{topicId: $t, weight: 0.8}], notifications: {email: IMMEDIATE}}`, vars)
	prefs(t, a, muter, `{topics: [{topicId: $t, weight: 0.8}], mutedAuthorIds: [$a], notifications: {email: IMMEDIATE}}`, vars)
	prefs(t, a, quiet, `{notifications: {email: OFF}}`, vars)
	prefs(t, a, digester, `{notifications: {email: DAILY}}`, vars)
	if _, err := db.DB.ExecContext(ctx, `UPDATE users SET created_at = now() - interval '2 days' WHERE handle = 'digester'`); err != nil {
		t.Fatal(err)
	}
	var created struct {
		CreateWebhook struct {
			Secret  string
			Webhook struct{ ID string }
		}
	}
	post(t, a, writer.token, `mutation($u: String!) { createWebhook(input: {url: $u, events: [CONTENT_PUBLISHED], description: "test"}) { secret webhook { id } } }`,
		map[string]any{"u": hookURL}, &created)
	hooks.setSecret(created.CreateWebhook.Secret)

	notifications := subscribe(t, ctx, a, fan.token, `subscription { notificationAdded { id kind count content { title } actor { handle } } }`, nil)
	published := subscribe(t, ctx, a, "", `subscription($t: [ID!]) { contentPublished(topicIds: $t) { title author { handle } } }`, map[string]any{"t": []string{topic}})
	elsewhere := subscribe(t, ctx, a, "", `subscription($t: [ID!]) { contentPublished(topicIds: $t) { title } }`, map[string]any{"t": []string{otherTopic}})

	var item struct {
		CreateContent struct{ Content struct{ ID string } }
	}
	post(t, b, writer.token, `mutation($t: ID!) { createContent(input: {title: "Harbors at dawn", summary: "Boats.", body: "Body.", kind: ARTICLE,
		language: "en", topicIds: [$t], visibility: PUBLIC}) { content { id } } }`, map[string]any{"t": topic}, &item)
	start := time.Now()
	post(t, b, writer.token, `mutation($id: ID!) { publishContent(input: {id: $id}) { content { id } } }`, map[string]any{"id": item.CreateContent.Content.ID}, nil)

	var n struct {
		NotificationAdded struct {
			Kind, ID string
			Content  struct{ Title string }
			Actor    struct{ Handle string }
		}
	}
	if err := json.Unmarshal(notifications.await(t, 10*time.Second), &n); err != nil {
		t.Fatal(err)
	}
	t.Logf("notificationAdded reached the other replica's subscriber %s after the publish was acknowledged", time.Since(start).Round(time.Millisecond))
	if got := n.NotificationAdded; got.Kind != "FOLLOWED_AUTHOR_PUBLISHED" || got.Content.Title != "Harbors at dawn" || got.Actor.Handle != "writer" {
		t.Errorf("notificationAdded = %+v", got)
	}
	var p struct{ ContentPublished struct{ Title string } }
	if err := json.Unmarshal(published.await(t, 10*time.Second), &p); err != nil || p.ContentPublished.Title != "Harbors at dawn" {
		t.Errorf("contentPublished = %+v (%v)", p, err)
	}

	within(t, 15*time.Second, "immediate mail", func() bool { return len(box.to(fan.email)) > 0 && len(box.to(topicFan.email)) > 0 })
	within(t, 15*time.Second, "the daily digest", func() bool { return len(box.to(digester.email)) > 0 })
	within(t, 15*time.Second, "the webhook delivery", func() bool { acc, _, _ := hooks.snapshot(); return len(acc) == 1 })
	select {
	case m := <-elsewhere.next:
		t.Errorf("a subscriber of another topic heard of the item: %s", m)
	default:
	}
	for _, p := range []person{muter, quiet} {
		if got := box.to(p.email); len(got) > 0 {
			t.Errorf("%s got mail: %q", p.handle, got)
		}
	}
	for _, want := range []struct {
		who     person
		subject string
	}{{fan, "writer published"}, {topicFan, "writer published"}, {digester, "daily"}} {
		got := box.to(want.who.email)
		if len(got) != 1 || !strings.Contains(got[0], want.subject) {
			t.Errorf("mail to %s: %q, want one about %q", want.who.handle, got, want.subject)
		}
	}
	box.mu.Lock()
	for _, m := range box.msgs {
		if m.to == fan.email && !strings.Contains(m.header.Get("List-Unsubscribe"), "/unsubscribe?token=") {
			t.Errorf("mail to fan has no unsubscribe link header: %q", m.header.Get("List-Unsubscribe"))
		}
	}
	box.mu.Unlock()

	acc, attempts, bad := hooks.snapshot()
	if len(bad) > 0 {
		t.Errorf("signatures failed: %q", bad)
	}
	for id, body := range acc {
		if attempts[id] != 3 {
			t.Errorf("webhook %s took %d attempts, want 3 (two refused, one accepted)", id, attempts[id])
		}
		var payload struct {
			Type string
			Data struct{ ID, Title string }
		}
		if err := json.Unmarshal(body, &payload); err != nil || payload.Type != "content.published" || payload.Data.ID != item.CreateContent.Content.ID {
			t.Errorf("webhook body %s (%v)", body, err)
		}
	}
	var deliveries struct {
		Viewer struct {
			Webhooks []struct {
				Deliveries struct {
					Edges []struct {
						Node struct {
							Status     string
							Attempts   int
							StatusCode *int
						}
					}
				}
			}
		}
	}
	// The receiver answered before the worker recorded the outcome: wait for the record.
	within(t, 10*time.Second, "the delivery recorded as delivered", func() bool {
		post(t, a, writer.token, `{ viewer { webhooks { deliveries(first: 5) { edges { node { status attempts statusCode } } } } } }`, nil, &deliveries)
		d := deliveries.Viewer.Webhooks
		return len(d) == 1 && len(d[0].Deliveries.Edges) == 1 && d[0].Deliveries.Edges[0].Node.Status == "DELIVERED"
	})
	if n := deliveries.Viewer.Webhooks[0].Deliveries.Edges[0].Node; n.Attempts != 3 || n.StatusCode == nil || *n.StatusCode != 204 {
		t.Errorf("delivery = %+v, want 3 attempts ending in 204", n)
	}

	// Likes of one item gather on one notification while it is unread.
	for _, p := range []person{fan, topicFan} {
		post(t, b, p.token, `mutation($id: ID!) { recordInteraction(input: {contentId: $id, kind: LIKE}) { userErrors { message } } }`,
			map[string]any{"id": item.CreateContent.Content.ID}, nil)
	}
	var inbox struct {
		Viewer struct {
			UnreadNotificationCount int
			Notifications           struct {
				Edges []struct {
					Node struct {
						Kind  string
						Count int
					}
				}
			}
		}
	}
	within(t, 15*time.Second, "two likes on one notification", func() bool {
		post(t, a, writer.token, `{ viewer { unreadNotificationCount notifications(first: 10) { edges { node { kind count } } } } }`, nil, &inbox)
		likes := 0
		for _, e := range inbox.Viewer.Notifications.Edges {
			if e.Node.Kind == "CONTENT_LIKED" {
				likes++
				if e.Node.Count != 2 {
					return false
				}
			}
		}
		return likes == 1
	})
	// A token revoked while subscribed ends the subscription.
	post(t, a, fan.token, `mutation { logOut(input: {}) { revoked } }`, nil, nil)
	select {
	case code := <-notifications.done:
		if code != 4401 {
			t.Errorf("the revoked subscriber's socket closed with %d, want 4401", code)
		}
	case <-time.After(20 * time.Second):
		t.Errorf("the revoked subscriber's socket stayed open")
	}
	var read struct{ MarkNotificationsRead struct{ UnreadCount int } }
	post(t, a, writer.token, `mutation { markNotificationsRead(input: {all: true}) { unreadCount } }`, nil, &read)
	// Three followers (fan, quiet, digester) and the gathered likes.
	if read.MarkNotificationsRead.UnreadCount != 0 || inbox.Viewer.UnreadNotificationCount != 4 {
		t.Errorf("unread before %d, after marking all read %d", inbox.Viewer.UnreadNotificationCount, read.MarkNotificationsRead.UnreadCount)
	}
}

// logInAs signs in an account made by signUp.
func logInAs(t *testing.T, endpoint, handle string) string {
	t.Helper()
	var d struct{ LogIn struct{ AccessToken string } }
	post(t, endpoint, "", `mutation($l: String!) { logIn(input: {login: $l, password: "correct horse battery staple"}) { accessToken } }`,
		map[string]any{"l": handle}, &d)
	return d.LogIn.AccessToken
}

// TestWorkerKilledMidBatchLosesNothing kills a `tailor worker` process (SIGKILL) while it is
// sending a batch of webhook deliveries to a slow receiver; after a restart every delivery
// arrives, each under its own webhook-id, and the database holds each as delivered.
func TestWorkerKilledMidBatchLosesNothing(t *testing.T) {
	ctx, db := freshDatabase(t, 2*time.Minute)
	bin := filepath.Join(t.TempDir(), "tailor")
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	hooks, hookURL := newHookReceiver(t, 0, 200*time.Millisecond)
	secret, err := webhook.NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	hooks.setSecret(secret)
	const deliveries = 40
	for _, stmt := range []struct {
		sql  string
		args []any
	}{
		{`INSERT INTO users (handle, email, display_name, role) VALUES ('integrator', 'i@example.com', 'Integrator', 'reader')`, nil},
		{`INSERT INTO preferences (user_id) SELECT id FROM users`, nil},
		{`INSERT INTO webhooks (user_id, url, events, secret) SELECT id, $1, '{content.published}', $2 FROM users`, []any{hookURL, secret}},
		{`INSERT INTO deliveries (user_id, channel, webhook_id, payload)
			SELECT w.user_id, 'webhook', w.id, jsonb_build_object('type', 'test', 'data', jsonb_build_object('n', n))
			FROM webhooks w CROSS JOIN generate_series(1, $1) AS n`, []any{deliveries}},
	} {
		if _, err := db.DB.ExecContext(ctx, stmt.sql, stmt.args...); err != nil {
			t.Fatal(err)
		}
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	worker := func() *exec.Cmd {
		cmd := exec.CommandContext(ctx, bin, "worker")
		cmd.Env = append(os.Environ(), "DATABASE_URL="+db.URL, "TAILOR_TOKEN_SIGNING_KEY=test:"+base64.StdEncoding.EncodeToString(key),
			"TAILOR_DELIVERY_LEASE=1s", "TAILOR_NOTIFY_POLL=100ms", "TAILOR_WEBHOOKS_ALLOW_PRIVATE=true", "TAILOR_LOG_LEVEL=warn")
		cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	first := worker()
	within(t, 30*time.Second, "the first attempts", func() bool { _, att, _ := hooks.snapshot(); return len(att) >= 5 })
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	acc, _, _ := hooks.snapshot()
	if len(acc) == deliveries {
		t.Fatalf("the worker delivered everything before it was killed; the test proves nothing")
	}
	t.Logf("killed the worker with %d of %d deliveries accepted", len(acc), deliveries)

	second := worker()
	t.Cleanup(func() { _ = second.Process.Kill(); _ = second.Wait() })
	within(t, 60*time.Second, "every delivery", func() bool { acc, _, _ := hooks.snapshot(); return len(acc) == deliveries })
	_, _, bad := hooks.snapshot()
	if len(bad) > 0 {
		t.Errorf("signatures failed: %q", bad)
	}
	within(t, 10*time.Second, "every delivery recorded as delivered", func() bool {
		var n int
		if err := db.DB.GetContext(ctx, &n, `SELECT count(*) FROM deliveries WHERE status = 'delivered'`); err != nil {
			t.Fatal(err)
		}
		return n == deliveries
	})
}
