package mail

import (
	"context"
	"log/slog"
)

// Log is the sender used when no SMTP server is configured: it writes each
// message to a logger instead of delivering it, so that development and tests
// can follow notifications and their unsubscribe links. It is safe for
// concurrent use.
type Log struct {
	logger *slog.Logger
}

// NewLog returns a sender that logs to logger; nil discards.
func NewLog(logger *slog.Logger) *Log {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Log{logger: logger}
}

// Send logs m's recipient, subject, text body and unsubscribe URL at INFO. It
// refuses the messages the SMTP sender would refuse before connecting, with
// the same errors.
func (l *Log) Send(ctx context.Context, m Message) error {
	if _, err := check(m); err != nil {
		return err
	}
	l.logger.LogAttrs(ctx, slog.LevelInfo, "mail not sent: no SMTP server configured",
		slog.String("to", m.To),
		slog.String("subject", m.Subject),
		slog.String("text", m.Text),
		slog.String("unsubscribe", m.ListUnsubscribe),
		slog.String("event_id", m.EventID),
	)
	return nil
}
