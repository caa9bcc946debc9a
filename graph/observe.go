package graph

import (
	"context"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/apperr"
	"github.com/tailorhq/tailor/internal/sqlstats"
)

// tracerName names the tracer of operation spans.
const tracerName = "github.com/tailorhq/tailor/graph"

// The outcomes of a request, as tailor_graphql_requests_total tells them apart.
const (
	outcomeOK = "ok"
	// outcomeError is a request that answered with any GraphQL error but a refusal.
	outcomeError = "error"
	// outcomeRefused is a request a limit turned away.
	outcomeRefused = "refused"
)

// refusals are the error codes of the limits that turn a request away before it runs.
var refusals = map[string]bool{
	string(apperr.QueryTooComplex):        true,
	string(apperr.RateLimited):            true,
	string(apperr.PersistedQueryNotFound): true,
}

// requestMetrics measures, on the private metrics endpoint, every GraphQL request over HTTP:
// its outcome, its duration and the SQL it ran, by operation name (the bounded set of
// usageMetrics), and the size of every loader batch.
type requestMetrics struct {
	usage      *usageMetrics
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	statements *prometheus.HistogramVec
	sqlSeconds *prometheus.CounterVec
	batches    *prometheus.HistogramVec
}

func newRequestMetrics(r prometheus.Registerer, usage *usageMetrics) *requestMetrics {
	m := &requestMetrics{
		usage: usage,
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_graphql_requests_total",
			Help: "GraphQL requests over HTTP, by operation name, caller kind and outcome (ok; error: any GraphQL error; refused: a limit turned it away)."},
			[]string{"operation", "caller", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tailor_graphql_request_duration_seconds",
			Help:    "Time from a GraphQL request's arrival to its answer, by operation name.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15}},
			[]string{"operation"}),
		statements: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tailor_sql_statements_per_request",
			Help:    "SQL statements one GraphQL request ran, by operation name.",
			Buckets: []float64{0, 1, 2, 3, 5, 8, 12, 20, 30, 50, 100}},
			[]string{"operation"}),
		sqlSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_sql_seconds_total",
			Help: "Time GraphQL requests spent waiting for PostgreSQL to answer their statements, by operation name."},
			[]string{"operation"}),
		batches: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "tailor_loader_batch_size",
			Help:    "Keys in each batch a dataloader runs, by loader.",
			Buckets: []float64{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}},
			[]string{"loader"}),
	}
	r.MustRegister(m.requests, m.duration, m.statements, m.sqlSeconds, m.batches)
	return m
}

// loaderBatch counts one loader batch of n keys.
func (m *requestMetrics) loaderBatch(loader string, n int) {
	m.batches.WithLabelValues(loader).Observe(float64(n))
}

// operationRecord is what the executor learns of a request's operation, for its span and
// metrics, which the middleware that started them closes.
type operationRecord struct {
	mu         sync.Mutex
	ran        bool
	name       string
	caller     string
	outcome    string
	complexity int
}

type recordKey struct{}

// noteOperation records, for the request ctx belongs to, the operation opCtx describes, who
// sent it and the errors of its response, and names the request's span after the operation.
func noteOperation(ctx context.Context, opCtx *graphql.OperationContext, errs gqlerror.List) {
	rec, ok := ctx.Value(recordKey{}).(*operationRecord)
	if !ok {
		return
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	rec.ran = true
	rec.caller = callerKind(access.ViewerFrom(ctx))
	rec.outcome = outcomeOf(errs)
	if opCtx != nil {
		rec.name = operationName(opCtx)
		if score, ok := opCtx.Stats.GetExtension(complexityStats).(int); ok {
			rec.complexity = score
		}
	}
}

// outcomeOf is a response's outcome, from the codes of its errors.
func outcomeOf(errs gqlerror.List) string {
	if len(errs) == 0 {
		return outcomeOK
	}
	for _, e := range errs {
		if refusals[fmt.Sprint(e.Extensions["code"])] {
			return outcomeRefused
		}
	}
	return outcomeError
}

// observeOperations runs every GraphQL request over HTTP in a span of its own, a child of the
// W3C trace context its headers carry, named after its operation once the executor knows it,
// and counts it, its duration and its SQL in m when m is set.
func observeOperations(tracer trace.Tracer, m *requestMetrics, next http.Handler) http.Handler {
	propagator := propagation.TraceContext{}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		ctx := propagator.Extract(r.Context(), propagation.HeaderCarrier(r.Header))
		ctx, span := tracer.Start(ctx, "graphql", trace.WithSpanKind(trace.SpanKindServer))
		defer span.End()
		rec := &operationRecord{}
		ctx = context.WithValue(ctx, recordKey{}, rec)
		ctx, statements := sqlstats.WithCounter(ctx)
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		next.ServeHTTP(sw, r.WithContext(ctx))

		rec.mu.Lock()
		name, caller, outcome, complexity, ran := rec.name, rec.caller, rec.outcome, rec.complexity, rec.ran
		rec.mu.Unlock()
		if !ran {
			// Refused before it reached the executor: a malformed request or bad credentials.
			caller, outcome = "anonymous", outcomeError
		}
		if name != "" {
			span.SetName(name)
		}
		span.SetAttributes(attribute.String("graphql.operation.name", name), attribute.String("tailor.caller", caller),
			attribute.Int("tailor.complexity", complexity), attribute.String("tailor.outcome", outcome),
			attribute.Int("http.response.status_code", sw.status))
		if outcome != outcomeOK {
			span.SetStatus(codes.Error, outcome)
		}
		if m != nil {
			op := m.usage.label(name)
			m.requests.WithLabelValues(op, caller, outcome).Inc()
			m.duration.WithLabelValues(op).Observe(time.Since(start).Seconds())
			m.statements.WithLabelValues(op).Observe(float64(statements.Count()))
			m.sqlSeconds.WithLabelValues(op).Add(statements.Duration().Seconds())
		}
	})
}
