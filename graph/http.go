package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/explorer"
	"github.com/tailorhq/tailor/internal/feed"
	"github.com/tailorhq/tailor/internal/loaders"
	"github.com/tailorhq/tailor/internal/postgres"
	"github.com/tailorhq/tailor/internal/relay"
)

// StatementsHeader carries the number of SQL statements a request ran, when
// Options.ReportStatements is on.
const StatementsHeader = "Tailor-Sql-Statements"

// Options configures the GraphQL endpoint.
type Options struct {
	Logger  *slog.Logger
	Stores  loaders.Stores
	Loaders loaders.Config
	// PageSize bounds every connection's page.
	PageSize relay.Limits
	// MaxComplexity refuses operations whose complexity score is higher.
	MaxComplexity int
	// MaxBodyBytes refuses larger request bodies.
	MaxBodyBytes int64
	// Timeout bounds the time one operation may take.
	Timeout time.Duration
	// QueryCacheSize is how many parsed and validated documents are kept.
	QueryCacheSize int
	// ReportStatements adds StatementsHeader to every response.
	ReportStatements bool
	// Ready reports whether the database answers, for /readyz.
	Ready func(context.Context) error
	// Auth identifies the viewer of every request and runs the account mutations.
	Auth *auth.Service
	// Editor runs the content mutations.
	Editor *content.Editor
	// DB is the database the stores read and write.
	DB *sqlx.DB
	// FeedReuse is how long a viewer's feed ranking is reused for repeated first pages.
	FeedReuse time.Duration
	// Metrics is served at /metrics in the Prometheus text format; nil serves none.
	Metrics prometheus.Gatherer
}

// NewHTTPHandler routes all of Tailor's HTTP endpoints: GraphQL at /graphql, the GraphiQL
// explorer at /, liveness at /healthz and readiness (the database answers) at /readyz.
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
	if o.Metrics != nil {
		mux.Handle("GET /metrics", promhttp.HandlerFor(o.Metrics, promhttp.HandlerOpts{}))
	}
	ex := explorer.Handler("/graphql")
	mux.Handle("/explorer/assets/", ex)
	mux.Handle("/", ex)
	return mux
}

// NewGraphQLHandler returns the /graphql endpoint: GET and POST transports, a cache of parsed
// queries, automatic persisted queries, a complexity limit, the error presenter and panic
// recovery, behind request checks and per-request loaders.
func NewGraphQLHandler(o Options) http.Handler {
	resolver := &Resolver{
		ContentStore: o.Stores.Contents,
		TopicStore:   o.Stores.Topics,
		UserStore:    o.Stores.Users,
		Auth:         o.Auth,
		Editor:       o.Editor,
		Habits:       postgres.NewHabitStore(o.DB),
		FeedRanker:   feed.NewService(postgres.NewFeedStore(o.DB), time.Now, o.FeedReuse),
		PageSize:     o.PageSize,
	}
	srv := handler.New(NewExecutableSchema(Config{
		Resolvers:  resolver,
		Directives: directives(),
		Complexity: complexity(o.PageSize.Default),
	}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](o.QueryCacheSize))
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](o.QueryCacheSize)})
	srv.Use(extension.FixedComplexityLimit(o.MaxComplexity))
	srv.SetErrorPresenter(errorPresenter(o.Logger))
	srv.SetRecoverFunc(recoverer(o.Logger))

	var h http.Handler = loaders.Middleware(o.Stores, o.Loaders, srv)
	h = authenticate(o.Auth, o.Logger, h)
	if o.ReportStatements {
		h = countStatements(h)
	}
	return checkRequest(o.MaxBodyBytes, o.Timeout, h)
}

// graphQLRequest is the part of a GraphQL-over-HTTP request checked before execution.
type graphQLRequest struct {
	Query      string         `json:"query"`
	Extensions map[string]any `json:"extensions"`
}

// checkRequest refuses, with a 4xx and a GraphQL error body, what is not a GraphQL request at
// all: other methods, oversized bodies, bodies that are not JSON, requests without a query.
func checkRequest(maxBody int64, timeout time.Duration, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req graphQLRequest
		switch r.Method {
		case http.MethodOptions:
		case http.MethodGet:
			q := r.URL.Query()
			req.Query = q.Get("query")
			if ext := q.Get("extensions"); ext != "" {
				if err := json.Unmarshal([]byte(ext), &req.Extensions); err != nil {
					writeRequestError(w, http.StatusBadRequest, "the extensions parameter is not valid JSON")
					return
				}
			}
			if isMutation(req.Query, q.Get("operationName")) {
				w.Header().Set("Allow", "POST")
				writeRequestError(w, http.StatusMethodNotAllowed, "mutations must be sent with POST")
				return
			}
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
			if err := json.Unmarshal(body, &req); err != nil {
				writeRequestError(w, http.StatusBadRequest, "the request body is not a valid JSON object: send {\"query\": \"...\", \"variables\": {...}}")
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		default:
			w.Header().Set("Allow", "GET, POST, OPTIONS")
			writeRequestError(w, http.StatusMethodNotAllowed, "use POST (or GET for queries) to send GraphQL requests")
			return
		}
		if r.Method != http.MethodOptions && req.Query == "" && req.Extensions["persistedQuery"] == nil {
			writeRequestError(w, http.StatusBadRequest, "the request has no query: send {\"query\": \"...\"}")
			return
		}
		ctx, cancel := context.WithTimeout(r.Context(), timeout)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// isMutation reports whether the operation a GET request would run is a mutation. Documents
// that do not parse are left for the executor to refuse with its own message.
func isMutation(query, operationName string) bool {
	doc, err := parser.ParseQuery(&ast.Source{Input: query})
	if err != nil {
		return false
	}
	op := doc.Operations.ForName(operationName)
	return op != nil && op.Operation == ast.Mutation
}

func isJSON(mediaType string) bool {
	for _, prefix := range []string{"application/json", "application/graphql-response+json"} {
		if len(mediaType) >= len(prefix) && mediaType[:len(prefix)] == prefix {
			return true
		}
	}
	return false
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

// countStatements reports in StatementsHeader how many SQL statements the request ran. The
// header is set when the response starts, which gqlgen does once execution has finished.
func countStatements(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, counter := postgres.WithStatementCounter(r.Context())
		next.ServeHTTP(&statementWriter{ResponseWriter: w, counter: counter}, r.WithContext(ctx))
	})
}

type statementWriter struct {
	http.ResponseWriter
	counter *postgres.StatementCounter
	started bool
}

func (w *statementWriter) WriteHeader(status int) {
	if !w.started {
		w.started = true
		w.Header().Set(StatementsHeader, strconv.FormatInt(w.counter.Count(), 10))
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *statementWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}
