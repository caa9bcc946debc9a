package graph

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/user"
)

// maxOperationNames bounds the operation names the metrics tell apart; later ones are counted
// as "other", so a client inventing names cannot grow the metrics without end.
const maxOperationNames = 500

// usageMetrics counts, on the private metrics endpoint, operations by name and caller kind and
// the use of deprecated fields by field, so that an integrator's last use of a field shows
// before it is removed.
type usageMetrics struct {
	operations *prometheus.CounterVec
	deprecated *prometheus.CounterVec

	mu    sync.Mutex
	names map[string]bool
}

func newUsageMetrics(r prometheus.Registerer) *usageMetrics {
	u := &usageMetrics{
		operations: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_graphql_operations_total",
			Help: "GraphQL operations accepted, by operation name (the first 500 names seen; later ones are \"other\", unnamed ones \"anonymous\") and caller kind."},
			[]string{"operation", "caller"}),
		deprecated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "tailor_graphql_deprecated_fields_total",
			Help: "Selections of deprecated fields, by field (Type.field) and caller kind."},
			[]string{"field", "caller"}),
		names: make(map[string]bool),
	}
	r.MustRegister(u.operations, u.deprecated)
	return u
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = (*usageMetrics)(nil)

func (*usageMetrics) ExtensionName() string                   { return "UsageMetrics" }
func (*usageMetrics) Validate(graphql.ExecutableSchema) error { return nil }

func (u *usageMetrics) MutateOperationContext(ctx context.Context, opCtx *graphql.OperationContext) *gqlerror.Error {
	caller := callerKind(access.ViewerFrom(ctx))
	u.operations.WithLabelValues(u.label(operationName(opCtx)), caller).Inc()
	if opCtx.Operation != nil {
		seen := map[string]bool{}
		deprecatedFields(opCtx.Operation.SelectionSet, seen)
		for f := range seen {
			u.deprecated.WithLabelValues(f, caller).Inc()
		}
	}
	return nil
}

// label is an operation's name as the metrics know it.
func (u *usageMetrics) label(name string) string {
	if name == "" {
		return "anonymous"
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.names[name] {
		return name
	}
	if len(u.names) >= maxOperationNames {
		return "other"
	}
	u.names[name] = true
	return name
}

// callerKind is who sends an operation, as the metrics tell callers apart.
func callerKind(v access.Viewer) string {
	switch {
	case v.ViaAPIKey():
		return "api_key"
	case v.HasRole(user.RoleAdmin):
		return "admin"
	case !v.Anonymous():
		return "user"
	}
	return "anonymous"
}

// deprecatedFields adds to seen every deprecated field selected in set, fragments included.
func deprecatedFields(set ast.SelectionSet, seen map[string]bool) {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if d := s.Definition; d != nil && d.Directives.ForName("deprecated") != nil && s.ObjectDefinition != nil {
				seen[s.ObjectDefinition.Name+"."+s.Name] = true
			}
			deprecatedFields(s.SelectionSet, seen)
		case *ast.InlineFragment:
			deprecatedFields(s.SelectionSet, seen)
		case *ast.FragmentSpread:
			if s.Definition != nil && !seen["fragment "+s.Name] {
				seen["fragment "+s.Name] = true
				deprecatedFields(s.Definition.SelectionSet, seen)
				delete(seen, "fragment "+s.Name)
			}
		}
	}
}

// operationName is the name of the operation a request runs, empty when it has none.
func operationName(opCtx *graphql.OperationContext) string {
	if opCtx.Operation != nil && opCtx.Operation.Name != "" {
		return opCtx.Operation.Name
	}
	return opCtx.OperationName
}
