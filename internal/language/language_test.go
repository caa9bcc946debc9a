package language

import "testing"

func TestValid(t *testing.T) {
	tests := []struct {
		code string
		want bool
	}{
		{"en", true}, {"pt", true}, {"EN", false}, {"e", false}, {"eng", false}, {"", false}, {"e1", false}, {"é", false}, {"pt-BR", false},
	}
	for _, tc := range tests {
		if got := Valid(tc.code); got != tc.want {
			t.Errorf("Valid(%q) = %v, want %v", tc.code, got, tc.want)
		}
	}
}
