package seed

import (
	"math/rand/v2"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// template is a text with slots, parsed once so that rendering is a walk over its parts.
type template struct {
	parts []part
	usesU bool // mentions the second topic
}

type part struct {
	lit  string
	slot byte // 0 for a literal part
}

func parseTemplate(s string) template {
	var t template
	for len(s) > 0 {
		i := strings.IndexByte(s, '{')
		if i < 0 || i+2 >= len(s) || s[i+2] != '}' {
			t.parts = append(t.parts, part{lit: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, part{lit: s[:i]})
		}
		t.parts = append(t.parts, part{slot: s[i+1]})
		if s[i+1] == 'U' {
			t.usesU = true
		}
		s = s[i+3:]
	}
	return t
}

func parseTemplates(list []string) []template {
	out := make([]template, len(list))
	for i, s := range list {
		out[i] = parseTemplate(s)
	}
	return out
}

// templateSet holds a list of templates and the subset usable for single-topic items.
type templateSet struct {
	all, oneTopic []template
}

func newTemplateSet(list []string) templateSet {
	ts := templateSet{all: parseTemplates(list)}
	for _, t := range ts.all {
		if !t.usesU {
			ts.oneTopic = append(ts.oneTopic, t)
		}
	}
	return ts
}

func (ts templateSet) pick(r *rand.Rand, twoTopics bool) template {
	if twoTopics {
		return ts.all[r.IntN(len(ts.all))]
	}
	return ts.oneTopic[r.IntN(len(ts.oneTopic))]
}

// slots are the values a rendering fills in.
type slots struct {
	T, U       string // topic names
	K, L       string // terms as written
	Kt, Lt     string // terms title-cased
	N, Y, M, E int
}

func (t template) render(b *strings.Builder, s *slots, title bool) {
	for _, p := range t.parts {
		switch p.slot {
		case 0:
			b.WriteString(p.lit)
		case 'T':
			b.WriteString(s.T)
		case 'U':
			b.WriteString(s.U)
		case 'K':
			if title {
				b.WriteString(s.Kt)
			} else {
				b.WriteString(s.K)
			}
		case 'L':
			if title {
				b.WriteString(s.Lt)
			} else {
				b.WriteString(s.L)
			}
		case 'N':
			b.WriteString(strconv.Itoa(s.N))
		case 'Y':
			b.WriteString(strconv.Itoa(s.Y))
		case 'M':
			b.WriteString(strconv.Itoa(s.M))
		case 'E':
			b.WriteString(strconv.Itoa(s.E))
		}
	}
}

func (t template) String(s *slots, title bool) string {
	var b strings.Builder
	t.render(&b, s, title)
	return b.String()
}

// compiledTexts are one language's templates.
type compiledTexts struct {
	titles, summaries, summaryTails, headings, paragraphs, listItems, quotes templateSet
	videoIntros, podcastIntros, linkIntros                                   templateSet
	prefixes                                                                 map[string]templateSet
}

var (
	textsEN      compiledTexts
	textsOther   = map[string]*compiledTexts{}
	bios         templateSet
	demoTitles   map[int]template
	demoSummary  map[int]template
	titleTerms   [][]string // builtin topic index → terms title-cased
	nameOfTopics []string
)

func init() {
	textsEN = compiledTexts{
		titles:        newTemplateSet(titlesEN),
		summaries:     newTemplateSet(summariesEN),
		summaryTails:  newTemplateSet(summaryTailsEN),
		headings:      newTemplateSet(headingsEN),
		paragraphs:    newTemplateSet(paragraphsEN),
		listItems:     newTemplateSet(listItemsEN),
		quotes:        newTemplateSet(quotesEN),
		videoIntros:   newTemplateSet(videoIntrosEN),
		podcastIntros: newTemplateSet(podcastIntrosEN),
		linkIntros:    newTemplateSet(linkIntrosEN),
		prefixes:      map[string]templateSet{},
	}
	for k, list := range titlePrefixesEN {
		textsEN.prefixes[k] = newTemplateSet(list)
	}
	for lang, lt := range otherLanguages {
		textsOther[lang] = &compiledTexts{
			titles:     newTemplateSet(lt.titles),
			summaries:  newTemplateSet(lt.summaries),
			headings:   newTemplateSet(lt.headings),
			paragraphs: newTemplateSet(lt.paragraphs),
		}
	}
	bios = newTemplateSet(bioTemplates)
	demoTitles = map[int]template{
		specialDraft:     parseTemplate(demoDraftTitle),
		specialScheduled: parseTemplate(demoScheduledTitle),
		specialMembers:   parseTemplate(demoMembersTitle),
		specialPrivate:   parseTemplate(demoPrivateTitle),
	}
	demoSummary = map[int]template{}
	for k, s := range demoSummaries {
		demoSummary[k] = parseTemplate(s)
	}
	titleTerms = make([][]string, len(builtinTopics))
	nameOfTopics = make([]string, len(builtinTopics))
	for i, t := range builtinTopics {
		nameOfTopics[i] = t.Name
		for _, term := range t.Terms {
			titleTerms[i] = append(titleTerms[i], titleCase(term))
		}
	}
}

var smallWords = map[string]bool{
	"a": true, "an": true, "and": true, "as": true, "at": true, "by": true, "for": true, "in": true,
	"of": true, "on": true, "or": true, "the": true, "to": true, "vs.": true, "with": true,
}

// titleCase capitalizes the first letter of each word except small words, keeping letters that
// are already capitals (so "PostgreSQL indexes" becomes "PostgreSQL Indexes").
func titleCase(s string) string {
	words := strings.Split(s, " ")
	for i, w := range words {
		if i > 0 && smallWords[w] {
			continue
		}
		words[i] = upperFirst(w)
	}
	return strings.Join(words, " ")
}

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r == utf8.RuneError || unicode.IsUpper(r) {
		return s
	}
	return string(unicode.ToUpper(r)) + s[n:]
}

// fold maps a letter with a diacritic to its plain ASCII spelling, for handles and slugs.
func fold(r rune) string {
	switch r {
	case 'à', 'á', 'â', 'ä', 'ã', 'å', 'À', 'Á', 'Â', 'Ä', 'Ã', 'Å':
		return "a"
	case 'ç', 'Ç':
		return "c"
	case 'è', 'é', 'ê', 'ë', 'È', 'É', 'Ê', 'Ë':
		return "e"
	case 'ì', 'í', 'î', 'ï', 'Ì', 'Í', 'Î', 'Ï':
		return "i"
	case 'ñ', 'Ñ':
		return "n"
	case 'ò', 'ó', 'ô', 'ö', 'õ', 'ø', 'Ò', 'Ó', 'Ô', 'Ö', 'Õ', 'Ø':
		return "o"
	case 'ù', 'ú', 'û', 'ü', 'Ù', 'Ú', 'Û', 'Ü':
		return "u"
	case 'ý', 'ÿ', 'Ý':
		return "y"
	case 'ß':
		return "ss"
	case 'æ', 'Æ':
		return "ae"
	case 'œ', 'Œ':
		return "oe"
	}
	return ""
}

// slugify turns text into lowercase ASCII words joined by single hyphens, at most max bytes long.
func slugify(s string, max int) string {
	b := make([]byte, 0, len(s))
	dash := false
	for _, r := range s {
		var chunk string
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			chunk = string(r)
		case r >= 'A' && r <= 'Z':
			chunk = string(r + ('a' - 'A'))
		default:
			chunk = fold(r)
		}
		if chunk == "" {
			dash = len(b) > 0
			continue
		}
		if dash {
			b = append(b, '-')
			dash = false
		}
		b = append(b, chunk...)
	}
	if len(b) > max {
		b = b[:max]
	}
	for len(b) > 0 && b[len(b)-1] == '-' {
		b = b[:len(b)-1]
	}
	return string(b)
}

// handlePart lowercases a name to the characters a handle allows.
func handlePart(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b = append(b, byte(r))
		case r >= 'A' && r <= 'Z':
			b = append(b, byte(r+('a'-'A')))
		default:
			b = append(b, fold(r)...)
		}
	}
	return string(b)
}
