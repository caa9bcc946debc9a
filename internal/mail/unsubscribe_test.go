package mail

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

// clock is a settable time source for tokens.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func newTestUnsubscribe(t *testing.T, key []byte, now func() time.Time) *Unsubscribe {
	t.Helper()
	u, err := NewUnsubscribe(key, now)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func TestNewUnsubscribe(t *testing.T) {
	tests := []struct {
		name    string
		key     []byte
		wantErr bool
	}{
		{name: "nil key", key: nil, wantErr: true},
		{name: "31 bytes", key: testKey[:31], wantErr: true},
		{name: "32 bytes", key: testKey},
		{name: "64 bytes", key: append(bytes.Clone(testKey), testKey...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewUnsubscribe(tt.key, nil)
			if (err != nil) != tt.wantErr {
				t.Errorf("error = %v, want error %v", err, tt.wantErr)
			}
		})
	}

	t.Run("key is copied", func(t *testing.T) {
		key := bytes.Clone(testKey)
		u := newTestUnsubscribe(t, key, nil)
		token := u.Token(1, time.Hour)
		key[0] ^= 0xff
		if _, err := u.Parse(token); err != nil {
			t.Errorf("changing the caller's key broke the token: %v", err)
		}
	})
}

func TestUnsubscribeToken(t *testing.T) {
	start := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	urlSafe := regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

	// flip alters one byte of a token's decoded form.
	flip := func(token string, i int) string {
		b, err := base64.RawURLEncoding.DecodeString(token)
		if err != nil {
			t.Fatal(err)
		}
		b[i] ^= 0x01
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name    string
		userID  int64
		ttl     time.Duration
		alter   func(token string) string
		advance time.Duration // clock moves between Token and Parse
		other   bool          // parse with a different key
		wantErr error
	}{
		{name: "round trip", userID: 42, ttl: 90 * 24 * time.Hour},
		{name: "round trip of a large ID", userID: 1<<62 + 12345, ttl: time.Hour},
		{name: "round trip of ID 0", userID: 0, ttl: time.Hour},
		{name: "just before expiry", userID: 42, ttl: time.Hour, advance: time.Hour - time.Second},
		{name: "at expiry", userID: 42, ttl: time.Hour, advance: time.Hour, wantErr: ErrTokenExpired},
		{name: "long expired", userID: 42, ttl: time.Hour, advance: 400 * 24 * time.Hour, wantErr: ErrTokenExpired},
		{name: "altered user ID", userID: 42, ttl: time.Hour, alter: func(s string) string { return flip(s, 7) }, wantErr: ErrTokenInvalid},
		{name: "altered expiry", userID: 42, ttl: time.Hour, alter: func(s string) string { return flip(s, 15) }, wantErr: ErrTokenInvalid},
		{name: "altered MAC", userID: 42, ttl: time.Hour, alter: func(s string) string { return flip(s, 47) }, wantErr: ErrTokenInvalid},
		{name: "expired and altered is invalid", userID: 42, ttl: time.Hour, advance: 2 * time.Hour,
			alter: func(s string) string { return flip(s, 20) }, wantErr: ErrTokenInvalid},
		{name: "truncated", userID: 42, ttl: time.Hour, alter: func(s string) string { return s[:len(s)-2] }, wantErr: ErrTokenInvalid},
		{name: "extended", userID: 42, ttl: time.Hour, alter: func(s string) string { return s + "AA" }, wantErr: ErrTokenInvalid},
		{name: "padded", userID: 42, ttl: time.Hour, alter: func(s string) string { return s + "=" }, wantErr: ErrTokenInvalid},
		{name: "empty", alter: func(string) string { return "" }, wantErr: ErrTokenInvalid},
		{name: "not base64", alter: func(string) string { return "not a token!" }, wantErr: ErrTokenInvalid},
		{name: "other key", userID: 42, ttl: time.Hour, other: true, wantErr: ErrTokenInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &clock{t: start}
			u := newTestUnsubscribe(t, testKey, c.now)
			token := u.Token(tt.userID, tt.ttl)
			if !urlSafe.MatchString(token) || url.QueryEscape(token) != token {
				t.Errorf("token %q is not URL-safe", token)
			}
			if tt.alter != nil {
				token = tt.alter(token)
			}
			c.set(start.Add(tt.advance))
			if tt.other {
				u = newTestUnsubscribe(t, []byte("another key of thirty-two bytes!"), c.now)
			}
			got, err := u.Parse(token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Parse error = %v, want %v", err, tt.wantErr)
				}
				if got != 0 {
					t.Errorf("Parse returned user %d with an error", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got != tt.userID {
				t.Errorf("Parse = %d, want %d", got, tt.userID)
			}
		})
	}
}

func TestUnsubscribeHandler(t *testing.T) {
	const userID = 424242
	now := time.Date(2024, 3, 5, 12, 0, 0, 0, time.UTC)
	u := newTestUnsubscribe(t, testKey, func() time.Time { return now })
	valid := u.Token(userID, 30*24*time.Hour)
	past := newTestUnsubscribe(t, testKey, func() time.Time { return now.Add(-48 * time.Hour) })
	expired := past.Token(userID, 24*time.Hour)
	forged := newTestUnsubscribe(t, []byte("another key of thirty-two bytes!"), func() time.Time { return now }).Token(userID, time.Hour)

	form := func(token string) (string, io.Reader) {
		return "application/x-www-form-urlencoded", strings.NewReader(url.Values{"token": {token}}.Encode())
	}
	oneClick := func() (string, io.Reader) {
		return "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click")
	}
	oneClickMultipart := func() (string, io.Reader) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if err := mw.WriteField("List-Unsubscribe", "One-Click"); err != nil {
			t.Fatal(err)
		}
		if err := mw.Close(); err != nil {
			t.Fatal(err)
		}
		return mw.FormDataContentType(), &buf
	}

	tests := []struct {
		name       string
		method     string
		query      string // token in the query
		body       func() (contentType string, body io.Reader)
		turnOffErr error
		wantStatus int
		wantCalls  int
		wantBody   []string
	}{
		{name: "GET shows a confirmation and changes nothing", method: http.MethodGet, query: valid,
			wantStatus: http.StatusOK, wantBody: []string{`<form method="post">`, `name="token" value="` + valid + `"`, "Unsubscribe</button>"}},
		{name: "HEAD changes nothing", method: http.MethodHead, query: valid, wantStatus: http.StatusOK},
		{name: "POST from the confirmation form", method: http.MethodPost, query: valid,
			body:       func() (string, io.Reader) { return form(valid) },
			wantStatus: http.StatusOK, wantCalls: 1, wantBody: []string{"You will get no more email from Tailor"}},
		{name: "POST with the token in the form only", method: http.MethodPost,
			body:       func() (string, io.Reader) { return form(valid) },
			wantStatus: http.StatusOK, wantCalls: 1, wantBody: []string{"You will get no more email from Tailor"}},
		{name: "RFC 8058 one-click POST", method: http.MethodPost, query: valid, body: oneClick,
			wantStatus: http.StatusOK, wantCalls: 1, wantBody: []string{"You will get no more email from Tailor"}},
		{name: "RFC 8058 one-click POST as multipart", method: http.MethodPost, query: valid, body: oneClickMultipart,
			wantStatus: http.StatusOK, wantCalls: 1},
		{name: "GET without token", method: http.MethodGet, wantStatus: http.StatusBadRequest, wantBody: []string{"not valid"}},
		{name: "GET with a forged token", method: http.MethodGet, query: forged, wantStatus: http.StatusBadRequest},
		{name: "GET with a garbled token", method: http.MethodGet, query: valid[:20], wantStatus: http.StatusBadRequest},
		{name: "POST with a forged token", method: http.MethodPost, query: forged, body: oneClick, wantStatus: http.StatusBadRequest},
		{name: "GET with an expired token", method: http.MethodGet, query: expired, wantStatus: http.StatusGone, wantBody: []string{"expired"}},
		{name: "POST with an expired token", method: http.MethodPost, query: expired, body: oneClick, wantStatus: http.StatusGone},
		{name: "turning off fails", method: http.MethodPost, query: valid, body: oneClick, turnOffErr: errors.New("database is down"),
			wantStatus: http.StatusInternalServerError, wantCalls: 1, wantBody: []string{"not changed"}},
		{name: "other methods are refused", method: http.MethodPut, query: valid, wantStatus: http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mu sync.Mutex
			var calls []int64
			turnOff := func(_ context.Context, id int64) error {
				mu.Lock()
				defer mu.Unlock()
				calls = append(calls, id)
				return tt.turnOffErr
			}
			srv := httptest.NewServer(u.Handler(turnOff, nil))
			defer srv.Close()

			target := srv.URL + "/unsubscribe"
			if tt.query != "" {
				target += "?token=" + url.QueryEscape(tt.query)
			}
			var body io.Reader
			contentType := ""
			if tt.body != nil {
				contentType, body = tt.body()
			}
			req, err := http.NewRequestWithContext(t.Context(), tt.method, target, body)
			if err != nil {
				t.Fatal(err)
			}
			if contentType != "" {
				req.Header.Set("Content-Type", contentType)
			}
			resp, err := srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			got, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			page := string(got)

			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d\n%s", resp.StatusCode, tt.wantStatus, page)
			}
			for _, want := range tt.wantBody {
				if !strings.Contains(page, want) {
					t.Errorf("page lacks %q:\n%s", want, page)
				}
			}
			if strings.Contains(page, strconv.Itoa(userID)) || strings.Contains(page, "database is down") {
				t.Errorf("page reveals the user or the error:\n%s", page)
			}
			if tt.method == http.MethodPut && resp.Header.Get("Allow") != "GET, HEAD, POST" {
				t.Errorf("Allow = %q", resp.Header.Get("Allow"))
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("Content-Type = %q", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
			mu.Lock()
			defer mu.Unlock()
			if len(calls) != tt.wantCalls {
				t.Fatalf("turnOff called %d times, want %d", len(calls), tt.wantCalls)
			}
			for _, id := range calls {
				if id != userID {
					t.Errorf("turnOff(%d), want %d", id, userID)
				}
			}
		})
	}
}
