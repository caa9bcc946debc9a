package auth

import (
	"reflect"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/internal/apperr"
)

func validSignUp() SignUp {
	return SignUp{Email: "ada@example.com", Handle: "ada_l", DisplayName: "Ada Lovelace", Password: "Analytical-Engine-1843"}
}

func codes(errs apperr.FieldErrors) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field+":"+string(e.Code))
	}
	return out
}

func TestSignUpValidate(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *SignUp)
		want []string
	}{
		{"valid", func(s *SignUp) {}, nil},
		// email
		{"email with subdomain and plus", func(s *SignUp) { s.Email = "ada+news@mail.example.co.uk" }, nil},
		{"email with unicode local part", func(s *SignUp) { s.Email = "ädä@example.com" }, nil},
		{"email empty", func(s *SignUp) { s.Email = "" }, []string{"email:INVALID"}},
		{"email without at", func(s *SignUp) { s.Email = "ada.example.com" }, []string{"email:INVALID"}},
		{"email without local part", func(s *SignUp) { s.Email = "@example.com" }, []string{"email:INVALID"}},
		{"email without domain", func(s *SignUp) { s.Email = "ada@" }, []string{"email:INVALID"}},
		{"email without dot in domain", func(s *SignUp) { s.Email = "ada@localhost" }, []string{"email:INVALID"}},
		{"email with trailing dot", func(s *SignUp) { s.Email = "ada@example." }, []string{"email:INVALID"}},
		{"email with display name", func(s *SignUp) { s.Email = "Ada <ada@example.com>" }, []string{"email:INVALID"}},
		{"email in angle brackets", func(s *SignUp) { s.Email = "<ada@example.com>" }, []string{"email:INVALID"}},
		{"email with surrounding space", func(s *SignUp) { s.Email = " ada@example.com " }, []string{"email:INVALID"}},
		{"email with two ats", func(s *SignUp) { s.Email = "ada@lovelace@example.com" }, []string{"email:INVALID"}},
		{"email with space inside", func(s *SignUp) { s.Email = "ada lovelace@example.com" }, []string{"email:INVALID"}},
		{"email of 254 chars", func(s *SignUp) { s.Email = "a@" + strings.Repeat("b", 248) + ".com" }, nil},
		{"email of 255 chars", func(s *SignUp) { s.Email = "a@" + strings.Repeat("b", 249) + ".com" }, []string{"email:INVALID"}},
		// handle
		{"handle with digits and underscore", func(s *SignUp) { s.Handle = "ada_1815" }, nil},
		{"handle of 3", func(s *SignUp) { s.Handle = "abc" }, nil},
		{"handle of 30", func(s *SignUp) { s.Handle = strings.Repeat("h", 30) }, nil},
		{"handle of 2", func(s *SignUp) { s.Handle = "ab" }, []string{"handle:INVALID"}},
		{"handle of 31", func(s *SignUp) { s.Handle = strings.Repeat("h", 31) }, []string{"handle:INVALID"}},
		{"handle empty", func(s *SignUp) { s.Handle = "" }, []string{"handle:INVALID"}},
		{"handle upper case", func(s *SignUp) { s.Handle = "AdaL" }, []string{"handle:INVALID"}},
		{"handle with hyphen", func(s *SignUp) { s.Handle = "ada-l" }, []string{"handle:INVALID"}},
		{"handle with space", func(s *SignUp) { s.Handle = "ada l" }, []string{"handle:INVALID"}},
		{"handle with trailing newline", func(s *SignUp) { s.Handle = "adal\n" }, []string{"handle:INVALID"}},
		{"handle with accent", func(s *SignUp) { s.Handle = "adé" }, []string{"handle:INVALID"}},
		// display name
		{"display name empty", func(s *SignUp) { s.DisplayName = "" }, []string{"displayName:REQUIRED"}},
		{"display name blank", func(s *SignUp) { s.DisplayName = " \t " }, []string{"displayName:REQUIRED"}},
		{"display name of 100 runes", func(s *SignUp) { s.DisplayName = strings.Repeat("é", 100) }, nil},
		{"display name of 101 runes", func(s *SignUp) { s.DisplayName = strings.Repeat("é", 101) }, []string{"displayName:TOO_LONG"}},
		{"display name padding does not count", func(s *SignUp) { s.DisplayName = "  " + strings.Repeat("n", 100) + "  " }, nil},
		// password (details in TestPasswordProblem)
		{"password too short", func(s *SignUp) { s.Password = "Ab1!xyz" }, []string{"password:TOO_SHORT"}},
		{"password common", func(s *SignUp) { s.Password = "Password123" }, []string{"password:TOO_WEAK"}},
		// several at once
		{"every problem at once", func(s *SignUp) { *s = SignUp{Email: "nope", Handle: "X", DisplayName: "", Password: "short"} },
			[]string{"email:INVALID", "handle:INVALID", "displayName:REQUIRED", "password:TOO_SHORT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := validSignUp()
			tt.edit(&s)
			errs := s.validate()
			if got := codes(errs); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("validate(%+v) = %v, want %v", s, got, tt.want)
			}
		})
	}
}

func TestSignUpValidateMessages(t *testing.T) {
	s := SignUp{Email: "x", Handle: "X", DisplayName: strings.Repeat("d", 101), Password: strings.Repeat("p", 129)}
	want := apperr.FieldErrors{
		{Field: "email", Code: apperr.FieldInvalid, Message: "enter an email address such as ada@example.com"},
		{Field: "handle", Code: apperr.FieldInvalid, Message: "a handle is 3 to 30 lowercase letters, digits or underscores"},
		{Field: "displayName", Code: apperr.FieldTooLong, Message: "a display name is at most 100 characters"},
		{Field: "password", Code: apperr.FieldTooLong, Message: "a password is at most 128 bytes"},
	}
	if got := s.validate(); !reflect.DeepEqual(got, want) {
		t.Errorf("validate() = %#v, want %#v", got, want)
	}
}

func TestPasswordProblem(t *testing.T) {
	const handle, email = "ada_l", "lovelace@example.com"
	tests := []struct {
		name   string
		pw     string
		handle string
		email  string
		want   apperr.FieldCode // "" for an accepted password
	}{
		{name: "good password", pw: "Analytical-Engine-1843", want: ""},
		{name: "good passphrase with unicode", pw: "crème brûlée für alle", want: ""},
		{name: "exactly 10 varied characters", pw: "qz7#Lm2$Vb", want: ""},
		{name: "9 characters", pw: "qz7#Lm2$V", want: apperr.FieldTooShort},
		{name: "empty", pw: "", want: apperr.FieldTooShort},
		{name: "10 runes of 2 bytes count as 10", pw: "ąćęłńóśźżé", want: ""},
		{name: "9 runes of 2 bytes are too short", pw: "ąćęłńóśźż", want: apperr.FieldTooShort},
		{name: "128 bytes", pw: strings.Repeat("abcdefgh", 16), want: ""},
		{name: "129 bytes", pw: strings.Repeat("abcdefgh", 16) + "x", want: apperr.FieldTooLong},
		{name: "67 runes of 129 bytes", pw: strings.Repeat("ą", 62) + "bcdef", want: apperr.FieldTooLong},
		{name: "only 4 distinct characters", pw: "abcdabcdabcd", want: apperr.FieldTooWeak},
		{name: "repetitive", pw: "aaaaaaaaaaaa", want: apperr.FieldTooWeak},
		{name: "case does not add variety", pw: "AbCdAbCdaBcD", want: apperr.FieldTooWeak},
		{name: "5 distinct characters", pw: "abcdeabcde", want: ""},
		{name: "common", pw: "password123", want: apperr.FieldTooWeak},
		{name: "common in another case", pw: "WELCOME123", want: apperr.FieldTooWeak},
		{name: "common sequence", pw: "qwertyuiop", want: apperr.FieldTooWeak},
		{name: "demo password", pw: "tailor-demo", want: apperr.FieldTooWeak},
		{name: "contains handle", pw: "my-ada_l-secret-9", want: apperr.FieldTooWeak},
		{name: "contains handle in upper case", pw: "my-ADA_L-secret-9", want: apperr.FieldTooWeak},
		{name: "short handle is not checked", pw: "xy-Analytical-9", handle: "xy", email: email, want: ""},
		{name: "contains email local part", pw: "Lovelace-Engine-9", want: apperr.FieldTooWeak},
		{name: "email local part in upper case", pw: "notLOVELACE!9", handle: handle, email: "Lovelace@Example.com", want: apperr.FieldTooWeak},
		{name: "email domain may appear", pw: "example-Engine-9", want: ""},
		{name: "short email local part is not checked", pw: "lo-Analytical-9", handle: handle, email: "lo@example.com", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, e := tt.handle, tt.email
			if h == "" && e == "" {
				h, e = handle, email
			}
			got := passwordProblem(tt.pw, h, e)
			if tt.want == "" {
				if got != nil {
					t.Errorf("passwordProblem(%q) = %+v, want nil", tt.pw, *got)
				}
				return
			}
			if got == nil {
				t.Fatalf("passwordProblem(%q) = nil, want %s", tt.pw, tt.want)
			}
			if got.Field != "password" || got.Code != tt.want || got.Message == "" {
				t.Errorf("passwordProblem(%q) = %+v, want field password, code %s and a message", tt.pw, *got, tt.want)
			}
		})
	}
}
