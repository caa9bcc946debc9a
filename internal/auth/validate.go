package auth

import (
	"net/mail"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/password"
)

var handlePattern = regexp.MustCompile(`^[a-z0-9_]{3,30}$`)

// isCommonPassword reports the passwords attackers try first.
func isCommonPassword(lower string) bool {
	switch lower {
	case "password", "1234567890", "qwertyuiop", "letmein123", "iloveyou12", "password12",
		"password123", "welcome123", "tailor-demo", "0123456789", "abcdefghij", "administrator":
		return true
	}
	return false
}

// SignUp is what a new account is created from.
type SignUp struct {
	Email, Handle, DisplayName, Password string
}

// validate checks a sign-up and returns every problem at once.
func (s SignUp) validate() apperr.FieldErrors {
	var errs apperr.FieldErrors
	if addr, err := mail.ParseAddress(s.Email); err != nil || addr.Address != s.Email || len(s.Email) > 254 || !strings.Contains(s.Email[strings.LastIndex(s.Email, "@")+1:], ".") {
		errs.Add("email", apperr.FieldInvalid, "enter an email address such as ada@example.com")
	}
	if !handlePattern.MatchString(s.Handle) {
		errs.Add("handle", apperr.FieldInvalid, "a handle is 3 to 30 lowercase letters, digits or underscores")
	}
	switch name := strings.TrimSpace(s.DisplayName); {
	case name == "":
		errs.Add("displayName", apperr.FieldRequired, "enter the name other people will see")
	case utf8.RuneCountInString(name) > 100:
		errs.Add("displayName", apperr.FieldTooLong, "a display name is at most 100 characters")
	}
	if fe := passwordProblem(s.Password, s.Handle, s.Email); fe != nil {
		errs = append(errs, *fe)
	}
	return errs
}

// passwordProblem explains why a password is refused, or returns nil.
func passwordProblem(pw, handle, email string) *apperr.FieldError {
	n := utf8.RuneCountInString(pw)
	switch {
	case n < password.MinLength:
		return &apperr.FieldError{Field: "password", Code: apperr.FieldTooShort, Message: "a password is at least 10 characters"}
	case len(pw) > password.MaxLength:
		return &apperr.FieldError{Field: "password", Code: apperr.FieldTooLong, Message: "a password is at most 128 bytes"}
	}
	lower := strings.ToLower(pw)
	distinct := map[rune]bool{}
	for _, r := range lower {
		distinct[r] = true
	}
	local, _, _ := strings.Cut(strings.ToLower(email), "@")
	weak := len(distinct) < 5 ||
		(len(handle) >= 3 && strings.Contains(lower, strings.ToLower(handle))) ||
		(len(local) >= 3 && strings.Contains(lower, local)) ||
		isCommonPassword(lower)
	if weak {
		return &apperr.FieldError{Field: "password", Code: apperr.FieldTooWeak,
			Message: "choose a password that is not common, has varied characters and does not contain your handle or email"}
	}
	return nil
}
