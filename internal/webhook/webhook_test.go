package webhook

import (
	"encoding/base64"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

const testSecret = "whsec_FOKxxxVg5+UMKnuLMGQGOV3aYOooE/vnres2fCOMnkY="

// The published test vector of the Standard Webhooks reference libraries: matching it is what
// makes our signatures verifiable by any of them.
func TestSignMatchesReferenceVector(t *testing.T) {
	got, err := Sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
		time.Unix(1614265330, 0), []byte(`{"test": 2432232314}`))
	if err != nil {
		t.Fatal(err)
	}
	if want := "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="; got != want {
		t.Errorf("Sign = %q, want %q", got, want)
	}
}

func TestNewSecret(t *testing.T) {
	a, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	b, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	if a == b {
		t.Errorf("two secrets are equal: %q", a)
	}
	if !strings.HasPrefix(a, "whsec_") {
		t.Errorf("secret %q lacks the whsec_ prefix", a)
	}
	key, err := ParseSecret(a)
	if err != nil {
		t.Fatalf("ParseSecret(NewSecret()): %v", err)
	}
	if len(key) != 32 {
		t.Errorf("key is %d bytes, want 32", len(key))
	}
}

func TestParseSecret(t *testing.T) {
	encode := func(n int) string { return "whsec_" + base64.StdEncoding.EncodeToString(make([]byte, n)) }
	tests := []struct {
		name    string
		secret  string
		wantLen int
		wantErr bool
	}{
		{name: "24 bytes", secret: encode(24), wantLen: 24},
		{name: "32 bytes", secret: encode(32), wantLen: 32},
		{name: "64 bytes", secret: encode(64), wantLen: 64},
		{name: "23 bytes", secret: encode(23), wantErr: true},
		{name: "65 bytes", secret: encode(65), wantErr: true},
		{name: "no prefix", secret: strings.TrimPrefix(encode(32), "whsec_"), wantErr: true},
		{name: "not base64", secret: "whsec_not*base64!", wantErr: true},
		{name: "url-safe alphabet", secret: "whsec_" + base64.URLEncoding.EncodeToString([]byte(strings.Repeat("\xff", 32))), wantErr: true},
		{name: "empty", secret: "", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			key, err := ParseSecret(tc.secret)
			if tc.wantErr {
				if !errors.Is(err, ErrInvalidSecret) {
					t.Errorf("err = %v, want ErrInvalidSecret", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(key) != tc.wantLen {
				t.Errorf("key is %d bytes, want %d", len(key), tc.wantLen)
			}
		})
	}
}

func TestSignRefuses(t *testing.T) {
	tests := []struct {
		name   string
		secret string
		id     string
		want   error
	}{
		{name: "empty id", secret: testSecret, id: "", want: ErrInvalidID},
		{name: "dot in id", secret: testSecret, id: "msg.1", want: ErrInvalidID},
		{name: "space in id", secret: testSecret, id: "msg 1", want: ErrInvalidID},
		{name: "newline in id", secret: testSecret, id: "msg\r\nx-evil: 1", want: ErrInvalidID},
		{name: "bad secret", secret: "whsec_short", id: "msg_1", want: ErrInvalidSecret},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Sign(tc.secret, tc.id, time.Now(), []byte("{}")); !errors.Is(err, tc.want) {
				t.Errorf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestVerify(t *testing.T) {
	now := time.Unix(1_750_000_000, 0)
	body := []byte(`{"type":"content.published","data":{"id":"42"}}`)
	otherSecret, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	sign := func(t *testing.T, secret, id string, at time.Time, body []byte) string {
		t.Helper()
		s, err := Sign(secret, id, at, body)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	// signed builds the headers Tailor sends for body at time at.
	signed := func(t *testing.T, at time.Time) http.Header {
		h := http.Header{}
		h.Set(HeaderID, "msg_1")
		h.Set(HeaderTimestamp, strconv.FormatInt(at.Unix(), 10))
		h.Set(HeaderSignature, sign(t, testSecret, "msg_1", at, body))
		return h
	}
	type verifyCase struct {
		name   string
		secret string // testSecret if empty
		header func(t *testing.T) http.Header
		body   []byte // body if nil
		want   error
	}
	tests := []verifyCase{
		{name: "valid", header: func(t *testing.T) http.Header { return signed(t, now) }},
		{
			name:   "tampered body",
			body:   []byte(`{"type":"content.published","data":{"id":"43"}}`),
			header: func(t *testing.T) http.Header { return signed(t, now) },
			want:   ErrBadSignature,
		},
		{
			name:   "wrong secret",
			secret: otherSecret,
			header: func(t *testing.T) http.Header { return signed(t, now) },
			want:   ErrBadSignature,
		},
		{
			name: "id swapped",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderID, "msg_2")
				return h
			},
			want: ErrBadSignature,
		},
		{
			name: "timestamp swapped within tolerance",
			header: func(t *testing.T) http.Header {
				h := signed(t, now.Add(-time.Minute))
				h.Set(HeaderTimestamp, strconv.FormatInt(now.Unix(), 10))
				return h
			},
			want: ErrBadSignature,
		},
		{name: "5 minutes old", header: func(t *testing.T) http.Header { return signed(t, now.Add(-Tolerance)) }},
		{name: "5 minutes ahead", header: func(t *testing.T) http.Header { return signed(t, now.Add(Tolerance)) }},
		{
			name:   "old timestamp",
			header: func(t *testing.T) http.Header { return signed(t, now.Add(-Tolerance-time.Second)) },
			want:   ErrTimestampOutOfRange,
		},
		{
			name:   "future timestamp",
			header: func(t *testing.T) http.Header { return signed(t, now.Add(Tolerance+time.Second)) },
			want:   ErrTimestampOutOfRange,
		},
		{
			name: "absurd timestamp",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderTimestamp, "-9223372036854775808")
				return h
			},
			want: ErrTimestampOutOfRange,
		},
		{
			name: "timestamp not a number",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderTimestamp, now.Format(time.RFC3339))
				return h
			},
			want: ErrMissingHeaders,
		},
		{
			name: "several signatures, one valid",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderSignature, strings.Join([]string{
					sign(t, otherSecret, "msg_1", now, body),
					"v1a,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=",
					"v1,not-base64!",
					"garbage",
					h.Get(HeaderSignature),
				}, " "))
				return h
			},
		},
		{
			name: "several signatures, none valid",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderSignature, sign(t, otherSecret, "msg_1", now, body)+" "+sign(t, otherSecret, "msg_1", now, []byte("{}")))
				return h
			},
			want: ErrBadSignature,
		},
		{
			name: "valid signature under another version",
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Set(HeaderSignature, "v2"+strings.TrimPrefix(h.Get(HeaderSignature), "v1"))
				return h
			},
			want: ErrBadSignature,
		},
	}
	for _, name := range []string{HeaderID, HeaderTimestamp, HeaderSignature} {
		tests = append(tests, verifyCase{
			name: "missing " + name,
			header: func(t *testing.T) http.Header {
				h := signed(t, now)
				h.Del(name)
				return h
			},
			want: ErrMissingHeaders,
		})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			secret, b := tc.secret, tc.body
			if secret == "" {
				secret = testSecret
			}
			if b == nil {
				b = body
			}
			err := Verify(secret, tc.header(t), b, now)
			if tc.want == nil && err != nil {
				t.Errorf("Verify: %v, want nil", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Verify: %v, want %v", err, tc.want)
			}
		})
	}
}
