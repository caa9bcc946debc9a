package mail

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"io"
	"log"
	"math/big"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// envelope is one message as the test server received it.
type envelope struct {
	from     string
	to       []string
	data     []byte
	tls      bool   // the message travelled over TLS
	authUser string // who authenticated; empty without AUTH
}

// receiver is a go-smtp backend that keeps what it is sent and can be told to
// refuse recipients, content or to stall.
type receiver struct {
	user, password string          // non-empty: offer PLAIN and require it
	rejectRcpt     *smtp.SMTPError // reply to every RCPT TO
	rejectData     *smtp.SMTPError // reply at the end of DATA
	stall          chan struct{}   // non-nil: DATA waits until closed

	mu       sync.Mutex
	received []envelope
}

func (rc *receiver) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{rc: rc, conn: c}, nil
}

func (rc *receiver) messages() []envelope {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]envelope(nil), rc.received...)
}

type session struct {
	rc   *receiver
	conn *smtp.Conn
	user string
	env  envelope
}

func (s *session) AuthMechanisms() []string {
	if s.rc.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (s *session) Auth(mech string) (sasl.Server, error) {
	if mech != sasl.Plain || s.rc.user == "" {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return sasl.NewPlainServer(func(_, username, password string) error {
		if username != s.rc.user || password != s.rc.password {
			return smtp.ErrAuthFailed
		}
		s.user = username
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if s.rc.user != "" && s.user == "" {
		return smtp.ErrAuthRequired
	}
	_, isTLS := s.conn.TLSConnectionState()
	s.env = envelope{from: from, tls: isTLS, authUser: s.user}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	if s.rc.rejectRcpt != nil {
		return s.rc.rejectRcpt
	}
	s.env.to = append(s.env.to, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.rc.stall != nil {
		<-s.rc.stall
	}
	if s.rc.rejectData != nil {
		return s.rc.rejectData
	}
	s.env.data = data
	s.rc.mu.Lock()
	s.rc.received = append(s.rc.received, s.env)
	s.rc.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.env = envelope{} }
func (s *session) Logout() error { return nil }

// serveSMTP runs rc on a loopback port until the test ends and returns its
// address. With tlsConfig, the server offers STARTTLS.
func serveSMTP(t *testing.T, rc *receiver, tlsConfig *tls.Config) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := smtp.NewServer(rc)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.TLSConfig = tlsConfig
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	srv.ErrorLog = log.New(io.Discard, "", 0)
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() {
		if rc.stall != nil {
			close(rc.stall)
		}
		_ = srv.Close()
	})
	return l.Addr().String()
}

// selfSigned returns a server configuration for 127.0.0.1 and a client
// configuration that trusts it.
func selfSigned(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "tailor test SMTP"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	server = &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
	client = &tls.Config{RootCAs: pool, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
	return server, client
}

// parsed is a received message decoded the way a mail client would.
type parsed struct {
	header *mail.Message
	parts  map[string]string // body by media type
}

func parseReceived(t *testing.T, data []byte) parsed {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read message: %v\n%s", err, data)
	}
	mediaType, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil {
		t.Fatalf("Content-Type: %v", err)
	}
	if mediaType != "multipart/alternative" {
		t.Fatalf("Content-Type = %q, want multipart/alternative", mediaType)
	}
	p := parsed{header: msg, parts: map[string]string{}}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		partType, _, err := mime.ParseMediaType(part.Header.Get("Content-Type"))
		if err != nil {
			t.Fatalf("part Content-Type: %v", err)
		}
		body, err := io.ReadAll(part)
		if err != nil {
			t.Fatalf("read part: %v", err)
		}
		p.parts[partType] = strings.ReplaceAll(string(body), "\r\n", "\n")
	}
	return p
}

func decodeHeader(t *testing.T, v string) string {
	t.Helper()
	s, err := new(mime.WordDecoder).DecodeHeader(v)
	if err != nil {
		t.Fatalf("decode header %q: %v", v, err)
	}
	return s
}

// newTestSMTP returns a sender for the server at addr; clientTLS, when set,
// is the only root it trusts.
func newTestSMTP(t *testing.T, rawURL string, clientTLS *tls.Config) *SMTP {
	t.Helper()
	s, err := NewSMTP(rawURL, "Tailor <noreply@tailor.example>")
	if err != nil {
		t.Fatal(err)
	}
	s.tlsConfig = clientTLS
	return s
}

func TestSMTPSend(t *testing.T) {
	message := Message{
		To:              "ada@example.com",
		ToName:          "Ada Lovelace",
		Subject:         "Charles Babbage published “Engines — ünïcode”",
		Text:            "Hello Ada.\nUnsubscribe: https://tailor.example/unsubscribe?token=abc\n",
		HTML:            "<p>Hello Ada.</p>\n",
		ListUnsubscribe: "https://tailor.example/unsubscribe?token=abc",
		EventID:         "delivery-42",
	}
	tests := []struct {
		name         string
		user, pass   string // in the URL and required by the server
		startTLS     bool   // the server offers STARTTLS
		edit         func(*Message)
		wantTLS      bool
		wantPost     bool // List-Unsubscribe-Post expected
		wantToName   string
		wantNoHeader string // a header that must not exist
	}{
		{name: "plain connection without auth", wantPost: true, wantToName: "Ada Lovelace"},
		{name: "STARTTLS when offered", startTLS: true, wantTLS: true, wantPost: true, wantToName: "Ada Lovelace"},
		{name: "PLAIN auth with credentials", user: "tailor", pass: "s3cr:et@", wantPost: true, wantToName: "Ada Lovelace"},
		{name: "PLAIN auth after STARTTLS", user: "tailor", pass: "pw", startTLS: true, wantTLS: true, wantPost: true, wantToName: "Ada Lovelace"},
		{
			name:     "http unsubscribe URL gets no one-click header",
			edit:     func(m *Message) { m.ListUnsubscribe = "http://localhost:8080/unsubscribe?token=abc" },
			wantPost: false, wantToName: "Ada Lovelace",
		},
		{
			name:         "header injection through the display name",
			edit:         func(m *Message) { m.ToName = "Eve\r\nBcc: mallory@example.com" },
			wantPost:     true,
			wantToName:   "Eve\r\nBcc: mallory@example.com",
			wantNoHeader: "Bcc",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc := &receiver{user: tt.user, password: tt.pass}
			var serverTLS, clientTLS *tls.Config
			if tt.startTLS {
				serverTLS, clientTLS = selfSigned(t)
			}
			addr := serveSMTP(t, rc, serverTLS)
			rawURL := "smtp://" + addr
			if tt.user != "" {
				rawURL = "smtp://" + tt.user + ":" + strings.NewReplacer(":", "%3A", "@", "%40").Replace(tt.pass) + "@" + addr
			}
			m := message
			if tt.edit != nil {
				tt.edit(&m)
			}
			if err := newTestSMTP(t, rawURL, clientTLS).Send(t.Context(), m); err != nil {
				t.Fatalf("Send: %v", err)
			}

			got := rc.messages()
			if len(got) != 1 {
				t.Fatalf("server received %d messages, want 1", len(got))
			}
			env := got[0]
			if env.from != "noreply@tailor.example" || len(env.to) != 1 || env.to[0] != "ada@example.com" {
				t.Errorf("envelope = %q → %q, want noreply@tailor.example → [ada@example.com]", env.from, env.to)
			}
			if env.tls != tt.wantTLS {
				t.Errorf("TLS = %v, want %v", env.tls, tt.wantTLS)
			}
			if env.authUser != tt.user {
				t.Errorf("authenticated as %q, want %q", env.authUser, tt.user)
			}

			p := parseReceived(t, env.data)
			h := p.header.Header
			from, err := mail.ParseAddress(h.Get("From"))
			if err != nil || from.Name != "Tailor" || from.Address != "noreply@tailor.example" {
				t.Errorf("From = %q (%v), want Tailor <noreply@tailor.example>", h.Get("From"), err)
			}
			to, err := mail.ParseAddress(h.Get("To"))
			if err != nil || to.Name != tt.wantToName || to.Address != "ada@example.com" {
				t.Errorf("To = %q (%+v, %v), want %q <ada@example.com>", h.Get("To"), to, err, tt.wantToName)
			}
			if got := decodeHeader(t, h.Get("Subject")); got != m.Subject {
				t.Errorf("Subject = %q, want %q", got, m.Subject)
			}
			if got, want := h.Get("List-Unsubscribe"), "<"+m.ListUnsubscribe+">"; got != want {
				t.Errorf("List-Unsubscribe = %q, want %q", got, want)
			}
			wantPost := ""
			if tt.wantPost {
				wantPost = "List-Unsubscribe=One-Click"
			}
			if got := h.Get("List-Unsubscribe-Post"); got != wantPost {
				t.Errorf("List-Unsubscribe-Post = %q, want %q", got, wantPost)
			}
			if got := h.Get("Auto-Submitted"); got != "auto-generated" {
				t.Errorf("Auto-Submitted = %q", got)
			}
			if got, want := h.Get("Message-Id"), "<"+messageID(m.EventID, "tailor.example")+">"; got != want {
				t.Errorf("Message-ID = %q, want %q", got, want)
			}
			if h.Get("Date") == "" {
				t.Error("no Date header")
			}
			if tt.wantNoHeader != "" && h.Get(tt.wantNoHeader) != "" {
				t.Errorf("header %s = %q, want none", tt.wantNoHeader, h.Get(tt.wantNoHeader))
			}
			if p.parts["text/plain"] != m.Text {
				t.Errorf("text part = %q, want %q", p.parts["text/plain"], m.Text)
			}
			if p.parts["text/html"] != m.HTML {
				t.Errorf("html part = %q, want %q", p.parts["text/html"], m.HTML)
			}
		})
	}
}

func TestSMTPMessageID(t *testing.T) {
	rc := &receiver{}
	s := newTestSMTP(t, "smtp://"+serveSMTP(t, rc, nil), nil)
	m := Message{To: "ada@example.com", Subject: "s", Text: "t", HTML: "<p>t</p>"}
	for _, eventID := range []string{"event-1", "event-1", "event-2", "", ""} {
		m.EventID = eventID
		if err := s.Send(t.Context(), m); err != nil {
			t.Fatalf("Send %q: %v", eventID, err)
		}
	}
	var ids []string
	for _, env := range rc.messages() {
		ids = append(ids, parseReceived(t, env.data).header.Header.Get("Message-Id"))
	}
	if len(ids) != 5 {
		t.Fatalf("received %d messages, want 5", len(ids))
	}
	for i, id := range ids {
		if _, err := mail.ParseAddress(strings.Trim(id, "<>")); err != nil || !strings.HasPrefix(id, "<") || !strings.HasSuffix(id, "@tailor.example>") {
			t.Errorf("Message-ID %d = %q is not <id@tailor.example>", i, id)
		}
	}
	if ids[0] != ids[1] {
		t.Errorf("retries of one event got Message-IDs %q and %q", ids[0], ids[1])
	}
	if ids[0] == ids[2] {
		t.Errorf("events 1 and 2 share Message-ID %q", ids[0])
	}
	if ids[3] == ids[4] || ids[3] == "" {
		t.Errorf("messages without event got Message-IDs %q and %q, want distinct", ids[3], ids[4])
	}
}

func TestSMTPRenderedMessageEscapesHTML(t *testing.T) {
	rc := &receiver{}
	s := newTestSMTP(t, "smtp://"+serveSMTP(t, rc, nil), nil)
	m, err := Immediate(
		Recipient{Email: "ada@example.com", DisplayName: "Ada"},
		Item{Kind: KindFollowedAuthorPublished, Actor: "Eve <b>", Title: `<script>alert("x")</script>`, URL: "https://tailor.example/c/1"},
		"https://tailor.example/unsubscribe?token=abc",
	)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(t.Context(), m); err != nil {
		t.Fatal(err)
	}
	got := rc.messages()
	if len(got) != 1 {
		t.Fatalf("received %d messages, want 1", len(got))
	}
	p := parseReceived(t, got[0].data)
	html := p.parts["text/html"]
	if strings.Contains(html, "<script>") || strings.Contains(html, "<b>") {
		t.Errorf("html part carries the title's markup:\n%s", html)
	}
	if !strings.Contains(html, "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
		t.Errorf("html part lacks the escaped title:\n%s", html)
	}
	if !strings.Contains(p.parts["text/plain"], `“<script>alert("x")</script>”`) {
		t.Errorf("text part lacks the literal title:\n%s", p.parts["text/plain"])
	}
	if got := decodeHeader(t, p.header.Header.Get("Subject")); got != `Eve <b> published “<script>alert("x")</script>”` {
		t.Errorf("Subject = %q", got)
	}
}

func TestSMTPErrors(t *testing.T) {
	refused := func(t *testing.T) string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		_ = l.Close()
		return addr
	}
	valid := Message{To: "ada@example.com", Subject: "s", Text: "t", HTML: "<p>t</p>"}
	tests := []struct {
		name          string
		rc            *receiver // nil: nothing listens
		creds         string    // user:password@ in the URL
		timeout       time.Duration
		edit          func(*Message)
		wantPermanent bool
		wantIs        error
	}{
		{
			name:          "550 to RCPT TO is permanent",
			rc:            &receiver{rejectRcpt: &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "No such user"}},
			wantPermanent: true,
		},
		{
			name:          "554 at end of DATA is permanent",
			rc:            &receiver{rejectData: &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: "Message rejected"}},
			wantPermanent: true,
		},
		{
			name: "450 to RCPT TO is temporary",
			rc:   &receiver{rejectRcpt: &smtp.SMTPError{Code: 450, EnhancedCode: smtp.EnhancedCode{4, 2, 0}, Message: "Mailbox busy"}},
		},
		{
			name: "451 at end of DATA is temporary",
			rc:   &receiver{rejectData: &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "Try later"}},
		},
		{name: "refused connection is temporary"},
		{
			name:  "wrong password is not permanent",
			rc:    &receiver{user: "tailor", password: "right"},
			creds: "tailor:wrong@",
		},
		{
			name:          "invalid recipient is permanent",
			rc:            &receiver{},
			edit:          func(m *Message) { m.To = "not an address" },
			wantPermanent: true,
			wantIs:        ErrInvalidAddress,
		},
		{
			name:          "recipient with a newline is permanent",
			rc:            &receiver{},
			edit:          func(m *Message) { m.To = "ada@example.com\r\nBcc: eve@example.com" },
			wantPermanent: true,
			wantIs:        ErrInvalidAddress,
		},
		{
			name:          "empty body is permanent",
			rc:            &receiver{},
			edit:          func(m *Message) { m.Text, m.HTML = "", "" },
			wantPermanent: true,
			wantIs:        ErrInvalidMessage,
		},
		{
			name:          "unsubscribe URL that breaks the header is permanent",
			rc:            &receiver{},
			edit:          func(m *Message) { m.ListUnsubscribe = "https://tailor.example/u?t=a>, <mailto:x@example.com" },
			wantPermanent: true,
			wantIs:        ErrInvalidMessage,
		},
		{
			name:    "stalled server gives up at the ctx deadline",
			rc:      &receiver{stall: make(chan struct{})},
			timeout: 300 * time.Millisecond,
			wantIs:  context.DeadlineExceeded,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var addr string
			if tt.rc == nil {
				addr = refused(t)
			} else {
				addr = serveSMTP(t, tt.rc, nil)
			}
			m := valid
			if tt.edit != nil {
				tt.edit(&m)
			}
			ctx := t.Context()
			if tt.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.timeout)
				defer cancel()
			}
			start := time.Now()
			err := newTestSMTP(t, "smtp://"+tt.creds+addr, nil).Send(ctx, m)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			t.Logf("Send: %v", err)
			if tt.timeout > 0 && time.Since(start) > 5*time.Second {
				t.Errorf("Send returned after %v, want about %v", time.Since(start), tt.timeout)
			}
			if got := IsPermanent(err); got != tt.wantPermanent {
				t.Errorf("IsPermanent(%v) = %v, want %v", err, got, tt.wantPermanent)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("error %v is not %v", err, tt.wantIs)
			}
			if tt.rc != nil && len(tt.rc.messages()) != 0 {
				t.Errorf("server accepted %d messages, want none", len(tt.rc.messages()))
			}
		})
	}
}

func TestNewSMTP(t *testing.T) {
	tests := []struct {
		name, url, from       string
		wantHost              string
		wantPort              int
		wantUser, wantPass    string
		wantErr               bool
		wantIs                error
		wantErrWithout        string // must not appear in the error
		wantFromName, wantDom string
	}{
		{name: "host only uses the submission port", url: "smtp://mail.example.com", from: "noreply@tailor.example",
			wantHost: "mail.example.com", wantPort: 587, wantDom: "tailor.example"},
		{name: "credentials and port", url: "smtp://user%40x:p%3Ass@mail.example.com:2525", from: "Tailor <noreply@tailor.example>",
			wantHost: "mail.example.com", wantPort: 2525, wantUser: "user@x", wantPass: "p:ss", wantFromName: "Tailor", wantDom: "tailor.example"},
		{name: "user without password", url: "smtp://apikey@[::1]:25", from: "noreply@tailor.example",
			wantHost: "::1", wantPort: 25, wantUser: "apikey", wantDom: "tailor.example"},
		{name: "other scheme", url: "smtps://mail.example.com", from: "noreply@tailor.example", wantErr: true},
		{name: "no scheme", url: "mail.example.com:587", from: "noreply@tailor.example", wantErr: true},
		{name: "no host", url: "smtp://:587", from: "noreply@tailor.example", wantErr: true},
		{name: "port out of range", url: "smtp://mail.example.com:70000", from: "noreply@tailor.example", wantErr: true},
		{name: "unparsable URL keeps the password out of the error", url: "smtp://u:hunter2@mail.example.com:port", from: "noreply@tailor.example",
			wantErr: true, wantErrWithout: "hunter2"},
		{name: "invalid From", url: "smtp://mail.example.com", from: "Tailor noreply", wantErr: true, wantIs: ErrInvalidAddress},
		{name: "empty From", url: "smtp://mail.example.com", from: "", wantErr: true, wantIs: ErrInvalidAddress},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSMTP(tt.url, tt.from)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("NewSMTP succeeded, want an error")
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("error %v is not %v", err, tt.wantIs)
				}
				if tt.wantErrWithout != "" && strings.Contains(err.Error(), tt.wantErrWithout) {
					t.Errorf("error %q reveals %q", err, tt.wantErrWithout)
				}
				return
			}
			if err != nil {
				t.Fatalf("NewSMTP: %v", err)
			}
			if s.host != tt.wantHost || s.port != tt.wantPort || s.user != tt.wantUser || s.password != tt.wantPass {
				t.Errorf("got %s:%d user %q pass %q, want %s:%d user %q pass %q",
					s.host, s.port, s.user, s.password, tt.wantHost, tt.wantPort, tt.wantUser, tt.wantPass)
			}
			if s.from.Name != tt.wantFromName || s.domain != tt.wantDom {
				t.Errorf("From name %q domain %q, want %q %q", s.from.Name, s.domain, tt.wantFromName, tt.wantDom)
			}
		})
	}
}
