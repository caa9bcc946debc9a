package mail

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

const testUnsubscribeURL = "https://tailor.example/unsubscribe?token=abc"

func TestImmediateSubject(t *testing.T) {
	long := strings.Repeat("word ", 30)
	tests := []struct {
		name    string
		item    Item
		want    string
		wantErr error
	}{
		{name: "content published", item: Item{Kind: KindContentPublished, Actor: "Ada Lovelace", Title: "Notes"},
			want: "Ada Lovelace published “Notes”"},
		{name: "followed author published", item: Item{Kind: KindFollowedAuthorPublished, Actor: "Ada Lovelace", Title: "Notes"},
			want: "Ada Lovelace published “Notes”"},
		{name: "published without title", item: Item{Kind: KindFollowedAuthorPublished, Actor: "Ada Lovelace"},
			want: "Ada Lovelace published something new"},
		{name: "published without author", item: Item{Kind: KindContentPublished, Title: "Notes"},
			want: "“Notes” was published"},
		{name: "published without either", item: Item{Kind: KindContentPublished},
			want: "New content was published on Tailor"},
		{name: "new follower", item: Item{Kind: KindNewFollower, Actor: "Ada Lovelace"},
			want: "Ada Lovelace started following you"},
		{name: "new follower without name", item: Item{Kind: KindNewFollower},
			want: "Someone started following you"},
		{name: "likes aggregated", item: Item{Kind: KindContentLiked, Actor: "Ada Lovelace", Count: 12, Title: "Notes"},
			want: "12 people liked “Notes”"},
		{name: "one like", item: Item{Kind: KindContentLiked, Actor: "Ada Lovelace", Count: 1, Title: "Notes"},
			want: "Ada Lovelace liked “Notes”"},
		{name: "like without title", item: Item{Kind: KindContentLiked, Actor: "Ada Lovelace"},
			want: "Ada Lovelace liked your content"},
		{name: "white space and control characters collapse", item: Item{Kind: KindContentLiked, Actor: " Ada\tLovelace ", Title: "Line one\r\nline\x00two"},
			want: "Ada Lovelace liked “Line one line two”"},
		{name: "long title is cut", item: Item{Kind: KindContentPublished, Actor: "Ada", Title: long},
			want: "Ada published “" + strings.TrimSpace(long[:79]) + "…”"},
		{name: "unknown kind", item: Item{Kind: "CONTENT_SHARED"}, wantErr: ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Immediate(Recipient{Email: "ada@example.com"}, tt.item, testUnsubscribeURL)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.want {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.want)
			}
		})
	}
}

func TestImmediateBody(t *testing.T) {
	r := Recipient{UserID: 7, Email: "ada@example.com", DisplayName: "Ada Lovelace", TimeZone: "Europe/Paris"}
	at := time.Date(2024, 3, 5, 13, 30, 0, 0, time.UTC)
	tests := []struct {
		name         string
		item         Item
		wantText     []string
		wantHTML     []string
		wantNotHTML  []string
		wantNoMarkup bool // the text part holds no '<' at all
	}{
		{
			name:         "plain notification",
			item:         Item{Kind: KindNewFollower, Actor: "Charles Babbage", URL: "https://tailor.example/u/2", At: at},
			wantText:     []string{"Hi Ada Lovelace,", "Charles Babbage started following you.", "Tue 5 Mar 2024, 14:30 CET", "https://tailor.example/u/2"},
			wantHTML:     []string{"Hi Ada Lovelace,", `<a href="https://tailor.example/u/2"`, "Charles Babbage started following you"},
			wantNoMarkup: true,
		},
		{
			name:        "user content is escaped in HTML and literal in text",
			item:        Item{Kind: KindContentLiked, Actor: `Eve "<img src=x onerror=alert(1)>"`, Title: "<script>alert(1)</script> & co", URL: "https://tailor.example/c/1"},
			wantText:    []string{`Eve "<img src=x onerror=alert(1)>" liked “<script>alert(1)</script> & co”.`},
			wantHTML:    []string{"&lt;script&gt;alert(1)&lt;/script&gt; &amp; co", "&lt;img src=x onerror=alert(1)&gt;"},
			wantNotHTML: []string{"<script>", "<img"},
		},
		{
			name:        "unsafe link scheme is neutralised in HTML",
			item:        Item{Kind: KindNewFollower, Actor: "Eve", URL: "javascript:alert(1)"},
			wantNotHTML: []string{"javascript:"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Immediate(r, tt.item, testUnsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if m.To != r.Email || m.ToName != r.DisplayName || m.ListUnsubscribe != testUnsubscribeURL || m.EventID != "" {
				t.Errorf("addressing = %q %q %q %q", m.To, m.ToName, m.ListUnsubscribe, m.EventID)
			}
			for _, want := range tt.wantText {
				if !strings.Contains(m.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, m.Text)
				}
			}
			for _, want := range tt.wantHTML {
				if !strings.Contains(m.HTML, want) {
					t.Errorf("html lacks %q:\n%s", want, m.HTML)
				}
			}
			for _, bad := range tt.wantNotHTML {
				if strings.Contains(m.HTML, bad) {
					t.Errorf("html contains %q:\n%s", bad, m.HTML)
				}
			}
			if tt.wantNoMarkup && strings.Contains(m.Text, "<") {
				t.Errorf("text contains markup:\n%s", m.Text)
			}
			assertEndsWithUnsubscribe(t, m)
		})
	}
}

// assertEndsWithUnsubscribe checks that both bodies close with the
// unsubscribe line and link, after everything else.
func assertEndsWithUnsubscribe(t *testing.T, m Message) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(m.Text, "\n"), "\n")
	if last := lines[len(lines)-1]; last != "Unsubscribe: "+testUnsubscribeURL {
		t.Errorf("text ends with %q, want the unsubscribe line", last)
	}
	link := `<a href="` + strings.ReplaceAll(testUnsubscribeURL, "&", "&amp;") + `"`
	i := strings.LastIndex(m.HTML, link)
	if i < 0 || strings.Contains(m.HTML[i:], "<li") || strings.Contains(m.HTML[i:], "<p>") {
		t.Errorf("html does not end with the unsubscribe link:\n%s", m.HTML)
	}
}

func TestImmediateErrors(t *testing.T) {
	if _, err := Immediate(Recipient{}, Item{Kind: KindNewFollower}, ""); !errors.Is(err, ErrInvalidMessage) {
		t.Errorf("no unsubscribe URL: error = %v, want %v", err, ErrInvalidMessage)
	}
}

func TestDigestTimeZone(t *testing.T) {
	at := time.Date(2024, 1, 15, 13, 30, 0, 0, time.UTC)
	tests := []struct {
		zone string
		want string
	}{
		{zone: "Europe/Paris", want: "Mon 15 Jan 2024, 14:30 CET"},
		{zone: "America/New_York", want: "Mon 15 Jan 2024, 08:30 EST"},
		{zone: "Asia/Tokyo", want: "Mon 15 Jan 2024, 22:30 JST"},
		{zone: "", want: "Mon 15 Jan 2024, 13:30 UTC"},
		{zone: "Mars/Olympus_Mons", want: "Mon 15 Jan 2024, 13:30 UTC"},
		{zone: "Local", want: "Mon 15 Jan 2024, 13:30 UTC"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("zone %q", tt.zone), func(t *testing.T) {
			r := Recipient{Email: "ada@example.com", TimeZone: tt.zone}
			items := []Item{{Kind: KindNewFollower, Actor: "Ada", At: at}}
			m, err := Digest(r, "daily", items, testUnsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(m.Text, tt.want) || !strings.Contains(m.HTML, tt.want) {
				t.Errorf("bodies lack %q:\n%s\n%s", tt.want, m.Text, m.HTML)
			}
		})
	}
}

func TestDigestListing(t *testing.T) {
	base := time.Date(2024, 3, 5, 0, 0, 0, 0, time.UTC)
	// items returns n items whose titles give their age order: T0 is newest.
	// They are passed oldest first and interleaved, so sorting is exercised.
	items := func(n int) []Item {
		var out []Item
		for i := n - 1; i >= 0; i -= 2 {
			out = append(out, Item{Kind: KindContentPublished, Actor: "Ada", Title: fmt.Sprintf("T%d", i), At: base.Add(-time.Duration(i) * time.Minute)})
		}
		for i := n - 2; i >= 0; i -= 2 {
			out = append(out, Item{Kind: KindContentPublished, Actor: "Ada", Title: fmt.Sprintf("T%d", i), At: base.Add(-time.Duration(i) * time.Minute)})
		}
		return out
	}
	tests := []struct {
		name        string
		period      string
		n           int
		wantSubject string
		wantListed  int
		wantMore    string // "" when nothing is left out
	}{
		{name: "one", period: "daily", n: 1, wantSubject: "Your daily Tailor digest: 1 update", wantListed: 1},
		{name: "a few", period: "weekly", n: 5, wantSubject: "Your weekly Tailor digest: 5 updates", wantListed: 5},
		{name: "exactly the limit", period: "daily", n: 50, wantSubject: "Your daily Tailor digest: 50 updates", wantListed: 50},
		{name: "over the limit", period: "daily", n: 53, wantSubject: "Your daily Tailor digest: 53 updates", wantListed: 50, wantMore: "and 3 more"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := Digest(Recipient{Email: "ada@example.com", DisplayName: "Ada"}, tt.period, items(tt.n), testUnsubscribeURL)
			if err != nil {
				t.Fatal(err)
			}
			if m.Subject != tt.wantSubject {
				t.Errorf("Subject = %q, want %q", m.Subject, tt.wantSubject)
			}
			for name, body := range map[string]string{"text": m.Text, "html": m.HTML} {
				last := -1
				for i := range tt.n {
					title := fmt.Sprintf("“T%d”", i)
					pos := strings.Index(body, title)
					if i >= tt.wantListed {
						if pos >= 0 {
							t.Errorf("%s lists %s beyond the limit", name, title)
						}
						continue
					}
					if pos < 0 {
						t.Errorf("%s lacks %s", name, title)
						continue
					}
					if pos < last {
						t.Errorf("%s lists %s before a newer item", name, title)
					}
					last = pos
				}
				if tt.wantMore != "" && !strings.Contains(body, tt.wantMore) {
					t.Errorf("%s lacks %q", name, tt.wantMore)
				}
				if tt.wantMore == "" && moreLine.MatchString(body) {
					t.Errorf("%s mentions more items:\n%s", name, body)
				}
			}
			if strings.Contains(m.Text, "<") {
				t.Errorf("text contains markup:\n%s", m.Text)
			}
			assertEndsWithUnsubscribe(t, m)
		})
	}
}

var moreLine = regexp.MustCompile(`and \d+ more`)

func TestDigestErrors(t *testing.T) {
	r := Recipient{Email: "ada@example.com"}
	ok := []Item{{Kind: KindNewFollower, Actor: "Ada"}}
	pastLimit := append(slices.Repeat(ok, DigestLimit+5), Item{Kind: "NOPE"})
	tests := []struct {
		name    string
		period  string
		items   []Item
		unsub   string
		wantErr error // nil: any error
	}{
		{name: "unknown period", period: "monthly", items: ok, unsub: testUnsubscribeURL},
		{name: "no items", period: "daily", unsub: testUnsubscribeURL},
		{name: "no unsubscribe URL", period: "daily", items: ok, wantErr: ErrInvalidMessage},
		{name: "unknown kind past the limit", period: "daily", items: pastLimit, unsub: testUnsubscribeURL, wantErr: ErrUnknownKind},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Digest(r, tt.period, tt.items, tt.unsub)
			if err == nil {
				t.Fatal("Digest succeeded, want an error")
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}
