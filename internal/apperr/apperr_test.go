package apperr

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"testing"
)

func TestNewAndInvalid(t *testing.T) {
	tests := []struct {
		name      string
		err       *Error
		wantCode  Code
		wantField string
		wantMsg   string
	}{
		{"new formats its message", New(NotFound, "no %s has ID %d", "topic", 7), NotFound, "", "no topic has ID 7"},
		{"new without args", New(Forbidden, "go away"), Forbidden, "", "go away"},
		{"invalid sets field and code", Invalid("first", "%s must be positive", "first"), BadUserInput, "first", "first must be positive"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.err.Code != tt.wantCode || tt.err.Field != tt.wantField || tt.err.Message != tt.wantMsg {
				t.Errorf("got %+v, want code %q field %q message %q", *tt.err, tt.wantCode, tt.wantField, tt.wantMsg)
			}
			if got := tt.err.Error(); got != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", got, tt.wantMsg)
			}
		})
	}
}

func TestCodeOf(t *testing.T) {
	notFound := New(NotFound, "missing")
	tests := []struct {
		name string
		err  error
		want Code
	}{
		{"nil is internal", nil, Internal},
		{"plain error is internal", errors.New("boom"), Internal},
		{"io error is internal", io.EOF, Internal},
		{"coded error", notFound, NotFound},
		{"wrapped once", fmt.Errorf("load: %w", notFound), NotFound},
		{"wrapped twice", fmt.Errorf("outer: %w", fmt.Errorf("inner: %w", New(RateLimited, "slow down"))), RateLimited},
		{"wrapped with %v loses the code", fmt.Errorf("load: %v", notFound), Internal},
		{"first coded error in a join wins", errors.Join(errors.New("x"), New(Forbidden, "no"), New(NotFound, "gone")), Forbidden},
		{"invalid is bad user input", fmt.Errorf("args: %w", Invalid("after", "bad")), BadUserInput},
		{"field errors are not an *Error", FieldErrors{{Field: "a", Message: "b"}}, Internal},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := CodeOf(tt.err); got != tt.want {
				t.Errorf("CodeOf(%v) = %q, want %q", tt.err, got, tt.want)
			}
			if !Is(tt.err, tt.want) {
				t.Errorf("Is(%v, %q) = false, want true", tt.err, tt.want)
			}
			other := NotFound
			if tt.want == NotFound {
				other = Forbidden
			}
			if Is(tt.err, other) {
				t.Errorf("Is(%v, %q) = true, want false", tt.err, other)
			}
		})
	}
}

func TestFieldErrors(t *testing.T) {
	tests := []struct {
		name    string
		build   func() FieldErrors
		want    FieldErrors
		wantMsg string
		wantNil bool
	}{
		{
			name:    "empty",
			build:   func() FieldErrors { return nil },
			want:    nil,
			wantMsg: "invalid input",
			wantNil: true,
		},
		{
			name: "empty non-nil",
			build: func() FieldErrors {
				return FieldErrors{}
			},
			want:    FieldErrors{},
			wantMsg: "invalid input",
			wantNil: true,
		},
		{
			name: "one added with format",
			build: func() FieldErrors {
				var e FieldErrors
				e.Add("title", FieldTooLong, "title is at most %d characters, got %d", 300, 301)
				return e
			},
			want:    FieldErrors{{Field: "title", Code: FieldTooLong, Message: "title is at most 300 characters, got 301"}},
			wantMsg: "title: title is at most 300 characters, got 301",
		},
		{
			name: "several keep order and the message names the first",
			build: func() FieldErrors {
				var e FieldErrors
				e.Add("email", FieldInvalid, "bad email")
				e.Add("handle", FieldTaken, "taken")
				e.Add("password", FieldTooShort, "short")
				return e
			},
			want: FieldErrors{
				{Field: "email", Code: FieldInvalid, Message: "bad email"},
				{Field: "handle", Code: FieldTaken, Message: "taken"},
				{Field: "password", Code: FieldTooShort, Message: "short"},
			},
			wantMsg: "email: bad email",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.build()
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("field errors = %#v, want %#v", got, tt.want)
			}
			if msg := got.Error(); msg != tt.wantMsg {
				t.Errorf("Error() = %q, want %q", msg, tt.wantMsg)
			}
			err := got.Err()
			if tt.wantNil {
				if err != nil {
					t.Errorf("Err() = %#v, want a nil error", err)
				}
				return
			}
			if err == nil {
				t.Fatal("Err() = nil, want an error")
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("Err().Error() = %q, want %q", err.Error(), tt.wantMsg)
			}
			back, ok := AsFieldErrors(err)
			if !ok || !reflect.DeepEqual(back, tt.want) {
				t.Errorf("AsFieldErrors(Err()) = %#v, %v; want %#v, true", back, ok, tt.want)
			}
		})
	}
}

func TestAsFieldErrors(t *testing.T) {
	fe := FieldErrors{{Field: "name", Code: FieldRequired, Message: "required"}}
	tests := []struct {
		name   string
		err    error
		want   FieldErrors
		wantOK bool
	}{
		{"nil", nil, nil, false},
		{"plain error", errors.New("boom"), nil, false},
		{"coded error", New(BadUserInput, "bad"), nil, false},
		{"direct", fe, fe, true},
		{"wrapped", fmt.Errorf("create key: %w", fe), fe, true},
		{"wrapped twice", fmt.Errorf("a: %w", fmt.Errorf("b: %w", fe)), fe, true},
		{"wrapped with %v is not found", fmt.Errorf("create key: %v", fe), nil, false},
		{"inside a join", errors.Join(errors.New("x"), fe), fe, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := AsFieldErrors(tt.err)
			if ok != tt.wantOK || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("AsFieldErrors(%v) = %#v, %v; want %#v, %v", tt.err, got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
