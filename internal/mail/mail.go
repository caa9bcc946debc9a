// Package mail renders and sends Tailor's notification email.
//
// Rendering (Immediate, Digest) turns notifications into a Message; a sender
// (SMTP, or Log when no server is configured) delivers it; Unsubscribe signs
// the one-click links every message carries and serves the page behind them.
package mail

import (
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strings"

	gomail "github.com/wneessen/go-mail"
)

// Message is one email ready to send to one recipient.
type Message struct {
	To      string // bare address, e.g. ada@example.com
	ToName  string // display name; may be empty
	Subject string
	Text    string // text/plain body
	HTML    string // text/html body; may be empty for a text-only message

	// ListUnsubscribe is the https URL that turns the recipient's email off in
	// one click (RFC 8058); empty means no List-Unsubscribe header.
	ListUnsubscribe string

	// EventID identifies the delivery; retries of one delivery pass the same
	// value so that they carry the same Message-ID. Empty means a random one.
	EventID string
}

// ErrInvalidAddress is wrapped by every error about a malformed sender or
// recipient address. IsPermanent reports true for it.
var ErrInvalidAddress = errors.New("mail: invalid address")

// ErrInvalidMessage is wrapped by every error about a message that no retry
// could send: no body, or a malformed unsubscribe URL. IsPermanent reports true
// for it.
var ErrInvalidMessage = errors.New("mail: invalid message")

// IsPermanent reports whether sending failed for a reason that retrying the
// same message cannot fix: an invalid address or message, or a 5xx reply from
// the server to the message's recipient or content. Connection failures, 4xx
// replies and 5xx replies during the session setup (greeting, STARTTLS, AUTH,
// MAIL FROM) are not permanent: those concern Tailor's own configuration or the
// server's state, would refuse every message alike, and deserve a retry once
// fixed rather than a dead letter per notification.
func IsPermanent(err error) bool {
	if errors.Is(err, ErrInvalidAddress) || errors.Is(err, ErrInvalidMessage) {
		return true
	}
	var se *gomail.SendError
	if !errors.As(err, &se) {
		return false
	}
	switch se.Reason {
	case gomail.ErrSMTPRcptTo, gomail.ErrSMTPData, gomail.ErrSMTPDataClose:
		return se.ErrorCode() >= 500 && se.ErrorCode() <= 599
	}
	return false
}

// checked is a Message whose addresses and unsubscribe URL have been
// validated.
type checked struct {
	Message
	to          *mail.Address
	unsubscribe *url.URL // nil when the message has none
}

// check validates what every sender needs from m, so that the log sender
// refuses the same messages as the SMTP one.
func check(m Message) (checked, error) {
	addr, err := parseMailbox(m.To)
	if err != nil {
		return checked{}, fmt.Errorf("mail: recipient: %w", err)
	}
	if m.ToName != "" {
		addr.Name = m.ToName
	}
	if m.Text == "" && m.HTML == "" {
		return checked{}, fmt.Errorf("mail: message has no body: %w", ErrInvalidMessage)
	}
	c := checked{Message: m, to: addr}
	if m.ListUnsubscribe != "" {
		u, err := parseUnsubscribeURL(m.ListUnsubscribe)
		if err != nil {
			return checked{}, err
		}
		c.unsubscribe = u
	}
	return c, nil
}

// parseMailbox parses one RFC 5322 address ("ada@example.com" or
// "Ada <ada@example.com>").
func parseMailbox(s string) (*mail.Address, error) {
	if strings.TrimSpace(s) == "" {
		return nil, fmt.Errorf("empty address: %w", ErrInvalidAddress)
	}
	addr, err := mail.ParseAddress(s)
	if err != nil {
		return nil, fmt.Errorf("%q: %w: %w", s, ErrInvalidAddress, err)
	}
	return addr, nil
}

// parseUnsubscribeURL accepts an absolute http or https URL that can stand
// between the angle brackets of a List-Unsubscribe header. Plain http is
// allowed for development mail catchers; mailbox providers honour one-click
// unsubscribe for https only, and only then is List-Unsubscribe-Post set.
func parseUnsubscribeURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" ||
		strings.ContainsAny(s, "<> \t\r\n") {
		return nil, fmt.Errorf("mail: unsubscribe URL %q is not an absolute http(s) URL: %w", s, ErrInvalidMessage)
	}
	return u, nil
}
