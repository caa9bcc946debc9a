package content

import (
	"strings"
	"testing"
)

func TestSlugify(t *testing.T) {
	tests := []struct {
		name  string
		title string
		want  string
	}{
		{"simple words", "Hello World", "hello-world"},
		{"already a slug", "hello-world", "hello-world"},
		{"punctuation collapses", "Go 1.22: What's New?!", "go-1-22-what-s-new"},
		{"runs of separators collapse", "a  --  b__c", "a-b-c"},
		{"leading and trailing separators", "  ...Tailor!!!  ", "tailor"},
		{"digits kept", "Top 10 of 2024", "top-10-of-2024"},
		{"upper case lowered", "GRAPHQL", "graphql"},
		{"accented letters are separators", "Café Crème", "caf-cr-me"},
		{"non-latin only", "日本語のタイトル", "item"},
		{"non-latin between words", "Go 日本 Rust", "go-rust"},
		{"emoji", "🚀 Launch 🚀", "launch"},
		{"empty", "", "item"},
		{"only punctuation", "!?-- ..", "item"},
		{"only spaces", "   ", "item"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Slugify(tt.title)
			if got != tt.want {
				t.Errorf("Slugify(%q) = %q, want %q", tt.title, got, tt.want)
			}
			if !slugPattern.MatchString(got) {
				t.Errorf("Slugify(%q) = %q does not match the slug pattern", tt.title, got)
			}
			if len(got) > 80 {
				t.Errorf("Slugify(%q) is %d bytes, want at most 80", tt.title, len(got))
			}
		})
	}
}

func TestSlugifyLengthCap(t *testing.T) {
	tests := []struct {
		name  string
		title string
		want  string
	}{
		{"one long word is cut at 80", strings.Repeat("a", 200), strings.Repeat("a", 80)},
		{"long title of words is cut at 80", strings.Repeat("words ", 40), strings.Repeat("words-", 13) + "wo"},
		{"cut in the middle of a word", strings.Repeat("b", 78) + " cdefgh", strings.Repeat("b", 78) + "-c"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Slugify(tt.title)
			if got != tt.want {
				t.Errorf("Slugify(%q) = %q (%d bytes), want %q (%d bytes)", tt.title, got, len(got), tt.want, len(tt.want))
			}
			if !slugPattern.MatchString(got) {
				t.Errorf("Slugify(%q) = %q does not match the slug pattern", tt.title, got)
			}
			if len(got) > 80 {
				t.Errorf("Slugify(%q) is %d bytes, want at most 80", tt.title, len(got))
			}
		})
	}
}
