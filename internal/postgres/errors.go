package postgres

import (
	"context"
	"errors"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/tailorhq/tailor/internal/apperr"
)

// The PostgreSQL error codes Tailor tells apart.
const (
	uniqueViolation       = "23505"
	foreignKeyViolation   = "23503"
	duplicateDatabase     = "42P04"
	insufficientPrivilege = "42501"
	serializationFailure  = "40001"
	deadlockDetected      = "40P01"
)

// code returns the PostgreSQL error code of err, or "" when err is not PostgreSQL's.
func code(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return string(pqErr.Code)
	}
	return ""
}

// constraintOf returns the constraint a PostgreSQL error names, or "".
func constraintOf(err error) string {
	var pqErr *pq.Error
	if errors.As(err, &pqErr) {
		return pqErr.Constraint
	}
	return ""
}

// inputRefusals are the constraint violations caused by a client's input, as the field error
// that tells the client what to change. A key of the form "code:" covers every constraint of
// that code.
var inputRefusals = map[string]apperr.FieldError{
	uniqueViolation + ":users_handle_key":  {Field: "handle", Code: apperr.FieldTaken, Message: "this handle is taken; choose another"},
	uniqueViolation + ":users_email_key":   {Field: "email", Code: apperr.FieldTaken, Message: "an account with this email already exists; log in instead"},
	uniqueViolation + ":contents_slug_key": {Field: "slug", Code: apperr.FieldTaken, Message: "another item has this slug; choose another"},
}

// refusal maps a PostgreSQL error to the domain's error: a constraint violation a client's
// input caused becomes a field error (field and message, when given, name the input for a
// foreign key that does not say which); anything else is returned as it is.
func refusal(err error, field, message string) error {
	if err == nil {
		return nil
	}
	c := code(err)
	if fe, ok := inputRefusals[c+":"+constraintOf(err)]; ok {
		return apperr.FieldErrors{fe}
	}
	if c == foreignKeyViolation && field != "" {
		return apperr.FieldErrors{{Field: field, Code: apperr.FieldNotFound, Message: message}}
	}
	return err
}

// retryable reports whether a transaction failed only because it met another one and may
// simply run again.
func retryable(err error) bool {
	c := code(err)
	return c == serializationFailure || c == deadlockDetected
}

// txAttempts bounds how many times withTx runs a transaction that keeps meeting others.
const txAttempts = 4

// withTx runs fn in a transaction, committing when it returns nil. A transaction refused for
// a serialization failure or a deadlock runs again, up to txAttempts times, after a short,
// growing, jittered pause.
func withTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	var err error
	for attempt := range txAttempts {
		if attempt > 0 {
			pause := time.Duration(attempt*attempt)*10*time.Millisecond + time.Duration(rand.Int64N(int64(10*time.Millisecond)))
			select {
			case <-ctx.Done():
				return errors.Join(err, ctx.Err())
			case <-time.After(pause):
			}
		}
		if err = runTx(ctx, db, fn); !retryable(err) {
			return err
		}
	}
	return err
}

func runTx(ctx context.Context, db *sqlx.DB, fn func(*sqlx.Tx) error) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
