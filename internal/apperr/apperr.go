// Package apperr defines the coded errors Tailor's services return. The code decides what a
// client is told; anything that is not an *Error is an internal failure.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code is the machine-readable class of an error, shown to clients as extensions.code.
type Code string

// The codes of the public API contract.
const (
	Unauthenticated        Code = "UNAUTHENTICATED"
	Forbidden              Code = "FORBIDDEN"
	NotFound               Code = "NOT_FOUND"
	BadUserInput           Code = "BAD_USER_INPUT"
	RateLimited            Code = "RATE_LIMITED"
	QueryTooComplex        Code = "QUERY_TOO_COMPLEX"
	PersistedQueryNotFound Code = "PERSISTED_QUERY_NOT_FOUND"
	Internal               Code = "INTERNAL"
)

// Error is an error whose message is safe to show to a client.
type Error struct {
	Code    Code
	Message string
	// Field names the input the error is about ("first", "input.title"), when there is one.
	Field string
	// RetryAfter is how long a RATE_LIMITED client must wait before trying again.
	RetryAfter time.Duration
}

func (e *Error) Error() string { return e.Message }

// New returns an error with the given code and a client-safe message.
func New(code Code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid reports bad input in the named field.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: BadUserInput, Field: field, Message: fmt.Sprintf(format, args...)}
}

// Throttled refuses a request that must wait d before it is tried again.
func Throttled(d time.Duration, format string, args ...any) *Error {
	return &Error{Code: RateLimited, Message: fmt.Sprintf(format, args...), RetryAfter: d}
}

// CodeOf returns the code of the first *Error in err's chain, or Internal.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// FieldCode classifies a problem with one input field.
type FieldCode string

// The field error codes, shown to clients as UserError.code.
const (
	FieldInvalid  FieldCode = "INVALID"
	FieldRequired FieldCode = "REQUIRED"
	FieldTooShort FieldCode = "TOO_SHORT"
	FieldTooLong  FieldCode = "TOO_LONG"
	FieldTooWeak  FieldCode = "TOO_WEAK"
	FieldTaken    FieldCode = "TAKEN"
	FieldNotFound FieldCode = "NOT_FOUND"
)

// FieldError is an expected, fixable problem with one input field of a mutation. Mutations
// return them in their payload's userErrors rather than as GraphQL errors.
type FieldError struct {
	Field   string
	Message string
	Code    FieldCode
}

// FieldErrors is a list of field errors; as an error it means the input was refused whole.
type FieldErrors []FieldError

func (e FieldErrors) Error() string {
	if len(e) == 0 {
		return "invalid input"
	}
	return e[0].Field + ": " + e[0].Message
}

// Add appends a field error.
func (e *FieldErrors) Add(field string, code FieldCode, format string, args ...any) {
	*e = append(*e, FieldError{Field: field, Code: code, Message: fmt.Sprintf(format, args...)})
}

// Err returns e as an error, or nil when it is empty.
func (e FieldErrors) Err() error {
	if len(e) == 0 {
		return nil
	}
	return e
}

// AsFieldErrors reports whether err refuses the input, and returns its field errors.
func AsFieldErrors(err error) (FieldErrors, bool) {
	var fe FieldErrors
	ok := errors.As(err, &fe)
	return fe, ok
}
