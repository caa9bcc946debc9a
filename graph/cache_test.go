package graph_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tailorhq/tailor/graph"
)

func TestPublicAnswersCarryETags(t *testing.T) {
	const (
		doc     = `query Cached { topics(first: 2) { edges { node { slug } } } }`
		trusted = `query TrustedCached { topics(first: 1) { edges { node { slug } } } }`
	)
	docs := trustDocuments(t, trusted)
	base := serverWith(t, func(o *graph.Options) { o.PublicMaxAge = time.Minute })
	held := serverWith(t, func(o *graph.Options) {
		o.PublicMaxAge = time.Minute
		o.TrustedDocuments, o.Documents = graph.TrustedDocumentsForAnonymous, docs
	})
	hash := sha256Of(doc)
	reader := tokenFor(t, carol)
	// The ETag of the first public answer, which the later requests send back.
	var etag string
	steps := []struct {
		name        string
		server      string
		req         gqlRequest
		ifNoneMatch bool // send If-None-Match with the ETag seen first
		wantStatus  int
		public      bool // Cache-Control: public, max-age=60 with an ETag; else no-store and none
	}{
		{"anonymous GET registering a persisted query", base, gqlRequest{method: http.MethodGet, hash: hash, query: doc}, false, http.StatusOK, true},
		{"anonymous GET of the persisted hash, If-None-Match", base, gqlRequest{method: http.MethodGet, hash: hash}, true, http.StatusNotModified, true},
		{"anonymous GET of the persisted hash", base, gqlRequest{method: http.MethodGet, hash: hash}, false, http.StatusOK, true},
		{"another ETag in If-None-Match", base, gqlRequest{method: http.MethodGet, hash: hash, header: http.Header{"If-None-Match": {`"0000"`}}}, false, http.StatusOK, true},
		{"anonymous GET of a trusted document's text", held, gqlRequest{method: http.MethodGet, query: trusted}, false, http.StatusOK, true},
		{"anonymous GET of a plain query", base, gqlRequest{method: http.MethodGet, query: doc}, true, http.StatusOK, false},
		{"signed-in GET of the persisted hash", base, gqlRequest{method: http.MethodGet, credential: reader, hash: hash}, true, http.StatusOK, false},
		{"signed-in GET of a plain query", base, gqlRequest{method: http.MethodGet, credential: reader, query: doc}, true, http.StatusOK, false},
		{"anonymous POST of the persisted hash", base, gqlRequest{hash: hash}, true, http.StatusOK, false},
		{"anonymous GET of an unknown hash", base, gqlRequest{method: http.MethodGet, hash: sha256Of("{ __typename }")}, false, http.StatusOK, false},
		{"public answers turned off", testEnv.server.URL, gqlRequest{method: http.MethodGet, hash: hash, query: doc}, false, http.StatusOK, false},
	}
	for i, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			if s.ifNoneMatch {
				s.req.header = http.Header{"If-None-Match": {etag}}
			}
			x := s.req.send(t, s.server)
			if x.status != s.wantStatus {
				t.Fatalf("status %d, want %d: %s", x.status, s.wantStatus, x.body)
			}
			cacheControl, gotTag := x.header.Get("Cache-Control"), x.header.Get("ETag")
			if !s.public {
				if cacheControl != "no-store" || gotTag != "" {
					t.Errorf("Cache-Control %q, ETag %q; want no-store and no ETag", cacheControl, gotTag)
				}
				return
			}
			if cacheControl != "public, max-age=60" || !strings.Contains(x.header.Get("Vary"), "Authorization") {
				t.Errorf("Cache-Control %q, Vary %q; want public, max-age=60, varying with Authorization", cacheControl, x.header.Get("Vary"))
			}
			if i == 0 {
				etag = gotTag
			}
			if x.status == http.StatusNotModified {
				if len(x.body) > 0 || gotTag != etag {
					t.Errorf("304 with ETag %q (want %q) and body %q", gotTag, etag, x.body)
				}
				return
			}
			checkOutcome(t, x, "")
			if want := `"` + sha256Of(string(x.body)) + `"`; gotTag != want {
				t.Errorf("ETag %q, want the quoted sha256 of the body %s", gotTag, want)
			}
		})
	}
}
