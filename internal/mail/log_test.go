package mail

import (
	"bytes"
	"encoding/json"
	"errors"
	"log/slog"
	"testing"
)

func TestLogSend(t *testing.T) {
	tests := []struct {
		name    string
		msg     Message
		wantErr error
	}{
		{
			name: "logs the message",
			msg: Message{To: "ada@example.com", Subject: "Ada Lovelace started following you", Text: "Hi.\n",
				HTML: "<p>Hi.</p>", ListUnsubscribe: testUnsubscribeURL, EventID: "e1"},
		},
		{name: "refuses an invalid recipient", msg: Message{To: "ada", Text: "Hi."}, wantErr: ErrInvalidAddress},
		{name: "refuses an empty body", msg: Message{To: "ada@example.com"}, wantErr: ErrInvalidMessage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l := NewLog(slog.New(slog.NewJSONHandler(&buf, nil)))
			err := l.Send(t.Context(), tt.msg)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) || !IsPermanent(err) {
					t.Errorf("error = %v, want permanent %v", err, tt.wantErr)
				}
				if buf.Len() != 0 {
					t.Errorf("logged a refused message: %s", buf.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("log line %q: %v", buf.String(), err)
			}
			want := map[string]string{
				"level": "INFO", "to": tt.msg.To, "subject": tt.msg.Subject,
				"text": tt.msg.Text, "unsubscribe": tt.msg.ListUnsubscribe,
			}
			for k, v := range want {
				if rec[k] != v {
					t.Errorf("log %s = %v, want %q", k, rec[k], v)
				}
			}
		})
	}
}
