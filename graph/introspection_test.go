package graph_test

import (
	"testing"

	"github.com/tailorhq/tailor/graph"
)

func TestIntrospectionPolicy(t *testing.T) {
	servers := map[graph.IntrospectionPolicy]string{}
	for _, p := range []graph.IntrospectionPolicy{graph.IntrospectionOn, graph.IntrospectionSignedIn, graph.IntrospectionOff} {
		servers[p] = serverWith(t, func(o *graph.Options) { o.Introspection = p })
	}
	reader, admin := tokenFor(t, carol), tokenFor(t, adam)
	const (
		schema = `{ __schema { queryType { name } } }`
		typ    = `{ __type(name: "Topic") { name } }`
		// Introspection hidden in a fragment, beside a field that reads the database.
		hidden       = `query { topics(first: 1) { totalCount } ...Meta } fragment Meta on Query { ... on Query { __schema { queryType { name } } } }`
		typename     = `{ __typename topics(first: 1) { totalCount } }`
		offMessage   = "introspection is turned off on this server"
		signInNeeded = "introspection is open only to signed-in callers: sign in to read the schema"
	)
	tests := []struct {
		name        string
		policy      graph.IntrospectionPolicy
		credential  string
		query       string
		wantMessage string // "" when the operation must run
	}{
		{"on: anonymous __schema", graph.IntrospectionOn, "", schema, ""},
		{"on: anonymous __type", graph.IntrospectionOn, "", typ, ""},
		{"signed-in: anonymous __schema", graph.IntrospectionSignedIn, "", schema, signInNeeded},
		{"signed-in: anonymous __type", graph.IntrospectionSignedIn, "", typ, signInNeeded},
		{"signed-in: anonymous, in a fragment", graph.IntrospectionSignedIn, "", hidden, signInNeeded},
		{"signed-in: anonymous __typename", graph.IntrospectionSignedIn, "", typename, ""},
		{"signed-in: reader __schema", graph.IntrospectionSignedIn, reader, schema, ""},
		{"signed-in: reader, in a fragment", graph.IntrospectionSignedIn, reader, hidden, ""},
		{"off: anonymous __schema", graph.IntrospectionOff, "", schema, offMessage},
		{"off: reader __type", graph.IntrospectionOff, reader, typ, offMessage},
		{"off: admin __schema", graph.IntrospectionOff, admin, schema, offMessage},
		{"off: admin, in a fragment", graph.IntrospectionOff, admin, hidden, offMessage},
		{"off: __typename", graph.IntrospectionOff, "", typename, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := gqlRequest{credential: tc.credential, query: tc.query}.send(t, servers[tc.policy])
			if tc.wantMessage == "" {
				checkOutcome(t, x, "")
				return
			}
			checkOutcome(t, x, "FORBIDDEN")
			if x.Errors[0].Message != tc.wantMessage {
				t.Errorf("message = %q, want %q", x.Errors[0].Message, tc.wantMessage)
			}
			// Nothing ran: not even the database read beside it.
			if tc.credential == "" && x.header.Get(graph.StatementsHeader) != "0" {
				t.Errorf("a refused operation ran %s SQL statements", x.header.Get(graph.StatementsHeader))
			}
		})
	}
}
