package graph_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/access"
	"github.com/tailorhq/tailor/internal/auth"
	"github.com/tailorhq/tailor/internal/content"
	"github.com/tailorhq/tailor/internal/search"
)

// brokenSearcher is a service with a bug: it panics.
type brokenSearcher struct{}

func (brokenSearcher) Search(context.Context, access.Viewer, string, *int, *string, content.Fields) (search.Page, error) {
	var page *search.Page
	return *page, nil
}

// TestResolverPanicAnswersInternal runs a resolver that panics: the request answers INTERNAL
// with no detail, the panic is logged with its stack, and the server goes on answering.
func TestResolverPanicAnswersInternal(t *testing.T) {
	logs := &strings.Builder{}
	o := testOptions(testEnv.db, slog.New(slog.NewTextHandler(logs, nil)), mustAuth(t))
	o.Services.Searcher = brokenSearcher{}
	srv := httptest.NewServer(graph.NewHTTPHandler(o))
	defer srv.Close()
	ask := func(query string) (int, map[string]any) {
		res, err := http.Post(srv.URL+"/graphql", "application/json", bytes.NewReader([]byte(`{"query":`+strconvQuote(query)+`}`)))
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var body map[string]any
		if err := json.NewDecoder(res.Body).Decode(&body); err != nil {
			t.Fatal(err)
		}
		return res.StatusCode, body
	}
	status, body := ask(`{ search(query: "harbor") { edges { node { id } } } }`)
	errs, _ := body["errors"].([]any)
	if status != http.StatusOK || len(errs) != 1 {
		t.Fatalf("status %d, body %v", status, body)
	}
	e := errs[0].(map[string]any)
	if code := e["extensions"].(map[string]any)["code"]; code != "INTERNAL" || strings.Contains(e["message"].(string), "nil pointer") {
		t.Errorf("error = %v, want INTERNAL without the panic's detail", e)
	}
	if !strings.Contains(logs.String(), "nil pointer dereference") {
		t.Errorf("the panic was not logged: %s", logs.String())
	}
	if status, body := ask(`{ topics(first: 1) { edges { node { slug } } } }`); status != http.StatusOK || body["errors"] != nil {
		t.Errorf("after the panic the server answered %d %v", status, body)
	}
}

func strconvQuote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func mustAuth(t *testing.T) *auth.Service {
	t.Helper()
	a, err := newTestAuth(testEnv.db, testPolicy(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return a
}
