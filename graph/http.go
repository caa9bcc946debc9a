package graph

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/graph/tree"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/explorer"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/ratelimit"
	"github.com/tailorhq/tailor/internal/relay"
	"github.com/tailorhq/tailor/internal/replica"
	"github.com/tailorhq/tailor/internal/sqlstats"
)

// StatementsHeader carries the number of SQL statements a request ran, when
// Options.ReportStatements is on.
const StatementsHeader = "Tailor-Sql-Statements"

// Options configures the GraphQL endpoint.
type Options struct {
	Logger *slog.Logger
	// Services answer the resolvers; Stores are the batch reads behind the loaders.
	Services Services
	Stores   loaders.Stores
	Loaders  loaders.Config
	// PageSize bounds every connection's page.
	PageSize relay.Limits
	// MaxComplexity refuses operations whose complexity score is higher.
	MaxComplexity int
	// Metrics, when set, is where operations by name and caller, the use of deprecated
	// fields, requests by outcome, their duration and SQL, and loader batches are counted.
	Metrics prometheus.Registerer
	// Tracing, when set, records a span for every GraphQL request over HTTP, its loader
	// batches and its SQL statements; unset, the global tracer provider (a no-op unless a
	// program sets one) is used.
	Tracing trace.TracerProvider
	// RateLimiter, when set, charges every operation's cost to its caller's budget.
	RateLimiter RateLimiter
	Budgets     ratelimit.Budgets
	// Limits bound the shape of every document before it is validated.
	Limits OperationLimits
	// MaxBodyBytes refuses larger request bodies.
	MaxBodyBytes int64
	// Timeout bounds the time one operation may take.
	Timeout time.Duration
	// QueryCacheSize is how many parsed and validated documents are kept.
	QueryCacheSize int
	// ReportStatements adds StatementsHeader to every response.
	ReportStatements bool
	// ClientIPHeader names the header a trusted proxy puts the client's address in
	// (X-Forwarded-For's first entry, X-Real-IP); empty uses the connection's address.
	ClientIPHeader string
	// FieldByField runs every field through gqlgen's executor, one resolver call per field
	// of each object, instead of answering whole selections in batched trees.
	FieldByField bool
	// ObserveTrees, when set, is told of every tree: whether it answered its selection or
	// left it to gqlgen.
	ObserveTrees func(answered bool)
	// Ready reports whether the database answers, for /readyz.
	Ready func(context.Context) error
	// MaxInFlight bounds the requests that work at once (0: no bound); the others queue for
	// at most QueueWait, then answer 503.
	MaxInFlight int
	QueueWait   time.Duration
	// Sockets, when set, tracks the subscription websockets so that shutdown can close them.
	Sockets *Sockets
	// Unsubscribe serves the one-click unsubscribe links of notification mail at /unsubscribe.
	Unsubscribe http.Handler
	// WebsocketOrigins are the origins (host patterns, as coder/websocket matches them) whose
	// pages may open subscription websockets; the server's own origin always may.
	WebsocketOrigins []string
	// CORSOrigins are the exact origins whose pages may call /graphql from a browser, with
	// credentials, or "*" for every origin without them; empty allows no cross-origin call.
	CORSOrigins []string
	// Introspection says who may introspect the schema.
	Introspection IntrospectionPolicy
	// TrustedDocuments says which callers may run only the documents of Documents; Documents
	// also lets every caller send one of them by its hash alone.
	TrustedDocuments TrustedDocumentsPolicy
	Documents        *TrustedDocuments
	// PublicMaxAge is how long shared caches may keep the answer to an anonymous GET of a
	// persisted or trusted query; 0 keeps every answer out of caches.
	PublicMaxAge time.Duration
}

// NewHTTPHandler routes Tailor's public HTTP endpoints: GraphQL at /graphql, the GraphiQL
// explorer at /, liveness at /healthz and readiness (the database answers) at /readyz.
// Metrics and profiles are served apart, on the private admin address.
func NewHTTPHandler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", logRequests(o.Logger, NewGraphQLHandler(o)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if err := o.Ready(ctx); err != nil {
			o.Logger.WarnContext(ctx, "readiness check failed", "err", err)
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "database unreachable\n")
			return
		}
		io.WriteString(w, "ok\n")
	})
	if o.Unsubscribe != nil {
		mux.Handle("/unsubscribe", o.Unsubscribe)
	}
	ex := explorer.Handler("/graphql")
	mux.Handle("/explorer/assets/", ex)
	mux.Handle("/", ex)
	return mux
}

// NewGraphQLHandler returns the /graphql endpoint: the GraphQL-over-HTTP transport for GET and
// POST, operation limits, a cache of parsed queries, the introspection policy, trusted
// documents, automatic persisted queries, a complexity limit, the error presenter and panic
// recovery, behind CORS, request checks, per-request loaders and public caching of anonymous
// persisted GETs.
func NewGraphQLHandler(o Options) http.Handler {
	schema := NewExecutableSchema(Config{
		Resolvers:  &Resolver{Services: o.Services},
		Directives: directives(),
		Complexity: complexity(o.PageSize),
	})
	srv := handler.New(schema)
	srv.AddTransport(transport.Options{AllowedMethods: []string{http.MethodGet, http.MethodPost, http.MethodOptions}})
	srv.AddTransport(graphQLOverHTTP{})
	srv.SetParserTokenLimit(o.Limits.Tokens)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	srv.Use(introspectionGate{policy: o.Introspection})
	if o.Documents != nil {
		// Before automatic persisted queries: a document registered there is no way around it.
		srv.Use(documentGate{policy: o.TrustedDocuments, docs: o.Documents})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](o.QueryCacheSize)})
	srv.Use(newOperationGuard(o.Limits, o.QueryCacheSize))
	srv.Use(complexityLimit{schema: schema, max: o.MaxComplexity})
	if o.RateLimiter != nil {
		srv.Use(rateLimit{limiter: o.RateLimiter, budgets: o.Budgets})
	}
	var requests *requestMetrics
	if o.Metrics != nil {
		usage := newUsageMetrics(o.Metrics)
		srv.Use(usage)
		requests = newRequestMetrics(o.Metrics, usage)
		observe := o.Loaders.ObserveBatch
		o.Loaders.ObserveBatch = func(loader string, keys int) {
			requests.loaderBatch(loader, keys)
			if observe != nil {
				observe(loader, keys)
			}
		}
	}
	if !o.FieldByField {
		srv.AroundFields(tree.Middleware(tree.Config{Stores: o.Stores, Shelves: o.Services.Habits, Pages: o.PageSize,
			ViewerFor: viewerFor, Observe: o.ObserveTrees, Batches: o.Loaders}))
	}
	srv.AroundOperations(pinWrites)
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverer(o.Logger))

	var h http.Handler = loaders.Middleware(o.Stores, o.Loaders, srv)
	h = publicAnswers(o.PublicMaxAge, h)
	h = authenticate(o.Services.Auth, o.Logger, h)
	h = withResponseHeaders(o.ReportStatements, h)
	h = admission(o.MaxInFlight, o.QueueWait, h)
	h = checkRequest(o.MaxBodyBytes, o.Timeout, o.ClientIPHeader, h)
	tracing := o.Tracing
	if tracing == nil {
		tracing = otel.GetTracerProvider()
	}
	h = observeOperations(tracing.Tracer(tracerName), requests, h)
	ws := newSubscriptionHandler(o, schema)
	return withCORS(o.CORSOrigins, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if isWebsocket(r) {
			ws.ServeHTTP(w, r)
			return
		}
		h.ServeHTTP(w, r)
	}))
}

// newSubscriptionHandler serves subscriptions over websockets: the same schema, limits and
// error presenter as the HTTP endpoint, with fresh loaders for every message.
func newSubscriptionHandler(o Options, schema graphql.ExecutableSchema) http.Handler {
	srv := handler.New(schema)
	srv.AddTransport(websocketTransport(o.Services.Auth, o.WebsocketOrigins))
	srv.SetParserTokenLimit(o.Limits.Tokens)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	srv.Use(introspectionGate{policy: o.Introspection})
	if o.Documents != nil {
		srv.Use(documentGate{policy: o.TrustedDocuments, docs: o.Documents})
	}
	srv.Use(newOperationGuard(o.Limits, o.QueryCacheSize))
	srv.Use(complexityLimit{schema: schema, max: o.MaxComplexity})
	srv.AroundOperations(pinWrites)
	srv.AroundResponses(freshLoaders(o.Stores, o.Loaders))
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverer(o.Logger))
	return withSocket(o.Sockets, srv)
}

// pinWrites sends every read of a mutation or a subscription to the primary: a mutation's
// answer and a subscription's messages show writes a read replica may not have replayed yet.
func pinWrites(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	if oc := graphql.GetOperationContext(ctx); oc.Operation != nil && oc.Operation.Operation != ast.Query {
		ctx = replica.Pin(ctx)
	}
	return next(ctx)
}

type paramsKey struct{}

// checkRequest refuses, with a 4xx and a GraphQL error body, what is not a GraphQL request at
// all: other methods, oversized bodies, bodies that are not JSON, requests without a query.
// It decodes the request's parameters once, for the transport, and notes the client's address.
func checkRequest(maxBody int64, timeout time.Duration, clientIPHeader string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// No GraphQL answer may be cached by a browser or proxy: they carry tokens and per-viewer
		// data. publicAnswers lifts this for anonymous GETs of persisted or trusted queries.
		w.Header().Set("Cache-Control", "no-store")
		var params *graphql.RawParams
		switch r.Method {
		case http.MethodOptions:
		case http.MethodGet:
			p, err := paramsFromURL(r)
			if err != nil {
				writeRequestError(w, http.StatusBadRequest, err.Error())
				return
			}
			params = p
		case http.MethodPost:
			body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
			if err != nil {
				var tooLarge *http.MaxBytesError
				if errors.As(err, &tooLarge) {
					writeRequestError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("the request body is larger than %d bytes", maxBody))
					return
				}
				writeRequestError(w, http.StatusBadRequest, "the request body could not be read")
				return
			}
			if mt := r.Header.Get("Content-Type"); mt != "" && !isJSON(mt) {
				writeRequestError(w, http.StatusUnsupportedMediaType, "send the request as Content-Type: application/json")
				return
			}
			params = &graphql.RawParams{}
			if err := decodeJSON(body, params); err != nil {
				writeRequestError(w, http.StatusBadRequest, "the request body is not a valid JSON object: send {\"query\": \"...\", \"variables\": {...}}")
				return
			}
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeRequestError(w, http.StatusMethodNotAllowed, "use POST (or GET for queries) to send GraphQL requests")
			return
		}
		if params != nil && params.Query == "" && params.Extensions["persistedQuery"] == nil {
			writeRequestError(w, http.StatusBadRequest, "the request has no query: send {\"query\": \"...\"}")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		ctx = access.WithClient(ctx, clientAddress(r, clientIPHeader))
		if params != nil {
			params.Headers = r.Header
			ctx = context.WithValue(ctx, paramsKey{}, params)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// paramsFromURL reads a GET request's query, operationName, variables and extensions.
func paramsFromURL(r *http.Request) (*graphql.RawParams, error) {
	q := r.URL.Query()
	p := &graphql.RawParams{Query: q.Get("query"), OperationName: q.Get("operationName")}
	if v := q.Get("variables"); v != "" {
		if err := decodeJSON([]byte(v), &p.Variables); err != nil {
			return nil, errors.New("the variables parameter is not a valid JSON object")
		}
	}
	if ext := q.Get("extensions"); ext != "" {
		if err := decodeJSON([]byte(ext), &p.Extensions); err != nil {
			return nil, errors.New("the extensions parameter is not a valid JSON object")
		}
	}
	return p, nil
}

// decodeJSON decodes one JSON value, keeping numbers exact.
func decodeJSON(b []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("trailing data after the JSON value")
	}
	return nil
}

// clientAddress is the address a request comes from: the connection's, or, behind a trusted
// proxy, the first address of the configured header.
func clientAddress(r *http.Request, header string) string {
	if header != "" {
		if v := strings.TrimSpace(strings.Split(r.Header.Get(header), ",")[0]); v != "" {
			return v
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func isJSON(mediaType string) bool {
	mt, _, err := mime.ParseMediaType(mediaType)
	return err == nil && (mt == "application/json" || mt == "application/graphql-response+json")
}

// Response media types of the GraphQL-over-HTTP specification.
const (
	mediaJSON            = "application/json"
	mediaGraphQLResponse = "application/graphql-response+json"
)

// responseMediaType picks the answer's media type from the Accept header: application/json
// when the client accepts it or says nothing, the GraphQL response type when it asks for it.
func responseMediaType(accept string) string {
	if accept == "" {
		return mediaJSON
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case mediaJSON, "*/*", "application/*":
			return mediaJSON
		case mediaGraphQLResponse:
			return mediaGraphQLResponse
		}
	}
	return mediaGraphQLResponse
}

// graphQLOverHTTP serves GET and POST requests as the GraphQL-over-HTTP specification asks.
// A request that fails before it runs (parse, validation, variables, limits) answers 200 with
// only errors under application/json, and 400 without a data entry under
// application/graphql-response+json; a mutation sent with GET answers 405.
type graphQLOverHTTP struct{}

var _ graphql.Transport = graphQLOverHTTP{}

func (graphQLOverHTTP) Supports(r *http.Request) bool {
	return r.Header.Get("Upgrade") == "" && (r.Method == http.MethodGet || r.Method == http.MethodPost)
}

// requestErrors is the body of a request refused before it ran: it has no data entry.
type requestErrors struct {
	Errors     gqlerror.List  `json:"errors"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

func (graphQLOverHTTP) Do(w http.ResponseWriter, r *http.Request, exec graphql.GraphExecutor) {
	ctx := r.Context()
	params, _ := ctx.Value(paramsKey{}).(*graphql.RawParams)
	if params == nil {
		writeRequestError(w, http.StatusBadRequest, "the request has no query: send {\"query\": \"...\"}")
		return
	}
	media := responseMediaType(r.Header.Get("Accept"))
	w.Header().Set("Content-Type", media)
	start := graphql.Now()
	params.ReadTime = graphql.TraceTiming{Start: start, End: start}
	opCtx, errs := exec.CreateOperationContext(ctx, params)
	if errs != nil {
		resp := exec.DispatchError(graphql.WithOperationContext(ctx, opCtx), errs)
		noteOperation(ctx, opCtx, resp.Errors)
		status := http.StatusOK
		if media == mediaGraphQLResponse {
			status = http.StatusBadRequest
		}
		w.WriteHeader(status)
		writeJSON(w, requestErrors{Errors: resp.Errors, Extensions: resp.Extensions})
		return
	}
	if r.Method == http.MethodGet && opCtx.Operation.Operation != ast.Query {
		w.Header().Set("Allow", "POST")
		noteOperation(ctx, opCtx, gqlerror.List{gqlerror.Errorf("mutation over GET")})
		writeRequestError(w, http.StatusMethodNotAllowed, "mutations must be sent with POST")
		return
	}
	responses, ctx := exec.DispatchOperation(ctx, opCtx)
	resp := responses(ctx)
	if resp != nil {
		noteOperation(ctx, opCtx, resp.Errors)
	}
	if r.Method == http.MethodGet {
		markPublic(ctx, opCtx, resp)
	}
	writeJSON(w, resp)
}

func writeJSON(w io.Writer, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Errorf("graph: encode response: %w", err))
	}
	_, _ = w.Write(b)
}

func writeRequestError(w http.ResponseWriter, status int, message string) {
	writeError(w, status, apperr.BadUserInput, message)
}

// writeError answers with a GraphQL-shaped error body.
func writeError(w http.ResponseWriter, status int, code apperr.Code, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": message, "extensions": map[string]any{"code": code}}},
	})
}

// slowRequest is how long a request may take before it is logged at info level.
const slowRequest = time.Second

// logRequests logs every request at debug level, and failed or slow ones at info level.
func logRequests(logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r)
		elapsed := time.Since(start)
		level := slog.LevelDebug
		if sw.status >= 500 || elapsed > slowRequest {
			level = slog.LevelInfo
		}
		logger.Log(r.Context(), level, "request", "method", r.Method, "path", r.URL.Path,
			"status", sw.status, "duration", elapsed, "remote", r.RemoteAddr)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(status int) {
	w.status = status
	w.ResponseWriter.WriteHeader(status)
}

// Hijack hands the connection over to a websocket upgrade.
func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	w.status = http.StatusSwitchingProtocols
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the writer underneath.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// authenticate puts the request's viewer in its context, refusing credentials that prove
// nothing with 401 and UNAUTHENTICATED.
func authenticate(a *auth.Service, logger *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		v, err := a.Authenticate(r.Context(), r.Header.Get("Authorization"))
		if err != nil {
			status, code, message := http.StatusUnauthorized, apperr.Unauthenticated, err.Error()
			if apperr.CodeOf(err) != apperr.Unauthenticated {
				logger.ErrorContext(r.Context(), "authentication failed", "err", err)
				status, code, message = http.StatusInternalServerError, apperr.Internal, internalMessage
			}
			w.Header().Set("WWW-Authenticate", `Bearer realm="tailor"`)
			writeError(w, status, code, message)
			return
		}
		next.ServeHTTP(w, r.WithContext(access.WithViewer(r.Context(), v)))
	})
}

// responseHints collects, while a request runs, what its response headers must say: how
// many SQL statements it ran and when a refused client may retry.
type responseHints struct {
	statements *sqlstats.Counter
	mu         sync.Mutex
	retryAfter time.Duration
	// rate is what the rate limit decided, when the caller is limited.
	rate *ratelimit.Verdict
}

type hintsKey struct{}

// retryAfter asks the response of the request ctx belongs to to carry a Retry-After header.
func retryAfter(ctx context.Context, d time.Duration) {
	if h, ok := ctx.Value(hintsKey{}).(*responseHints); ok {
		h.mu.Lock()
		h.retryAfter = max(h.retryAfter, d)
		h.mu.Unlock()
	}
}

// withResponseHeaders sets the headers that only the end of a request knows: Retry-After,
// and StatementsHeader when reportStatements is on. gqlgen starts the response once
// execution has finished.
func withResponseHeaders(reportStatements bool, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		hints := &responseHints{}
		if reportStatements {
			ctx, hints.statements = sqlstats.WithCounter(ctx)
		}
		ctx = context.WithValue(ctx, hintsKey{}, hints)
		next.ServeHTTP(&hintedWriter{ResponseWriter: w, hints: hints}, r.WithContext(ctx))
	})
}

type hintedWriter struct {
	http.ResponseWriter
	hints   *responseHints
	started bool
}

func (w *hintedWriter) WriteHeader(status int) {
	if !w.started {
		w.started = true
		if w.hints.statements != nil {
			w.Header().Set(StatementsHeader, strconv.FormatInt(w.hints.statements.Count(), 10))
		}
		w.hints.mu.Lock()
		if d := w.hints.retryAfter; d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(d)))
		}
		if v := w.hints.rate; v != nil {
			rateHeaders(w.Header(), v)
		}
		w.hints.mu.Unlock()
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *hintedWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// retrySeconds rounds a wait up to whole seconds, at least one.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}
