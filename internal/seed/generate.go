package seed

import (
	"math/rand/v2"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// referenceTime is the instant the dataset is generated relative to: "now" for the demo. It is a
// fixed constant, never the clock, so that the same options always give the same rows.
var referenceTime = time.Date(2026, time.November, 1, 0, 0, 0, 0, time.UTC)

// ReferenceTime returns the fixed instant the dataset's timestamps are computed from. Published
// items and interactions lie before it; scheduled items lie well after it.
func ReferenceTime() time.Time { return referenceTime }

const (
	day  = int64(24 * 60 * 60)
	hour = int64(60 * 60)
	year = 365 * day
)

// Database values.
const (
	kindArticle = "article"
	kindVideo   = "video"
	kindPodcast = "podcast"
	kindLink    = "link"
)

// Indexes of the demo accounts among the users, in insertion order.
const (
	demoAdmin = iota
	demoEditor
	demoAuthor
	demoMember
	demoReader
	demoCount
)

// DemoPassword is the password of the five demo accounts.
const DemoPassword = "tailor-demo"

// DemoEmailDomain is the domain of the demo accounts' email addresses.
const DemoEmailDomain = "demo.tailor.test"

var demoAccounts = [demoCount]struct{ handle, name, role, bio string }{
	{"admin", "Ada Admin", "admin", "Demo administrator. Sees and manages everything."},
	{"editor", "Edith Editor", "editor", "Demo editor. Reviews, schedules and publishes the work of others."},
	{"author", "Arthur Author", "author", "Demo author. Writes articles, records podcasts and keeps a few drafts around."},
	{"member", "Mina Member", "member", "Demo member. Reads members-only pieces and follows a few authors."},
	{"reader", "Remy Reader", "reader", "Demo reader. Reads public pieces and has muted a topic or two."},
}

// Which of the demo author's showcase items an item is; 0 for ordinary items.
const (
	specialNone = iota
	specialDraft
	specialScheduled
	specialMembers
	specialPrivate
)

// weighted picks indexes with probability proportional to their (positive) weights.
type weighted struct{ cum []float64 }

func newWeighted(w []float64) weighted {
	cum := make([]float64, len(w))
	var sum float64
	for i, x := range w {
		sum += x
		cum[i] = sum
	}
	return weighted{cum: cum}
}

func (w weighted) pick(r *rand.Rand) int {
	x := r.Float64() * w.cum[len(w.cum)-1]
	i := sort.SearchFloat64s(w.cum, x)
	if i >= len(w.cum) {
		i = len(w.cum) - 1
	}
	return i
}

// choice picks one of a fixed list of values by integer weights.
type choice[T any] struct {
	values []T
	cum    []int
}

func newChoice[T any](pairs ...any) choice[T] {
	var c choice[T]
	sum := 0
	for i := 0; i < len(pairs); i += 2 {
		c.values = append(c.values, pairs[i].(T))
		sum += pairs[i+1].(int)
		c.cum = append(c.cum, sum)
	}
	return c
}

func (c choice[T]) pick(r *rand.Rand) T {
	x := r.IntN(c.cum[len(c.cum)-1])
	for i, s := range c.cum {
		if x < s {
			return c.values[i]
		}
	}
	return c.values[len(c.values)-1]
}

var (
	kindChoice       = newChoice[string](kindArticle, 60, kindVideo, 15, kindPodcast, 10, kindLink, 15)
	languageChoice   = newChoice[string]("en", 80, "fr", 6, "de", 6, "es", 5, "pt", 3)
	statusChoice     = newChoice[string]("published", 90, "draft", 5, "scheduled", 2, "archived", 3)
	visibilityChoice = newChoice[string]("public", 87, "members", 10, "private", 3)
	emailChoice      = newChoice[string]("weekly", 45, "daily", 20, "immediate", 10, "off", 25)
	interactionKind  = newChoice[string]("view", 80, "like", 9, "bookmark", 5, "share", 3, "hide", 3)
	topicCountChoice = newChoice[int](1, 40, 2, 40, 3, 20)
)

type genUser struct {
	handle, name, bio, role string
	created, updated        int64
	lang                    string
	posTopics               []int // topics the user likes, for interactions
	beats                   []int // topics a writer mostly writes about
}

type genTopicPref struct {
	user, topic int
	weight      float64
}

type genPreferences struct {
	languages, kinds, email, locale, timeZone string
	inApp                                     bool
	updated                                   int64
}

type genContent struct {
	author                      int
	kind, lang, status, vis     string
	topics                      [3]int
	nTopics                     int
	created, updated, published int64 // published 0 means NULL
	special                     int
	order                       int // generation order, the tie-break when sorting by creation
}

type genPair struct {
	a, b    int
	created int64
}

type genInteraction struct {
	at            int64
	user, content int32
	dwell         int32 // -1 means NULL
	kind          string
	order         int32
}

// plan is the whole dataset except the contents' text, which is rendered while copying.
type plan struct {
	seed          int64
	users         []genUser
	preferences   []genPreferences
	topics        int
	contents      []genContent
	topicPrefs    []genTopicPref
	follows       []genPair
	mutedTopics   []genPair
	mutedAuthors  []genPair
	interactions  []genInteraction
	contentTopics int
}

// makePlan draws the dataset from opts.Seed. Every random choice is made here, in a fixed
// order, except the contents' text which draws from a stream of its own per item.
func makePlan(opts Options) *plan {
	r := rand.New(rand.NewPCG(uint64(opts.Seed), 0x7a11_0e5e_edda_7a5e))
	ref := referenceTime.Unix()
	p := &plan{seed: opts.Seed, topics: opts.Topics}

	// Topic popularity is Zipf-like over a random order of the topics.
	topicWeight := make([]float64, opts.Topics)
	for rank, t := range r.Perm(opts.Topics) {
		topicWeight[t] = 1 / float64(rank+1)
	}
	topicPick := newWeighted(topicWeight)
	distinctTopics := func(n int, first []int) []int {
		out := append([]int(nil), first...)
		for tries := 0; len(out) < n && tries < 64; tries++ {
			if t := topicPick.pick(r); !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		for t := 0; len(out) < n && t < opts.Topics; t++ { // small topic counts: fill in order
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
		return out
	}

	// Users: the demo accounts first, then generated people with shuffled roles.
	p.users = make([]genUser, opts.Users)
	start := ref - 3*year
	for i, d := range demoAccounts {
		p.users[i] = genUser{handle: d.handle, name: d.name, bio: d.bio, role: d.role,
			created: start + int64(i)*hour, lang: "en"}
		p.users[i].updated = p.users[i].created
	}
	generated := opts.Users - demoCount
	editors := min(generated, 2+generated/2000)
	authors := min(generated-editors, (generated+5)/10)
	members := min(generated-editors-authors, generated*35/100)
	roles := make([]string, 0, generated)
	for i := 0; i < generated; i++ {
		switch {
		case i < editors:
			roles = append(roles, "editor")
		case i < editors+authors:
			roles = append(roles, "author")
		case i < editors+authors+members:
			roles = append(roles, "member")
		default:
			roles = append(roles, "reader")
		}
	}
	r.Shuffle(len(roles), func(i, j int) { roles[i], roles[j] = roles[j], roles[i] })
	taken := map[string]bool{}
	for _, d := range demoAccounts {
		taken[d.handle] = true
	}
	for i := demoCount; i < opts.Users; i++ {
		u := &p.users[i]
		u.role = roles[i-demoCount]
		first, last := firstNames[r.IntN(len(firstNames))], lastNames[r.IntN(len(lastNames))]
		if r.IntN(100) < 8 {
			u.name = first + " " + string(rune('A'+r.IntN(26))) + ". " + last
		} else {
			u.name = first + " " + last
		}
		u.handle = makeHandle(r, first, last, taken)
		u.lang = languageChoice.pick(r)
		if u.role == "author" || u.role == "editor" {
			u.created = start + 1*day + int64(r.Float64()*float64(300*day))
		} else {
			f := r.Float64()
			u.created = start + 1*day + int64((1-(1-f)*(1-f))*float64(3*year-31*day)) // more recent sign-ups
		}
		f := r.Float64()
		u.updated = u.created + int64(f*f*f*float64(ref-u.created))
	}

	// Writers and their beats.
	var writers []int
	for i := range p.users {
		switch p.users[i].role {
		case "author", "editor", "admin":
			writers = append(writers, i)
			p.users[i].beats = distinctTopics(min(2+r.IntN(3), opts.Topics), nil)
		}
	}
	for i := range p.users {
		u := &p.users[i]
		if u.bio != "" {
			continue
		}
		if len(u.beats) > 0 || r.IntN(100) < 30 {
			ts := distinctTopics(min(2, opts.Topics), u.beats)
			s := topicSlots(r, ts)
			u.bio = bios.pick(r, len(ts) > 1).String(s, false)
		}
	}

	// Who writes: the demo author a fixed share, the demo editor and admin a little, generated
	// writers by a skewed weight so a few are prolific.
	var generatedWriters []int
	for _, w := range writers {
		if w >= demoCount {
			generatedWriters = append(generatedWriters, w)
		}
	}
	authorIdx := []int{demoAuthor, demoEditor, demoAdmin}
	authorW := []float64{0.04, 0.01, 0.005}
	if len(generatedWriters) == 0 {
		authorW = []float64{0.7, 0.2, 0.1}
	}
	var sum float64
	gw := make([]float64, len(generatedWriters))
	for rank, j := range r.Perm(len(generatedWriters)) {
		gw[j] = 1 / (float64(rank) + 3)
		sum += gw[j]
	}
	for j, w := range generatedWriters {
		authorIdx = append(authorIdx, w)
		authorW = append(authorW, 0.945*gw[j]/sum)
	}
	authorPick := newWeighted(authorW)

	// Contents.
	p.contents = make([]genContent, opts.Contents)
	for i := range p.contents {
		c := &p.contents[i]
		c.order = i
		if i < 4 {
			c.special = specialDraft + i
			c.author = demoAuthor
			c.kind, c.lang = kindArticle, "en"
		} else {
			c.author = authorIdx[authorPick.pick(r)]
			c.kind = kindChoice.pick(r)
			c.lang = p.users[c.author].lang
			if r.IntN(100) < 15 {
				c.lang = languageChoice.pick(r)
			}
		}
		n := min(topicCountChoice.pick(r), opts.Topics)
		beats := p.users[c.author].beats
		var first []int
		if len(beats) > 0 && r.IntN(100) < 75 {
			first = []int{beats[r.IntN(len(beats))]}
		}
		ts := distinctTopics(n, first)
		c.nTopics = copy(c.topics[:], ts)
		p.contentTopics += c.nTopics

		switch c.special {
		case specialDraft:
			c.status, c.vis = "draft", "public"
			c.created = ref - 3*day
			c.updated = ref - 2*day
		case specialScheduled:
			c.status, c.vis = "scheduled", "public"
			c.created = ref - 5*day
			c.updated = c.created + 2*hour
			c.published = ref + year
		case specialMembers:
			c.status, c.vis = "published", "members"
			c.published = ref - 10*day
			c.created = c.published - 26*hour
			c.updated = c.published
		case specialPrivate:
			c.status, c.vis = "published", "private"
			c.published = ref - 20*day
			c.created = c.published - 3*hour
			c.updated = c.published
		default:
			c.status = statusChoice.pick(r)
			c.vis = visibilityChoice.pick(r)
			f := r.Float64()
			age := hour + int64(f*f*float64(2*year-hour)) // the last two years, more of it recent
			draftTime := int64(30*60) + int64(r.Float64()*float64(10*day))
			switch c.status {
			case "published", "archived":
				c.published = ref - age - int64(r.IntN(3600))
				c.created = c.published - draftTime
				c.updated = c.published
				if r.IntN(100) < 30 || c.status == "archived" {
					c.updated += int64(r.Float64() * float64(ref-c.published))
				}
			case "draft":
				c.created = ref - age - int64(r.IntN(3600))
				c.updated = c.created + int64(r.Float64()*float64(ref-c.created))
			case "scheduled":
				c.created = ref - int64(r.Float64()*float64(30*day))
				c.updated = c.created + int64(r.Float64()*float64(ref-c.created))
				c.published = ref + 45*day + int64(r.Float64()*float64(year))
			}
		}
	}
	// Insert in creation order, so IDs grow with time like they would in real life.
	slices.SortStableFunc(p.contents, func(a, b genContent) int {
		if a.created != b.created {
			return cmpInt64(a.created, b.created)
		}
		return a.order - b.order
	})
	contentCount := make([]int, opts.Users)
	for i := range p.contents {
		contentCount[p.contents[i].author]++
	}

	// Preferences, topic preferences, follows and mutes, user by user.
	var withContent []int
	var withContentW []float64
	for _, w := range writers {
		if contentCount[w] > 0 {
			withContent = append(withContent, w)
			withContentW = append(withContentW, float64(contentCount[w]))
		}
	}
	followPick := newWeighted(withContentW)
	p.preferences = make([]genPreferences, opts.Users)
	for i := range p.users {
		u := &p.users[i]
		p.preferences[i] = makePreferences(r, u, ref)

		ts := distinctTopics(min(2+r.IntN(5), opts.Topics), nil)
		for _, t := range ts {
			f := r.Float64()
			w := float64(int(10+90*f)) / 100 // 0.10 … 0.99
			if r.IntN(100) < 18 {
				w = -w
			} else {
				u.posTopics = append(u.posTopics, t)
			}
			p.topicPrefs = append(p.topicPrefs, genTopicPref{user: i, topic: t, weight: w})
		}

		var followed []int
		if i < demoCount && i != demoAuthor {
			followed = append(followed, demoAuthor)
		}
		if r.IntN(100) < 60 {
			n := 1 + r.IntN(6)
			for tries := 0; len(followed) < n && tries < 4*n; tries++ {
				a := withContent[followPick.pick(r)]
				if a != i && !slices.Contains(followed, a) {
					followed = append(followed, a)
				}
			}
		}
		for _, a := range followed {
			since := max(u.created, p.users[a].created)
			p.follows = append(p.follows, genPair{a: i, b: a, created: since + 1 + int64(r.Float64()*float64(ref-since-2))})
		}

		if i == demoReader || (i >= demoCount && r.IntN(100) < 6) {
			var muted []int
			for n, tries := 1+r.IntN(2), 0; len(muted) < n && tries < 16; tries++ {
				t := topicPick.pick(r)
				if !slices.Contains(ts, t) && !slices.Contains(muted, t) {
					muted = append(muted, t)
				}
			}
			slices.Sort(muted)
			for _, t := range muted {
				p.mutedTopics = append(p.mutedTopics, genPair{a: i, b: t})
			}
		}
		if i == demoMember || (i >= demoCount && r.IntN(100) < 3) {
			for tries := 0; tries < 8; tries++ {
				a := withContent[r.IntN(len(withContent))]
				if a != i && a != demoAuthor && !slices.Contains(followed, a) {
					p.mutedAuthors = append(p.mutedAuthors, genPair{a: i, b: a})
					break
				}
			}
		}
	}

	p.interactions = makeInteractions(r, p, opts.Interactions, ref)
	return p
}

func cmpInt64(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// makeHandle returns an unused handle built from a person's name.
func makeHandle(r *rand.Rand, first, last string, taken map[string]bool) string {
	f, l := handlePart(first), handlePart(last)
	var h string
	switch r.IntN(6) {
	case 0:
		h = f + "_" + l
	case 1:
		h = f + l
	case 2:
		h = f[:1] + l
	case 3:
		h = f + "_" + l[:1]
	case 4:
		h = f + l + strconv.Itoa(10+r.IntN(90))
	default:
		h = f + strconv.Itoa(r.IntN(10000))
	}
	if len(h) > 24 {
		h = h[:24]
	}
	for len(h) < 3 {
		h += "0"
	}
	base := h
	for taken[h] {
		h = base + "_" + strconv.Itoa(r.IntN(100000))
	}
	taken[h] = true
	return h
}

func makePreferences(r *rand.Rand, u *genUser, ref int64) genPreferences {
	var p genPreferences
	switch x := r.IntN(100); {
	case u.lang == "en" && x < 70:
		p.languages = "{en}"
	case u.lang == "en":
		p.languages = "{}"
	case x < 50:
		p.languages = "{" + u.lang + ",en}"
	case x < 80:
		p.languages = "{" + u.lang + "}"
	default:
		p.languages = "{}"
	}
	p.kinds = "{}"
	if r.IntN(100) < 30 {
		var ks []string
		for _, k := range []string{kindArticle, kindVideo, kindPodcast, kindLink} {
			if r.IntN(2) == 0 {
				ks = append(ks, k)
			}
		}
		if len(ks) == 0 {
			ks = []string{kindArticle}
		}
		p.kinds = "{" + strings.Join(ks, ",") + "}"
	}
	p.email = emailChoice.pick(r)
	p.inApp = r.IntN(100) < 85
	locales := localesByLanguage[u.lang]
	p.locale = locales[r.IntN(len(locales))]
	p.timeZone = timeZoneByLocale[p.locale]
	if p.locale == "en-US" {
		p.timeZone = usTimeZones[r.IntN(len(usTimeZones))]
	}
	p.updated = u.created + int64(r.Float64()*float64(ref-u.created))
	return p
}

// makeInteractions draws n interactions of users with published, non-private contents. Active
// users and popular contents take a larger share; users lean towards topics they like.
func makeInteractions(r *rand.Rand, p *plan, n int, ref int64) []genInteraction {
	if n == 0 {
		return nil
	}
	var pool []int
	var poolW []float64
	byTopic := make([][]int32, p.topics)
	for i := range p.contents {
		c := &p.contents[i]
		if c.status != "published" || c.vis == "private" {
			continue
		}
		f := r.Float64()
		pool = append(pool, i)
		poolW = append(poolW, 1/(0.02+f*f))
		for _, t := range c.topics[:c.nTopics] {
			byTopic[t] = append(byTopic[t], int32(i))
		}
	}
	if len(pool) == 0 {
		return nil
	}
	contentPick := newWeighted(poolW)
	userW := make([]float64, len(p.users))
	for i := range userW {
		f := r.Float64()
		userW[i] = 1 / (0.03 + f*f)
	}
	userPick := newWeighted(userW)

	out := make([]genInteraction, n)
	for k := range out {
		ui := userPick.pick(r)
		u := &p.users[ui]
		ci := -1
		if len(u.posTopics) > 0 && r.IntN(100) < 55 {
			if list := byTopic[u.posTopics[r.IntN(len(u.posTopics))]]; len(list) > 0 {
				ci = int(list[r.IntN(len(list))])
			}
		}
		if ci < 0 {
			ci = pool[contentPick.pick(r)]
		}
		for tries := 0; tries < 8 && u.role == "reader" && p.contents[ci].vis == "members"; tries++ {
			ci = pool[contentPick.pick(r)]
		}
		c := &p.contents[ci]
		kind := interactionKind.pick(r)
		dwell := int32(-1)
		if kind == "view" {
			f := r.Float64()
			switch c.kind {
			case kindVideo, kindPodcast:
				dwell = int32(20_000 + f*f*f*3_600_000)
			case kindLink:
				dwell = int32(1_500 + f*f*60_000)
			default:
				dwell = int32(3_000 + f*f*f*900_000)
			}
		}
		since := max(c.published, u.created)
		f := r.Float64()
		out[k] = genInteraction{
			at:   since + 1 + int64(f*f*f*float64(ref-since-2)), // mostly soon after publication
			user: int32(ui), content: int32(ci), dwell: dwell, kind: kind, order: int32(k),
		}
	}
	slices.SortFunc(out, func(a, b genInteraction) int {
		if a.at != b.at {
			return cmpInt64(a.at, b.at)
		}
		return int(a.order - b.order)
	})
	return out
}

// topicSlots fills the template slots for an item about the given topics (built-in indexes).
func topicSlots(r *rand.Rand, topics []int) *slots {
	t := topics[0]
	terms := builtinTopics[t].Terms
	k := r.IntN(len(terms))
	s := &slots{T: builtinTopics[t].Name, K: terms[k], Kt: titleTerms[t][k], N: 3 + r.IntN(10)}
	if len(topics) > 1 {
		u := topics[1]
		s.U = builtinTopics[u].Name
		l := r.IntN(len(builtinTopics[u].Terms))
		s.L, s.Lt = builtinTopics[u].Terms[l], titleTerms[u][l]
	} else {
		s.U = s.T
		l := (k + 1 + r.IntN(len(terms)-1)) % len(terms)
		s.L, s.Lt = terms[l], titleTerms[t][l]
	}
	return s
}

// contentText renders the title, summary and body of the item with sequence number seq
// (1-based insertion order). It draws from a random stream of its own, so texts need not be
// kept in memory and do not disturb the plan's stream.
func (p *plan) contentText(seq int, c *genContent) (title, summary, bodyText string) {
	r := rand.New(rand.NewPCG(uint64(p.seed)^0x5eed_c0de_7e47_0000, uint64(seq)))
	s := topicSlots(r, c.topics[:c.nTopics])
	when := c.published
	if when == 0 {
		when = c.created
	}
	s.Y = time.Unix(when, 0).UTC().Year()
	s.M = 8 + r.IntN(80)
	s.E = 1 + seq%400
	two := c.nTopics > 1

	tx := &textsEN
	if o, ok := textsOther[c.lang]; ok {
		tx = o
	}
	var b strings.Builder
	switch {
	case c.special != specialNone:
		demoTitles[c.special].render(&b, s, true)
	default:
		if pre, ok := tx.prefixes[c.kind]; ok && r.IntN(100) < 50 {
			pre.pick(r, two).render(&b, s, true)
		}
		tx.titles.pick(r, two).render(&b, s, c.lang == "en")
	}
	title = upperFirst(b.String())

	b.Reset()
	if c.special != specialNone {
		demoSummary[c.special].render(&b, s, false)
	} else {
		tx.summaries.pick(r, two).render(&b, s, false)
		if len(tx.summaryTails.all) > 0 && r.IntN(100) < 45 {
			b.WriteByte(' ')
			tx.summaryTails.pick(r, two).render(&b, s, false)
		}
	}
	summary = b.String()

	body := &strings.Builder{}
	body.Grow(2560)
	paragraphs := 5 + r.IntN(3)
	var intro templateSet
	switch c.kind {
	case kindVideo:
		intro, paragraphs = tx.videoIntros, 3+r.IntN(2)
	case kindPodcast:
		intro, paragraphs = tx.podcastIntros, 3+r.IntN(2)
	case kindLink:
		intro, paragraphs = tx.linkIntros, 2
	}
	if len(intro.all) > 0 {
		intro.pick(r, two).render(body, s, false)
		body.WriteString("\n\n")
	}
	list := tx == &textsEN && paragraphs > 2 && r.IntN(100) < 40
	quote := tx == &textsEN && paragraphs > 2 && r.IntN(100) < 25
	used := make([]int, 0, paragraphs)
	for i := 0; i < paragraphs; i++ {
		if (i == 1 || i == 3) && paragraphs > 2 {
			body.WriteString("## ")
			tx.headings.pick(r, two).render(body, s, false)
			body.WriteString("\n\n")
		}
		pool := tx.paragraphs.all
		if !two {
			pool = tx.paragraphs.oneTopic
		}
		j := r.IntN(len(pool))
		for slices.Contains(used, j) && len(used) < len(pool) {
			j = (j + 1) % len(pool)
		}
		used = append(used, j)
		pool[j].render(body, s, false)
		body.WriteString("\n\n")
		if i == 1 && list {
			items := tx.listItems.all
			if !two {
				items = tx.listItems.oneTopic
			}
			first := r.IntN(len(items)) // consecutive items from a random start: never a repeat
			count := 3 + r.IntN(2)
			for n := 0; n < count; n++ {
				body.WriteString("- ")
				items[(first+n)%len(items)].render(body, s, false)
				body.WriteByte('\n')
			}
			body.WriteByte('\n')
		}
		if i == 2 && quote {
			body.WriteString("> ")
			tx.quotes.pick(r, two).render(body, s, false)
			body.WriteString("\n\n")
		}
	}
	if c.kind == kindLink {
		body.WriteString("[Read the original](https://example.org/read/")
		body.WriteString(strconv.Itoa(seq))
		body.WriteString(")")
	}
	return title, summary, strings.TrimRight(body.String(), "\n")
}
