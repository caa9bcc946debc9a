package graph_test

import (
	"bytes"
	"net/http"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/graph"
)

func TestCORS(t *testing.T) {
	const app, other = "https://app.example.com", "https://evil.example.net"
	servers := map[string]string{
		"exact": serverWith(t, func(o *graph.Options) { o.CORSOrigins = []string{app} }),
		"any":   serverWith(t, func(o *graph.Options) { o.CORSOrigins = []string{"*"} }),
		"none":  testEnv.server.URL,
	}
	// Browsers list the headers they ask for in lowercase, sorted (Fetch standard).
	preflight := func(origin, headers string) http.Header {
		return http.Header{"Origin": {origin}, "Access-Control-Request-Method": {"POST"}, "Access-Control-Request-Headers": {headers}}
	}
	tests := []struct {
		name        string
		server      string
		method      string
		path        string
		header      http.Header
		wantOrigin  string // Access-Control-Allow-Origin; "" when absent
		credentials bool   // Access-Control-Allow-Credentials: true
		preflight   bool   // answered by CORS alone: no Cache-Control, Max-Age 600
	}{
		{"preflight from a listed origin", "exact", http.MethodOptions, "/graphql", preflight(app, "authorization,content-type"), app, true, true},
		{"preflight from another origin", "exact", http.MethodOptions, "/graphql", preflight(other, "content-type"), "", false, false},
		{"preflight asking for another header", "exact", http.MethodOptions, "/graphql", preflight(app, "x-custom"), "", false, false},
		{"preflight, every origin", "any", http.MethodOptions, "/graphql", preflight(other, "authorization,content-type"), "*", false, true},
		{"preflight, no origins", "none", http.MethodOptions, "/graphql", preflight(app, "content-type"), "", false, false},
		{"POST from a listed origin", "exact", http.MethodPost, "/graphql", http.Header{"Origin": {app}}, app, true, false},
		{"POST from another origin", "exact", http.MethodPost, "/graphql", http.Header{"Origin": {other}}, "", false, false},
		{"POST, every origin", "any", http.MethodPost, "/graphql", http.Header{"Origin": {other}}, "*", false, false},
		{"POST, no origins", "none", http.MethodPost, "/graphql", http.Header{"Origin": {app}}, "", false, false},
		{"healthz is not shared", "exact", http.MethodGet, "/healthz", http.Header{"Origin": {app}}, "", false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var body *bytes.Reader
			if tc.method == http.MethodPost {
				body = bytes.NewReader([]byte(`{"query":"{ __typename }"}`))
			} else {
				body = bytes.NewReader(nil)
			}
			req, err := http.NewRequest(tc.method, servers[tc.server]+tc.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = tc.header.Clone()
			if tc.method == http.MethodPost {
				req.Header.Set("Content-Type", "application/json")
			}
			x := roundTrip(t, req)
			if got := x.header.Get("Access-Control-Allow-Origin"); got != tc.wantOrigin {
				t.Errorf("Access-Control-Allow-Origin = %q, want %q", got, tc.wantOrigin)
			}
			if got := x.header.Get("Access-Control-Allow-Credentials") == "true"; got != tc.credentials {
				t.Errorf("Access-Control-Allow-Credentials = %q, want credentials %v", x.header.Get("Access-Control-Allow-Credentials"), tc.credentials)
			}
			if tc.preflight {
				if x.status != http.StatusNoContent || x.header.Get("Cache-Control") != "" || x.header.Get("Access-Control-Max-Age") != "600" {
					t.Errorf("preflight answered %d, Cache-Control %q, Max-Age %q; want 204 from CORS alone, kept 600 s",
						x.status, x.header.Get("Cache-Control"), x.header.Get("Access-Control-Max-Age"))
				}
				allowed := strings.ToLower(x.header.Get("Access-Control-Allow-Headers"))
				if x.header.Get("Access-Control-Allow-Methods") != "POST" || !strings.Contains(allowed, "content-type") {
					t.Errorf("allowed methods %q, headers %q", x.header.Get("Access-Control-Allow-Methods"), allowed)
				}
			}
			if tc.method == http.MethodPost {
				checkOutcome(t, x, "")
			}
		})
	}
}
