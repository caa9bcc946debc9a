package graph_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/tailorhq/tailor/graph"
	"github.com/tailorhq/tailor/internal/postgres"
)

// serverWith starts a server over the package's database, configured as the tests' server
// and then by configure, and returns its base URL.
func serverWith(t *testing.T, configure func(*graph.Options)) string {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	authService, err := newTestAuth(testEnv.db, testPolicy(), logger)
	if err != nil {
		t.Fatal(err)
	}
	opts := testOptions(testEnv.db, logger, authService)
	configure(&opts)
	srv := httptest.NewServer(graph.NewHTTPHandler(opts))
	t.Cleanup(srv.Close)
	return srv.URL
}

// gqlRequest is one GraphQL request over HTTP.
type gqlRequest struct {
	method     string // GET or POST (the default)
	credential string // bearer credential; none when empty
	query      string
	hash       string // extensions.persistedQuery.sha256Hash; none when empty
	header     http.Header
}

// exchange is an HTTP answer: its status, headers and body, decoded when it is JSON.
type exchange struct {
	response
	status int
	header http.Header
	body   []byte
}

// send sends req to base's /graphql.
func (req gqlRequest) send(t *testing.T, base string) exchange {
	t.Helper()
	params := map[string]any{}
	if req.query != "" {
		params["query"] = req.query
	}
	if req.hash != "" {
		params["extensions"] = map[string]any{"persistedQuery": map[string]any{"version": 1, "sha256Hash": req.hash}}
	}
	var httpReq *http.Request
	var err error
	if req.method == http.MethodGet {
		q := url.Values{}
		if req.query != "" {
			q.Set("query", req.query)
		}
		if ext, ok := params["extensions"]; ok {
			b, _ := json.Marshal(ext)
			q.Set("extensions", string(b))
		}
		httpReq, err = http.NewRequest(http.MethodGet, base+"/graphql?"+q.Encode(), nil)
	} else {
		b, _ := json.Marshal(params)
		httpReq, err = http.NewRequest(http.MethodPost, base+"/graphql", bytes.NewReader(b))
		if err == nil {
			httpReq.Header.Set("Content-Type", "application/json")
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range req.header {
		httpReq.Header[k] = v
	}
	if req.credential != "" {
		httpReq.Header.Set("Authorization", "Bearer "+req.credential)
	}
	return roundTrip(t, httpReq)
}

// roundTrip sends req and reads the whole answer.
func roundTrip(t *testing.T, req *http.Request) exchange {
	t.Helper()
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	x := exchange{status: res.StatusCode, header: res.Header, body: body}
	if len(body) > 0 && json.Valid(body) {
		if err := json.Unmarshal(body, &x.response); err != nil {
			t.Fatal(err)
		}
	}
	return x
}

func sha256Of(doc string) string {
	sum := sha256.Sum256([]byte(doc))
	return hex.EncodeToString(sum[:])
}

// trustDocuments stores docs as trusted documents until the test ends, and returns the
// server's copy of every trusted document.
func trustDocuments(t *testing.T, docs ...string) *graph.TrustedDocuments {
	t.Helper()
	store := postgres.NewDocumentStore(testEnv.db.DB)
	byHash := map[string]string{}
	var hashes []string
	for _, d := range docs {
		byHash[sha256Of(d)] = d
		hashes = append(hashes, sha256Of(d))
	}
	if _, err := store.AddTrustedDocuments(context.Background(), byHash); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, h := range hashes {
			testEnv.db.DB.Exec(`DELETE FROM trusted_documents WHERE hash = $1`, h)
		}
	})
	set, err := graph.LoadTrustedDocuments(t.Context(), store, time.Minute, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// Documents of the trusted-documents tests: listed is in the manifest, unlisted is not.
const (
	listedQuery   = `query ListedTopics { topics(first: 2) { edges { node { slug } } } }`
	unlistedQuery = `query UnlistedTopics { topics(first: 3) { edges { node { name } } } }`
)

func TestPersistedQueries(t *testing.T) {
	// A document of its own, so that the tests' shared server has never seen it.
	doc := `query APQ { topics(first: 1) { edges { node { slug } } } }`
	hash := sha256Of(doc)
	base := testEnv.server.URL
	steps := []struct {
		name     string
		req      gqlRequest
		wantCode string // "" when the operation must run
	}{
		{"miss: an unknown hash alone", gqlRequest{hash: hash}, "PERSISTED_QUERY_NOT_FOUND"},
		{"register: the hash with its query", gqlRequest{hash: hash, query: doc}, ""},
		{"hit: the hash alone", gqlRequest{hash: hash}, ""},
		{"hit with GET", gqlRequest{method: http.MethodGet, hash: hash}, ""},
		{"a hash that is not the query's", gqlRequest{hash: sha256Of("{ __typename }"), query: doc}, "BAD_USER_INPUT"},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			x := s.req.send(t, base)
			checkOutcome(t, x, s.wantCode)
		})
	}
}

// checkOutcome fails the test unless x ran its operation (wantCode empty) or was refused
// with wantCode before anything ran.
func checkOutcome(t *testing.T, x exchange, wantCode string) {
	t.Helper()
	if wantCode == "" {
		if len(x.Errors) > 0 || len(x.Data) == 0 || string(x.Data) == "null" {
			t.Fatalf("status %d, want the operation to run: %s", x.status, x.body)
		}
		return
	}
	if len(x.Errors) == 0 || x.Errors[0].Extensions["code"] != wantCode {
		t.Fatalf("status %d, want a %s error: %s", x.status, wantCode, x.body)
	}
	if len(x.Data) > 0 && string(x.Data) != "null" {
		t.Fatalf("refused operation answered data: %s", x.body)
	}
}

func TestTrustedDocuments(t *testing.T) {
	docs := trustDocuments(t, listedQuery)
	servers := map[graph.TrustedDocumentsPolicy]string{}
	for _, p := range []graph.TrustedDocumentsPolicy{graph.TrustedDocumentsForAnonymous, graph.TrustedDocumentsRequired} {
		servers[p] = serverWith(t, func(o *graph.Options) { o.TrustedDocuments, o.Documents = p, docs })
	}
	// Off, as tailor serve runs it: no documents are read.
	servers[graph.TrustedDocumentsOff] = serverWith(t, func(o *graph.Options) { o.TrustedDocuments = graph.TrustedDocumentsOff })
	listed, unlisted := sha256Of(listedQuery), sha256Of(unlistedQuery)
	reader, admin := tokenFor(t, carol), tokenFor(t, adam)
	editor := tokenFor(t, erin)
	const notFound = "PERSISTED_QUERY_NOT_FOUND"
	tests := []struct {
		name     string
		policy   graph.TrustedDocumentsPolicy
		req      gqlRequest
		wantCode string // "" when the operation must run
	}{
		{"off: anonymous, any query", graph.TrustedDocumentsOff, gqlRequest{query: unlistedQuery}, ""},
		{"off: a listed hash alone is an unknown persisted query", graph.TrustedDocumentsOff, gqlRequest{hash: listed}, notFound},

		{"anonymous: listed by hash", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: listed}, ""},
		{"anonymous: listed by hash with GET", graph.TrustedDocumentsForAnonymous, gqlRequest{method: http.MethodGet, hash: listed}, ""},
		{"anonymous: listed by hash and text", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: listed, query: listedQuery}, ""},
		{"anonymous: listed text alone", graph.TrustedDocumentsForAnonymous, gqlRequest{query: listedQuery}, ""},
		{"anonymous: unlisted query", graph.TrustedDocumentsForAnonymous, gqlRequest{query: unlistedQuery}, notFound},
		{"anonymous: unlisted hash", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: unlisted}, notFound},
		{"anonymous: APQ registration of an unlisted query", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: unlisted, query: unlistedQuery}, notFound},
		{"anonymous: a listed hash with other text", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: listed, query: unlistedQuery}, notFound},
		{"anonymous: unlisted introspection", graph.TrustedDocumentsForAnonymous, gqlRequest{query: `{ __schema { queryType { name } } }`}, notFound},
		{"signed in: unlisted query", graph.TrustedDocumentsForAnonymous, gqlRequest{credential: reader, query: unlistedQuery}, ""},
		// A signed-in caller may register any document as an automatic persisted query; an
		// anonymous caller still cannot run it by its hash (the next case).
		{"signed in: APQ registration of an unlisted query", graph.TrustedDocumentsForAnonymous, gqlRequest{credential: reader, hash: unlisted, query: unlistedQuery}, ""},
		{"anonymous: the hash a signed-in caller registered", graph.TrustedDocumentsForAnonymous, gqlRequest{hash: unlisted}, notFound},

		{"required: anonymous, listed", graph.TrustedDocumentsRequired, gqlRequest{hash: listed}, ""},
		{"required: anonymous, unlisted", graph.TrustedDocumentsRequired, gqlRequest{query: unlistedQuery}, notFound},
		{"required: reader, listed", graph.TrustedDocumentsRequired, gqlRequest{credential: reader, hash: listed}, ""},
		{"required: reader, unlisted", graph.TrustedDocumentsRequired, gqlRequest{credential: reader, query: unlistedQuery}, notFound},
		{"required: editor, unlisted", graph.TrustedDocumentsRequired, gqlRequest{credential: editor, query: unlistedQuery}, notFound},
		{"required: admin registers an unlisted query", graph.TrustedDocumentsRequired, gqlRequest{credential: admin, hash: unlisted, query: unlistedQuery}, ""},
		{"required: reader, the hash an admin registered", graph.TrustedDocumentsRequired, gqlRequest{credential: reader, hash: unlisted}, notFound},
		{"required: admin, unlisted", graph.TrustedDocumentsRequired, gqlRequest{credential: admin, query: unlistedQuery}, ""},
		{"required: admin, listed by hash", graph.TrustedDocumentsRequired, gqlRequest{credential: admin, hash: listed}, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkOutcome(t, tc.req.send(t, servers[tc.policy]), tc.wantCode)
		})
	}
}

// A document loaded while a server runs reaches it at the next refresh.
func TestTrustedDocumentsRefresh(t *testing.T) {
	store := postgres.NewDocumentStore(testEnv.db.DB)
	set, err := graph.LoadTrustedDocuments(t.Context(), store, 20*time.Millisecond, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	base := serverWith(t, func(o *graph.Options) { o.TrustedDocuments, o.Documents = graph.TrustedDocumentsRequired, set })
	doc := `query Refreshed { topics(first: 1) { edges { node { name } } } }`
	checkOutcome(t, gqlRequest{hash: sha256Of(doc)}.send(t, base), "PERSISTED_QUERY_NOT_FOUND")
	trustDocuments(t, doc)
	deadline := time.Now().Add(5 * time.Second)
	for {
		x := gqlRequest{hash: sha256Of(doc)}.send(t, base)
		if len(x.Errors) == 0 {
			checkOutcome(t, x, "")
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the loaded document never reached the server: %s", x.body)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
