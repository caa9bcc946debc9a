package mail

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"time"
)

// MinUnsubscribeKeyLen is the shortest key NewUnsubscribe accepts: as many
// bytes as HMAC-SHA256's output.
const MinUnsubscribeKeyLen = 32

// Token errors returned by Parse. An expired token is still genuine, so the
// handler can say the link is too old rather than broken.
var (
	ErrTokenInvalid = errors.New("mail: unsubscribe token invalid")
	ErrTokenExpired = errors.New("mail: unsubscribe token expired")
)

// tokenMACContext separates these MACs from any other use of the same key.
const tokenMACContext = "tailor-unsubscribe-v1\x00"

// A token is userID (8 bytes) | expiry in Unix seconds (8 bytes) | HMAC-SHA256
// of both (32 bytes), big-endian, base64url without padding.
const (
	tokenPayloadLen = 16
	tokenLen        = tokenPayloadLen + sha256.Size
)

// maxUnsubscribeBody bounds what the handler reads of a POST: a token and the
// one-click field fit in far less.
const maxUnsubscribeBody = 16 << 10

// Unsubscribe signs and checks the tokens in one-click unsubscribe links and
// serves the page they lead to. It is safe for concurrent use.
type Unsubscribe struct {
	key []byte
	now func() time.Time
}

// NewUnsubscribe returns an Unsubscribe signing with key, which must hold at
// least MinUnsubscribeKeyLen bytes and stay the same across restarts and
// replicas for links already sent to keep working. now is the clock; nil means
// time.Now.
func NewUnsubscribe(key []byte, now func() time.Time) (*Unsubscribe, error) {
	if len(key) < MinUnsubscribeKeyLen {
		return nil, fmt.Errorf("mail: unsubscribe key has %d bytes, want at least %d", len(key), MinUnsubscribeKeyLen)
	}
	if now == nil {
		now = time.Now
	}
	return &Unsubscribe{key: bytes.Clone(key), now: now}, nil
}

// Token returns a URL-safe token that turns off email for userID until ttl
// from now; Parse refuses it after that. Links in mail outlive the mail's
// reading by weeks, so ttl should be generous (months).
func (u *Unsubscribe) Token(userID int64, ttl time.Duration) string {
	b := make([]byte, tokenPayloadLen, tokenLen)
	binary.BigEndian.PutUint64(b[0:8], uint64(userID))
	binary.BigEndian.PutUint64(b[8:16], uint64(u.now().Add(ttl).Unix()))
	b = append(b, u.mac(b)...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// Parse returns the user ID a token made by Token was signed for. It returns
// ErrTokenInvalid for anything this Unsubscribe did not sign (malformed,
// altered, other key) and ErrTokenExpired for a genuine token past its expiry.
func (u *Unsubscribe) Parse(token string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(b) != tokenLen {
		return 0, ErrTokenInvalid
	}
	if !hmac.Equal(b[tokenPayloadLen:], u.mac(b[:tokenPayloadLen])) {
		return 0, ErrTokenInvalid
	}
	expiry := time.Unix(int64(binary.BigEndian.Uint64(b[8:16])), 0)
	if !u.now().Before(expiry) {
		return 0, ErrTokenExpired
	}
	return int64(binary.BigEndian.Uint64(b[0:8])), nil
}

func (u *Unsubscribe) mac(payload []byte) []byte {
	h := hmac.New(sha256.New, u.key)
	h.Write([]byte(tokenMACContext))
	h.Write(payload)
	return h.Sum(nil)
}

// unsubscribePage is what the page template shows.
type unsubscribePage struct {
	Title   string
	Message string
	Token   string // set only on the confirmation page, for its form
}

// Handler serves the page an unsubscribe link leads to, with the token in the
// "token" query parameter or form field.
//
// GET shows a confirmation button and changes nothing, since mail scanners
// fetch links before people do. POST, from that button or as an RFC 8058
// one-click request (body List-Unsubscribe=One-Click, token in the query),
// calls turnOff with the token's user and confirms. A malformed token gets
// 400 and an expired one 410; no answer names or hints at the user. turnOff
// may be called more than once for a user and must be idempotent. logger may
// be nil.
func (u *Unsubscribe) Handler(turnOff func(ctx context.Context, userID int64) error, logger *slog.Logger) http.Handler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.Method {
		case http.MethodGet, http.MethodHead:
		case http.MethodPost:
			r.Body = http.MaxBytesReader(w, r.Body, maxUnsubscribeBody)
		default:
			w.Header().Set("Allow", "GET, HEAD, POST")
			writePage(w, r, http.StatusMethodNotAllowed, unsubscribePage{
				Title:   "Method not allowed",
				Message: "Open the unsubscribe link from your email.",
			}, logger)
			return
		}
		token := r.FormValue("token")
		userID, err := u.Parse(token)
		switch {
		case errors.Is(err, ErrTokenExpired):
			logger.LogAttrs(r.Context(), slog.LevelInfo, "unsubscribe: expired token")
			writePage(w, r, http.StatusGone, unsubscribePage{
				Title:   "This link has expired",
				Message: "To stop email from Tailor, turn notifications off in your Tailor settings, or use the link in a more recent email.",
			}, logger)
			return
		case err != nil:
			logger.LogAttrs(r.Context(), slog.LevelInfo, "unsubscribe: invalid token")
			writePage(w, r, http.StatusBadRequest, unsubscribePage{
				Title:   "This link is not valid",
				Message: "Copy the whole unsubscribe link from your email, or turn notifications off in your Tailor settings.",
			}, logger)
			return
		}
		if r.Method != http.MethodPost {
			writePage(w, r, http.StatusOK, unsubscribePage{
				Title:   "Unsubscribe from Tailor email",
				Message: "Press the button to stop all notification email from Tailor.",
				Token:   token,
			}, logger)
			return
		}
		if err := turnOff(r.Context(), userID); err != nil {
			logger.LogAttrs(r.Context(), slog.LevelError, "unsubscribe: turning email off failed",
				slog.Int64("user_id", userID), slog.Any("error", err))
			writePage(w, r, http.StatusInternalServerError, unsubscribePage{
				Title:   "Something went wrong",
				Message: "Your email settings were not changed. Please try again in a few minutes.",
			}, logger)
			return
		}
		logger.LogAttrs(r.Context(), slog.LevelInfo, "unsubscribe: email turned off",
			slog.Int64("user_id", userID), slog.Bool("one_click", r.PostFormValue("List-Unsubscribe") == "One-Click"))
		writePage(w, r, http.StatusOK, unsubscribePage{
			Title:   "You are unsubscribed",
			Message: "You will get no more email from Tailor.",
		}, logger)
	})
}

// writePage renders the page first, so that a template failure can still
// become a clean 500.
func writePage(w http.ResponseWriter, r *http.Request, status int, p unsubscribePage, logger *slog.Logger) {
	var buf bytes.Buffer
	if err := htmlTemplates.ExecuteTemplate(&buf, "unsubscribe.html.tmpl", p); err != nil {
		logger.LogAttrs(r.Context(), slog.LevelError, "unsubscribe: render page", slog.Any("error", err))
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// The token in the URL must stay out of caches, referrers and search
	// indexes, and the button out of other sites' frames.
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Robots-Tag", "noindex")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		_, _ = w.Write(buf.Bytes())
	}
}
