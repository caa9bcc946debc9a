// Package config reads Tailor's settings from environment variables. Every setting has a
// default that works on a developer's machine; the README lists them all.
package config

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is every setting of the tailor binary.
type Config struct {
	DatabaseURL      string
	DatabaseReadURL  string
	Addr             string
	LogLevel         string
	LogFormat        string
	DBMaxConns       int
	MaxInFlight      int
	QueueWait        time.Duration
	AutoMigrate      bool
	PageSizeDefault  int
	PageSizeMax      int
	MaxComplexity    int
	RateWindow       time.Duration
	RateAnonymous    int64
	RateSignedIn     int64
	RateAPIKey       int64
	RateRoles        string
	RateSync         time.Duration
	MaxTokens        int
	MaxDepth         int
	MaxFields        int
	MaxAliases       int
	MaxRootFields    int
	MaxSameName      int
	MaxBodyBytes     int64
	RequestTimeout   time.Duration
	ShutdownTimeout  time.Duration
	QueryCacheSize   int
	LoaderWait       time.Duration
	LoaderMaxBatch   int
	ReportStatements bool
	AdminAddr        string
	Dev              bool
	ClientIPHeader   string
	LoginAccountFree int
	LoginAddressFree int
	SignUpFree       int
	SigningKey       string
	PreviousKeys     string
	TokenTTL         time.Duration
	PublishInterval  time.Duration
	FeedReuse        time.Duration
	FeedCatalogueAge time.Duration
	SessionCacheAge  time.Duration
	PublicURL        string
	SMTPURL          string
	MailFrom         string
	Worker           bool
	NotifyPoll       time.Duration
	DeliveryAttempts int
	RetryBase        time.Duration
	DeliveryLease    time.Duration
	DigestHour       int
	DigestInterval   time.Duration
	WebhooksPrivate  bool
	WSOrigins        string
	SubscriberBuffer int
	FeedDiversity    float64
	CORSOrigins      []string
	Introspection    string
	TrustedDocuments string
	PublicMaxAge     time.Duration
	// EraseContent is what becomes of an erased account's published items: reassign or delete.
	EraseContent string
}

// Setting documents one environment variable.
type Setting struct {
	Name, Default, Description string
}

// Settings lists every environment variable with its default, in README order.
func Settings() []Setting {
	return []Setting{
		{"DATABASE_URL", "postgres://postgres@127.0.0.1:5432/tailor?sslmode=disable", "PostgreSQL connection URL. Sessions run with `jit=off` unless the URL sets `jit`."},
		{"TAILOR_ADDR", "127.0.0.1:8080", "Address the HTTP server listens on."},
		{"TAILOR_LOG_LEVEL", "info", "Log level: debug, info, warn or error."},
		{"TAILOR_LOG_FORMAT", "text", "Log format: text or json."},
		{"TAILOR_DB_MAX_CONNS", "20", "Maximum open database connections per process."},
		{"TAILOR_MAX_INFLIGHT", "0", "Requests that may work at once; the others queue for at most TAILOR_QUEUE_WAIT, then answer 503 with Retry-After, so that an exhausted connection pool never keeps a request waiting longer. 0 means 4 × TAILOR_DB_MAX_CONNS."},
		{"TAILOR_QUEUE_WAIT", "10s", "How long a request waits for its turn when TAILOR_MAX_INFLIGHT requests are already working."},
		{"TAILOR_AUTO_MIGRATE", "true", "Apply pending migrations when serve starts."},
		{"TAILOR_PAGE_SIZE_DEFAULT", "20", "Page size of a connection when first/last is omitted."},
		{"TAILOR_PAGE_SIZE_MAX", "100", "Largest first/last a client may ask for."},
		{"TAILOR_MAX_COMPLEXITY", "20000", "Operations whose cost scores higher are refused with QUERY_TOO_COMPLEX (every list multiplies its selection by the items it may return; see docs/limits.md)."},
		{"TAILOR_RATE_WINDOW", "1m", "The rate-limit window: every caller's budget of points (the cost model's scores) starts afresh each window."},
		{"TAILOR_RATE_ANONYMOUS", "100000", "Points per window for each anonymous client address. 0 turns rate limits off for everyone."},
		{"TAILOR_RATE_SIGNED_IN", "300000", "Points per window for each signed-in user (admins are not limited)."},
		{"TAILOR_RATE_ROLES", "", "Budgets of particular roles, overriding TAILOR_RATE_SIGNED_IN: comma-separated `role=points`, such as `editor=600000,author=400000`."},
		{"TAILOR_RATE_API_KEY", "500000", "Points per window for each API key that carries no budget of its own."},
		{"TAILOR_RATE_SYNC", "100ms", "How often each replica adds what it counted to the shared count in PostgreSQL and learns the others' spending."},
		{"TAILOR_MAX_TOKENS", "5000", "Largest number of lexical tokens in one document."},
		{"TAILOR_MAX_DEPTH", "15", "Deepest path of fields from an operation's root, fragments expanded (`{ a { b } }` is 2)."},
		{"TAILOR_MAX_FIELDS", "2000", "Most fields in one document with every fragment spread expanded."},
		{"TAILOR_MAX_ALIASES", "30", "Most aliased fields in one document, fragments expanded."},
		{"TAILOR_MAX_ROOT_FIELDS", "20", "Most fields at the root of one operation."},
		{"TAILOR_MAX_SAME_NAME", "50", "Most fields of one selection set that share a response name."},
		{"TAILOR_MAX_BODY_BYTES", "1048576", "Largest accepted request body."},
		{"TAILOR_REQUEST_TIMEOUT", "15s", "Longest time one GraphQL request may run."},
		{"TAILOR_SHUTDOWN_TIMEOUT", "15s", "How long shutdown waits for requests in flight."},
		{"TAILOR_QUERY_CACHE_SIZE", "1000", "Parsed and validated queries kept in memory (and persisted queries)."},
		{"TAILOR_LOADER_WAIT", "1ms", "How long a dataloader batch waits for more keys."},
		{"TAILOR_LOADER_MAX_BATCH", "1000", "A dataloader batch runs at once when it holds this many keys."},
		{"TAILOR_REPORT_SQL_STATEMENTS", "false", "Add a Tailor-Sql-Statements header with the request's SQL statement count."},
		{"TAILOR_ADMIN_ADDR", "", "When set, serve Prometheus metrics at /metrics and Go's profiles at /debug/pprof/ on this private address (such as `127.0.0.1:9090`), never on the public one."},
		{"TAILOR_CLIENT_IP_HEADER", "", "Behind a trusted proxy, the header that carries the client's address (`X-Forwarded-For`, whose first entry counts, or `X-Real-IP`); unset uses the connection's address."},
		{"TAILOR_LOGIN_ACCOUNT_ATTEMPTS", "5", "Failed log-ins an account takes before each further attempt waits twice as long as the last (from 1 s up to 15 min)."},
		{"TAILOR_LOGIN_ADDRESS_ATTEMPTS", "20", "Failed log-ins one client address makes before the same back-off applies to it."},
		{"TAILOR_SIGNUP_ADDRESS_ATTEMPTS", "10", "Accounts one client address creates within an hour before the same back-off applies to it."},
		{"TAILOR_TOKEN_SIGNING_KEY", "", "Key that signs access tokens, as `<key id>:<base64 secret of 32+ bytes>`. Required by `serve` unless it runs with `--demo` or `TAILOR_DEV=true`, which sign with a development key kept in the database."},
		{"TAILOR_TOKEN_PREVIOUS_KEYS", "", "Comma-separated earlier signing keys (same form) whose tokens keep verifying during a rotation."},
		{"TAILOR_DEV", "false", "Development mode: `serve` may start without `TAILOR_TOKEN_SIGNING_KEY` (the demo command implies it)."},
		{"TAILOR_TOKEN_TTL", "24h", "How long an access token lives."},
		{"TAILOR_SESSION_CACHE_AGE", "5m", "How old each replica's memory of a signed-in user's session may grow before it is read again (in the background, while the request goes on). PostgreSQL announces every revocation, role change and account edit to every replica as it commits, which forgets the user's sessions at once; while that announcement stream is down, every request reads its session. 0s reads it for every request."},
		{"TAILOR_PUBLISH_INTERVAL", "15s", "How often scheduled content whose time has come is published."},
		{"TAILOR_FEED_REUSE", "30s", "A viewer asking for the first page of their feed again within this time gets the same ranking, not a new one, as long as nothing that ranks it (preferences, follows, mutes, likes, bookmarks, hides) changed (0s ranks every time)."},
		{"TAILOR_FEED_CATALOGUE_AGE", "5s", "How old each replica's copy of the feed catalogue (every topic's newest items, the freshest and the most popular) may be before it is read again: a new item enters feeds at most this late. 0s reads it for every ranking."},
		{"TAILOR_FEED_DIVERSITY", "1", "How hard a feed is spread over topics and authors: each item placed higher that shares an item's topic or author pushes it down (REPEATED_TOPIC, REPEATED_AUTHOR reasons); 0 ranks by score alone, 2 spreads twice as hard."},
		{"TAILOR_PUBLIC_URL", "", "The address people reach Tailor at, for links in mail: <url>/unsubscribe (served by Tailor), and <url>/content/<slug> and <url>/users/<handle> (the paths your front end serves there). Empty means http://<TAILOR_ADDR>."},
		{"TAILOR_SMTP_URL", "", "Where mail is sent: `smtp://user:pass@host:port` (STARTTLS when the server offers it; port 587 when omitted). Empty writes each message to the log instead."},
		{"TAILOR_MAIL_FROM", "Tailor <tailor@localhost>", "The From address of notification mail."},
		{"TAILOR_WORKER", "true", "Run the notification worker (fan-out, mail, webhooks, digests) inside `serve`; set false when `tailor worker` processes run it apart."},
		{"TAILOR_NOTIFY_POLL", "1s", "How often a worker looks for work nothing announced (likes, retries, digests)."},
		{"TAILOR_DELIVERY_ATTEMPTS", "18", "Attempts a mail or webhook delivery gets before it is marked dead (back-off from TAILOR_RETRY_BASE doubling to 6 h, with jitter: about 41 h in all)."},
		{"TAILOR_RETRY_BASE", "10s", "The pause before a delivery's first retry; each later one doubles it, up to 6 h."},
		{"TAILOR_DELIVERY_LEASE", "1m", "How long a worker holds a delivery it is sending; if the worker dies, another retries the delivery after this."},
		{"TAILOR_DIGEST_HOUR", "8", "The local hour (0 to 23, in each person's time zone) from which their daily digest, and on Mondays their weekly one, goes out."},
		{"TAILOR_DIGEST_INTERVAL", "1m", "How often a worker looks for people whose digest is due."},
		{"TAILOR_WEBHOOKS_ALLOW_PRIVATE", "false", "Let webhooks target loopback, private and link-local addresses (tests and the demo; `--demo` implies it)."},
		{"TAILOR_WS_ORIGINS", "", "Comma-separated origins (host patterns such as `app.example.com` or `*.example.com`) whose pages may open subscription websockets; the server's own origin and non-browser clients always may."},
		{"TAILOR_SUBSCRIBER_BUFFER", "64", "Messages one subscription may have unread before it is closed with code 4429 as too slow."},
		{"TAILOR_CORS_ORIGINS", "", "Comma-separated origins (exact, such as `https://app.example.com`) whose pages may call /graphql from a browser, with credentials; `*` lets every origin call it without credentials. Empty allows no cross-origin calls."},
		{"TAILOR_INTROSPECTION", "on", "Who may introspect the schema (`__schema`, `__type`): `on` everyone, `signed-in` only signed-in callers, `off` nobody (refused with FORBIDDEN)."},
		{"TAILOR_TRUSTED_DOCUMENTS", "off", "Which callers may only run trusted documents (loaded with `tailor documents load`): `off` nobody, `allow-listed-for-anonymous` anonymous callers, `required` everyone but admins. Others get PERSISTED_QUERY_NOT_FOUND."},
		{"TAILOR_PUBLIC_MAX_AGE", "60s", "How long browsers and shared caches may keep the answer to an anonymous GET of a persisted or trusted query (`Cache-Control: public`, with an ETag); 0s answers every request with no-store."},
		{"TAILOR_ERASE_CONTENT", "reassign", "What becomes of an erased account's published items (deleteMyAccount): `reassign` keeps them under a placeholder author, `deleted_user`; `delete` deletes them. Drafts, scheduled and private items are deleted either way."},
		{"DATABASE_READ_URL", "", "PostgreSQL connection URL of a streaming read replica of DATABASE_URL. When set, `serve` sends the catalogue reads of queries (content lists, search, items by ID, topics, public profiles) there; writes, sessions, preferences, habits, feeds, rate limits and every read of a mutation or subscription stay on DATABASE_URL. Empty reads everything from DATABASE_URL."},
	}
}

// Load reads the configuration through getenv.
func Load(getenv func(string) string) (Config, error) {
	get := func(name string) string {
		if v := getenv(name); v != "" {
			return v
		}
		for _, s := range Settings() {
			if s.Name == name {
				return s.Default
			}
		}
		return ""
	}
	p := parser{get: get}
	c := Config{
		DatabaseURL:      get("DATABASE_URL"),
		DatabaseReadURL:  get("DATABASE_READ_URL"),
		Addr:             get("TAILOR_ADDR"),
		LogLevel:         get("TAILOR_LOG_LEVEL"),
		LogFormat:        get("TAILOR_LOG_FORMAT"),
		DBMaxConns:       p.int("TAILOR_DB_MAX_CONNS"),
		MaxInFlight:      p.int("TAILOR_MAX_INFLIGHT"),
		QueueWait:        p.duration("TAILOR_QUEUE_WAIT"),
		AutoMigrate:      p.bool("TAILOR_AUTO_MIGRATE"),
		PageSizeDefault:  p.int("TAILOR_PAGE_SIZE_DEFAULT"),
		PageSizeMax:      p.int("TAILOR_PAGE_SIZE_MAX"),
		MaxComplexity:    p.int("TAILOR_MAX_COMPLEXITY"),
		RateWindow:       p.duration("TAILOR_RATE_WINDOW"),
		RateAnonymous:    int64(p.int("TAILOR_RATE_ANONYMOUS")),
		RateSignedIn:     int64(p.int("TAILOR_RATE_SIGNED_IN")),
		RateAPIKey:       int64(p.int("TAILOR_RATE_API_KEY")),
		RateRoles:        get("TAILOR_RATE_ROLES"),
		RateSync:         p.duration("TAILOR_RATE_SYNC"),
		MaxTokens:        p.int("TAILOR_MAX_TOKENS"),
		MaxDepth:         p.int("TAILOR_MAX_DEPTH"),
		MaxFields:        p.int("TAILOR_MAX_FIELDS"),
		MaxAliases:       p.int("TAILOR_MAX_ALIASES"),
		MaxRootFields:    p.int("TAILOR_MAX_ROOT_FIELDS"),
		MaxSameName:      p.int("TAILOR_MAX_SAME_NAME"),
		MaxBodyBytes:     int64(p.int("TAILOR_MAX_BODY_BYTES")),
		RequestTimeout:   p.duration("TAILOR_REQUEST_TIMEOUT"),
		ShutdownTimeout:  p.duration("TAILOR_SHUTDOWN_TIMEOUT"),
		QueryCacheSize:   p.int("TAILOR_QUERY_CACHE_SIZE"),
		LoaderWait:       p.duration("TAILOR_LOADER_WAIT"),
		LoaderMaxBatch:   p.int("TAILOR_LOADER_MAX_BATCH"),
		ReportStatements: p.bool("TAILOR_REPORT_SQL_STATEMENTS"),
		AdminAddr:        get("TAILOR_ADMIN_ADDR"),
		Dev:              p.bool("TAILOR_DEV"),
		ClientIPHeader:   get("TAILOR_CLIENT_IP_HEADER"),
		LoginAccountFree: p.int("TAILOR_LOGIN_ACCOUNT_ATTEMPTS"),
		LoginAddressFree: p.int("TAILOR_LOGIN_ADDRESS_ATTEMPTS"),
		SignUpFree:       p.int("TAILOR_SIGNUP_ADDRESS_ATTEMPTS"),
		SigningKey:       get("TAILOR_TOKEN_SIGNING_KEY"),
		PreviousKeys:     get("TAILOR_TOKEN_PREVIOUS_KEYS"),
		TokenTTL:         p.duration("TAILOR_TOKEN_TTL"),
		PublishInterval:  p.duration("TAILOR_PUBLISH_INTERVAL"),
		FeedReuse:        p.nonNegativeDuration("TAILOR_FEED_REUSE"),
		FeedCatalogueAge: p.nonNegativeDuration("TAILOR_FEED_CATALOGUE_AGE"),
		SessionCacheAge:  p.nonNegativeDuration("TAILOR_SESSION_CACHE_AGE"),
		PublicURL:        get("TAILOR_PUBLIC_URL"),
		SMTPURL:          get("TAILOR_SMTP_URL"),
		MailFrom:         get("TAILOR_MAIL_FROM"),
		Worker:           p.bool("TAILOR_WORKER"),
		NotifyPoll:       p.duration("TAILOR_NOTIFY_POLL"),
		DeliveryAttempts: p.int("TAILOR_DELIVERY_ATTEMPTS"),
		RetryBase:        p.duration("TAILOR_RETRY_BASE"),
		DeliveryLease:    p.duration("TAILOR_DELIVERY_LEASE"),
		DigestHour:       p.int("TAILOR_DIGEST_HOUR"),
		DigestInterval:   p.duration("TAILOR_DIGEST_INTERVAL"),
		WebhooksPrivate:  p.bool("TAILOR_WEBHOOKS_ALLOW_PRIVATE"),
		WSOrigins:        get("TAILOR_WS_ORIGINS"),
		SubscriberBuffer: p.int("TAILOR_SUBSCRIBER_BUFFER"),
		FeedDiversity:    p.nonNegativeFloat("TAILOR_FEED_DIVERSITY"),
		CORSOrigins:      p.origins("TAILOR_CORS_ORIGINS"),
		Introspection:    p.oneOf("TAILOR_INTROSPECTION", "on", "signed-in", "off"),
		TrustedDocuments: p.oneOf("TAILOR_TRUSTED_DOCUMENTS", "off", "allow-listed-for-anonymous", "required"),
		PublicMaxAge:     p.nonNegativeDuration("TAILOR_PUBLIC_MAX_AGE"),
		EraseContent:     p.oneOf("TAILOR_ERASE_CONTENT", "reassign", "delete"),
	}
	if p.err != nil {
		return Config{}, p.err
	}
	if c.DigestHour < 0 || c.DigestHour > 23 {
		return Config{}, fmt.Errorf("config: TAILOR_DIGEST_HOUR must be between 0 and 23")
	}
	if c.PageSizeDefault < 1 || c.PageSizeMax < c.PageSizeDefault {
		return Config{}, fmt.Errorf("config: TAILOR_PAGE_SIZE_DEFAULT must be between 1 and TAILOR_PAGE_SIZE_MAX")
	}
	for _, x := range []struct {
		name  string
		value int64
	}{
		{"TAILOR_DB_MAX_CONNS", int64(c.DBMaxConns)}, {"TAILOR_QUERY_CACHE_SIZE", int64(c.QueryCacheSize)},
		{"TAILOR_MAX_BODY_BYTES", c.MaxBodyBytes}, {"TAILOR_MAX_COMPLEXITY", int64(c.MaxComplexity)},
		{"TAILOR_MAX_TOKENS", int64(c.MaxTokens)}, {"TAILOR_MAX_DEPTH", int64(c.MaxDepth)},
		{"TAILOR_MAX_FIELDS", int64(c.MaxFields)}, {"TAILOR_MAX_ALIASES", int64(c.MaxAliases)},
		{"TAILOR_MAX_ROOT_FIELDS", int64(c.MaxRootFields)}, {"TAILOR_MAX_SAME_NAME", int64(c.MaxSameName)},
		{"TAILOR_LOGIN_ACCOUNT_ATTEMPTS", int64(c.LoginAccountFree)}, {"TAILOR_LOGIN_ADDRESS_ATTEMPTS", int64(c.LoginAddressFree)},
		{"TAILOR_SIGNUP_ADDRESS_ATTEMPTS", int64(c.SignUpFree)},
		{"TAILOR_DELIVERY_ATTEMPTS", int64(c.DeliveryAttempts)}, {"TAILOR_SUBSCRIBER_BUFFER", int64(c.SubscriberBuffer)},
	} {
		if x.value < 1 {
			return Config{}, fmt.Errorf("config: %s must be positive", x.name)
		}
	}
	return c, nil
}

// parser converts settings, keeping the first error.
type parser struct {
	get func(string) string
	err error
}

func (p *parser) int(name string) int {
	n, err := strconv.Atoi(p.get(name))
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("config: %s must be a whole number: %w", name, err)
	}
	return n
}

func (p *parser) bool(name string) bool {
	b, err := strconv.ParseBool(p.get(name))
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("config: %s must be true or false: %w", name, err)
	}
	return b
}

func (p *parser) nonNegativeDuration(name string) time.Duration {
	d, err := time.ParseDuration(p.get(name))
	if err == nil && d < 0 {
		err = fmt.Errorf("must not be negative")
	}
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("config: %s must be a duration such as 30s or 0s: %w", name, err)
	}
	return d
}

func (p *parser) duration(name string) time.Duration {
	d, err := time.ParseDuration(p.get(name))
	if err == nil && d <= 0 {
		err = fmt.Errorf("must be positive")
	}
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("config: %s must be a duration such as 1s or 250ms: %w", name, err)
	}
	return d
}

func (p *parser) nonNegativeFloat(name string) float64 {
	x, err := strconv.ParseFloat(p.get(name), 64)
	if err == nil && (x < 0 || math.IsNaN(x) || math.IsInf(x, 0)) {
		err = fmt.Errorf("must be a finite number, zero or more")
	}
	if err != nil && p.err == nil {
		p.err = fmt.Errorf("config: %s must be a number such as 1 or 0.5: %w", name, err)
	}
	return x
}

func (p *parser) oneOf(name string, values ...string) string {
	v := p.get(name)
	if !slices.Contains(values, v) && p.err == nil {
		p.err = fmt.Errorf("config: %s must be one of %s, not %q", name, strings.Join(values, ", "), v)
	}
	return v
}

// origins reads a comma-separated list of exact origins (scheme://host[:port]) or `*`.
func (p *parser) origins(name string) []string {
	var out []string
	for _, o := range strings.Split(p.get(name), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if o != "*" {
			u, err := url.Parse(o)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || strings.Contains(u.Host, "*") ||
				u.User != nil || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
				if p.err == nil {
					p.err = fmt.Errorf("config: %s must list origins such as https://app.example.com (scheme and host, no path), or *; %q is not one", name, o)
				}
				continue
			}
			o = strings.TrimSuffix(o, "/")
		}
		out = append(out, o)
	}
	return out
}
