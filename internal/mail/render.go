package mail

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"slices"
	"strconv"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode"
)

// Notification kinds an Item can have.
const (
	KindContentPublished        = "CONTENT_PUBLISHED"
	KindFollowedAuthorPublished = "FOLLOWED_AUTHOR_PUBLISHED"
	KindNewFollower             = "NEW_FOLLOWER"
	KindContentLiked            = "CONTENT_LIKED"
)

// DigestLimit is the number of items a digest lists; the rest are counted.
const DigestLimit = 50

// subjectTitleRunes caps a title quoted in a subject line, which mail clients
// cut short anyway.
const subjectTitleRunes = 80

// ErrUnknownKind is wrapped by the error for an Item whose Kind is none of the
// Kind constants.
var ErrUnknownKind = errors.New("mail: unknown notification kind")

// Item is one notification to tell a recipient about.
type Item struct {
	Kind  string // one of the Kind constants
	Actor string // display name of the author, follower or liker; may be empty
	Count int    // people, for CONTENT_LIKED aggregates; 0 or 1 means Actor alone
	Title string // the item's title; may be empty
	URL   string // where the notification leads on Tailor
	At    time.Time
}

// Recipient is the person a message is rendered for.
type Recipient struct {
	UserID      int64
	Email       string
	DisplayName string
	TimeZone    string // IANA name, e.g. Europe/Paris; invalid or empty means UTC
}

//go:embed templates/*
var templateFiles embed.FS

// Parsed once; templates are safe for concurrent use and never changed.
var (
	htmlTemplates = htmltemplate.Must(htmltemplate.ParseFS(templateFiles, "templates/*.html.tmpl"))
	textTemplates = texttemplate.Must(texttemplate.ParseFS(templateFiles, "templates/*.txt.tmpl"))
)

// line is one notification as the templates show it.
type line struct {
	Text string // e.g. Ada Lovelace published “Title”
	URL  string
	When string // in the recipient's time zone; empty when unknown
}

// body is what the message templates render.
type body struct {
	Subject        string
	Greeting       string
	Intro          string // digests only
	Lines          []line
	More           int // items not listed
	UnsubscribeURL string
}

// Immediate renders the message telling r about one notification. The
// subject names who did what, e.g. Ada Lovelace published “Title”.
func Immediate(r Recipient, it Item, unsubscribeURL string) (Message, error) {
	if unsubscribeURL == "" {
		return Message{}, fmt.Errorf("mail: immediate: no unsubscribe URL: %w", ErrInvalidMessage)
	}
	subject, err := describe(it, subjectTitleRunes)
	if err != nil {
		return Message{}, fmt.Errorf("mail: immediate: %w", err)
	}
	l, err := newLine(it, location(r.TimeZone))
	if err != nil {
		return Message{}, fmt.Errorf("mail: immediate: %w", err)
	}
	b := body{Subject: subject, Greeting: greeting(r), Lines: []line{l}, UnsubscribeURL: unsubscribeURL}
	return render(r, subject, "immediate", b, unsubscribeURL)
}

// Digest renders the daily or weekly summary of items for r: newest first,
// times in r's time zone, at most DigestLimit listed and the rest counted.
// period is "daily" or "weekly"; items must not be empty.
func Digest(r Recipient, period string, items []Item, unsubscribeURL string) (Message, error) {
	if period != "daily" && period != "weekly" {
		return Message{}, fmt.Errorf("mail: digest: period %q is neither daily nor weekly", period)
	}
	if len(items) == 0 {
		return Message{}, errors.New("mail: digest: no items")
	}
	if unsubscribeURL == "" {
		return Message{}, fmt.Errorf("mail: digest: no unsubscribe URL: %w", ErrInvalidMessage)
	}
	sorted := slices.Clone(items)
	slices.SortStableFunc(sorted, func(a, b Item) int { return b.At.Compare(a.At) })
	loc := location(r.TimeZone)
	b := body{
		Subject:        fmt.Sprintf("Your %s Tailor digest: %s", period, plural(len(items), "update", "updates")),
		Greeting:       greeting(r),
		Intro:          fmt.Sprintf("Here is your %s Tailor digest.", period),
		UnsubscribeURL: unsubscribeURL,
	}
	for i, it := range sorted {
		l, err := newLine(it, loc)
		if err != nil {
			return Message{}, fmt.Errorf("mail: digest item %d: %w", i, err)
		}
		if i < DigestLimit {
			b.Lines = append(b.Lines, l)
		}
	}
	b.More = len(sorted) - len(b.Lines)
	return render(r, b.Subject, "digest", b, unsubscribeURL)
}

// render executes the named text and HTML templates.
func render(r Recipient, subject, name string, b body, unsubscribeURL string) (Message, error) {
	var text, html bytes.Buffer
	if err := textTemplates.ExecuteTemplate(&text, name+".txt.tmpl", b); err != nil {
		return Message{}, fmt.Errorf("mail: render %s text: %w", name, err)
	}
	if err := htmlTemplates.ExecuteTemplate(&html, name+".html.tmpl", b); err != nil {
		return Message{}, fmt.Errorf("mail: render %s html: %w", name, err)
	}
	return Message{
		To:              r.Email,
		ToName:          r.DisplayName,
		Subject:         subject,
		Text:            strings.TrimRight(text.String(), "\n") + "\n",
		HTML:            html.String(),
		ListUnsubscribe: unsubscribeURL,
	}, nil
}

// newLine describes it for a message body, with its full title.
func newLine(it Item, loc *time.Location) (line, error) {
	text, err := describe(it, 0)
	if err != nil {
		return line{}, err
	}
	l := line{Text: text, URL: it.URL}
	if !it.At.IsZero() {
		l.When = it.At.In(loc).Format("Mon 2 Jan 2006, 15:04 MST")
	}
	return l, nil
}

// describe says who did what in one sentence without a final stop, quoting
// the title cut to maxTitle runes (0: uncut).
func describe(it Item, maxTitle int) (string, error) {
	actor := oneLine(it.Actor)
	title := oneLine(it.Title)
	if maxTitle > 0 {
		title = truncate(title, maxTitle)
	}
	quoted := ""
	if title != "" {
		quoted = "“" + title + "”"
	}
	switch it.Kind {
	case KindContentPublished, KindFollowedAuthorPublished:
		switch {
		case actor != "" && quoted != "":
			return actor + " published " + quoted, nil
		case actor != "":
			return actor + " published something new", nil
		case quoted != "":
			return quoted + " was published", nil
		default:
			return "New content was published on Tailor", nil
		}
	case KindNewFollower:
		return who(actor, it.Count) + " started following you", nil
	case KindContentLiked:
		if quoted == "" {
			quoted = "your content"
		}
		return who(actor, it.Count) + " liked " + quoted, nil
	}
	return "", fmt.Errorf("%w %q", ErrUnknownKind, it.Kind)
}

// who names the people behind an aggregated notification.
func who(actor string, count int) string {
	switch {
	case count > 1:
		return strconv.Itoa(count) + " people"
	case actor != "":
		return actor
	}
	return "Someone"
}

func greeting(r Recipient) string {
	if name := oneLine(r.DisplayName); name != "" {
		return "Hi " + name + ","
	}
	return "Hi,"
}

// location resolves an IANA zone name; anything unknown falls back to UTC
// rather than to the server's own zone.
func location(name string) *time.Location {
	if name == "" || name == "Local" {
		return time.UTC
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return loc
}

// oneLine collapses runs of white space and control characters, which user
// content may hold, into single spaces.
func oneLine(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || unicode.IsControl(r)
	}), " ")
}

func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return strings.TrimRightFunc(string(r[:n-1]), unicode.IsSpace) + "…"
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return strconv.Itoa(n) + " " + many
}
