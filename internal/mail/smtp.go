package mail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// DefaultSMTPPort is the port NewSMTP uses when the URL names none: the
// message submission port (RFC 6409), where STARTTLS and AUTH are expected.
const DefaultSMTPPort = 587

// dialTimeout bounds connecting and each SMTP exchange after it, so that a
// silent server cannot hold a worker even when the caller's ctx has no
// deadline.
const dialTimeout = 10 * time.Second

// SMTP sends messages through one SMTP server, one connection per message.
// It is safe for concurrent use.
type SMTP struct {
	host      string
	port      int
	user      string
	password  string
	from      *mail.Address
	domain    string      // of the From address, for Message-IDs
	tlsConfig *tls.Config // nil: verify the server against the system roots
}

// NewSMTP returns a sender for the server at rawURL,
// smtp://[user[:password]@]host[:port], with percent-encoded user and password
// and port DefaultSMTPPort when absent. from is the From address, a bare
// address or "Name <address>".
//
// The connection upgrades to TLS with STARTTLS whenever the server offers it
// and stays plain otherwise (implicit TLS on port 465 is not supported). With a
// user, the sender authenticates with PLAIN or LOGIN when offered, else the
// strongest mechanism the server lists; PLAIN and LOGIN send no credentials
// over a plain connection except to localhost.
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// The parse error quotes the whole URL, password included.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("mail: SMTP URL: %w", err)
	}
	if u.Scheme != "smtp" {
		return nil, fmt.Errorf("mail: SMTP URL: scheme %q is not supported, want smtp://", u.Scheme)
	}
	s := &SMTP{host: u.Hostname(), port: DefaultSMTPPort}
	if s.host == "" {
		return nil, errors.New("mail: SMTP URL: no host")
	}
	if p := u.Port(); p != "" {
		s.port, err = strconv.Atoi(p)
		if err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("mail: SMTP URL: invalid port %q", p)
		}
	}
	if u.User != nil {
		s.user = u.User.Username()
		s.password, _ = u.User.Password()
	}
	s.from, err = parseMailbox(from)
	if err != nil {
		return nil, fmt.Errorf("mail: From: %w", err)
	}
	s.domain = s.from.Address[strings.LastIndexByte(s.from.Address, '@')+1:]
	return s, nil
}

// Send delivers m as one multipart/alternative message (text, then HTML) with
// List-Unsubscribe headers when m has an unsubscribe URL, a Message-ID derived
// from m.EventID when set, and Auto-Submitted: auto-generated. It returns once
// the server has accepted the message; ctx cancels the whole exchange. Use
// IsPermanent to tell a rejection from a failure worth retrying.
func (s *SMTP) Send(ctx context.Context, m Message) error {
	c, err := check(m)
	if err != nil {
		return err
	}
	msg := s.compose(c)

	// Closing the connection when ctx ends interrupts any exchange in flight;
	// go-mail itself consults ctx only while dialling.
	var stops []func() bool
	defer func() {
		for _, stop := range stops {
			stop()
		}
	}()
	dialer := &net.Dialer{}
	dial := func(dctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := dialer.DialContext(dctx, network, addr)
		if err != nil {
			return nil, err
		}
		stops = append(stops, context.AfterFunc(ctx, func() { _ = conn.Close() }))
		return conn, nil
	}

	opts := []gomail.Option{
		gomail.WithPort(s.port),
		gomail.WithTimeout(dialTimeout),
		gomail.WithTLSPolicy(gomail.TLSOpportunistic),
		gomail.WithDialContextFunc(dial),
		gomail.WithoutNoop(),
		gomail.WithoutRset(),
	}
	if s.tlsConfig != nil {
		opts = append(opts, gomail.WithTLSConfig(s.tlsConfig))
	}
	if s.user != "" {
		opts = append(opts,
			gomail.WithOpportunisticSMTPAuth(gomail.SMTPAuthPlain, gomail.SMTPAuthLogin),
			gomail.WithUsername(s.user), gomail.WithPassword(s.password))
	}
	// A client per message: go-mail's client keeps per-session state, and a
	// notification worker sends too little to gain from reusing a connection.
	client, err := gomail.NewClient(s.host, opts...)
	if err != nil {
		return fmt.Errorf("mail: smtp client: %w", err)
	}
	conn, err := client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return s.failed(ctx, "connect", err)
	}
	sendErr := client.SendWithSMTPClient(conn, msg)
	_ = client.CloseWithSMTPClient(conn)
	if msg.IsDelivered() {
		// Accepted is delivered: a failing QUIT afterwards must not cause a
		// retry and a duplicate.
		return nil
	}
	if sendErr == nil {
		sendErr = errors.New("message not accepted")
	}
	return s.failed(ctx, "send", sendErr)
}

// failed wraps err, and ctx's error when ctx ended, since closing the
// connection on cancellation surfaces as an unrelated network error.
func (s *SMTP) failed(ctx context.Context, op string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("mail: smtp %s %s:%d: %w: %w", op, s.host, s.port, ctxErr, err)
	}
	return fmt.Errorf("mail: smtp %s %s:%d: %w", op, s.host, s.port, err)
}

// compose builds the go-mail message for c.
func (s *SMTP) compose(c checked) *gomail.Msg {
	msg := gomail.NewMsg(gomail.WithNoDefaultUserAgent())
	msg.FromMailAddress(s.from)
	msg.ToMailAddress(c.to)
	msg.Subject(c.Subject)
	msg.SetDate()
	if c.EventID != "" {
		msg.SetMessageIDWithValue(messageID(c.EventID, s.domain))
	} else {
		// go-mail's own would name this machine's host instead of our domain.
		msg.SetMessageIDWithValue("tailor." + rand.Text() + "@" + s.domain)
	}
	msg.SetGenHeader(gomail.Header("Auto-Submitted"), "auto-generated")
	if c.unsubscribe != nil {
		msg.SetListUnsubscribe(c.ListUnsubscribe)
		if c.unsubscribe.Scheme == "https" {
			msg.SetListUnsubscribePost()
		}
	}
	switch {
	case c.Text != "" && c.HTML != "":
		msg.SetBodyString(gomail.TypeTextPlain, c.Text)
		msg.AddAlternativeString(gomail.TypeTextHTML, c.HTML)
	case c.HTML != "":
		msg.SetBodyString(gomail.TypeTextHTML, c.HTML)
	default:
		msg.SetBodyString(gomail.TypeTextPlain, c.Text)
	}
	return msg
}

// messageID derives a Message-ID (without angle brackets) from a delivery's
// event ID. Hashing keeps arbitrary IDs within the allowed characters and keeps
// internal identifiers out of recipients' headers.
func messageID(eventID, domain string) string {
	sum := sha256.Sum256([]byte("tailor-notification\x00" + eventID))
	return "tailor." + hex.EncodeToString(sum[:16]) + "@" + domain
}
