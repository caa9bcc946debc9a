package explorer

import (
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// newServer serves Handler(endpoint) the way callers mount it: on "/" and on
// AssetPrefix of an http.ServeMux.
func newServer(t *testing.T, endpoint string) *httptest.Server {
	t.Helper()
	h := Handler(endpoint)
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.Handle(AssetPrefix, h)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

// fetch performs a request and returns the response with its body read.
func fetch(t *testing.T, method, url string, header http.Header) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

var srcHrefRE = regexp.MustCompile(`(?i)\b(?:src|href)\s*=\s*"([^"]*)"`)

// referencedURLs returns every src and href attribute value in page.
func referencedURLs(page string) []string {
	var urls []string
	for _, m := range srcHrefRE.FindAllStringSubmatch(page, -1) {
		urls = append(urls, m[1])
	}
	return urls
}

func TestIndex(t *testing.T) {
	tests := []struct {
		name       string
		endpoint   string
		wantInPage []string
		wantCSP    string
	}{
		{
			name:       "same-origin path",
			endpoint:   "/graphql",
			wantInPage: []string{`data-endpoint="/graphql"`, "contents(first: 5)", "displayName"},
			wantCSP:    "connect-src 'self';",
		},
		{
			name:       "absolute URL",
			endpoint:   "https://api.example.com/graphql",
			wantInPage: []string{`data-endpoint="https://api.example.com/graphql"`},
			wantCSP:    "connect-src 'self' https://api.example.com;",
		},
		{
			name:       "endpoint is HTML-escaped",
			endpoint:   `/graphql?x="><script>alert(1)</script>`,
			wantInPage: []string{`data-endpoint="/graphql?x=&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"`},
			wantCSP:    "connect-src 'self';",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.endpoint)
			resp, page := fetch(t, http.MethodGet, srv.URL+"/", nil)

			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
				t.Errorf("Content-Type = %q, want text/html", ct)
			}
			if cc := resp.Header.Get("Cache-Control"); cc != "no-cache" {
				t.Errorf("Cache-Control = %q, want no-cache", cc)
			}
			csp := resp.Header.Get("Content-Security-Policy")
			for _, want := range []string{"default-src 'none'", "script-src 'self';", "style-src 'self';", tt.wantCSP} {
				if !strings.Contains(csp, want) {
					t.Errorf("Content-Security-Policy = %q, want it to contain %q", csp, want)
				}
			}
			for _, want := range tt.wantInPage {
				if !strings.Contains(page, want) {
					t.Errorf("index does not contain %q", want)
				}
			}
			if strings.Contains(page, "<script>alert") {
				t.Error("index contains an unescaped endpoint")
			}
			if n, m := strings.Count(page, "<script"), strings.Count(page, `<script src="`); n != m || strings.Contains(page, "<style") || strings.Contains(page, "style=") {
				t.Error("index contains inline script or style, which the CSP forbids")
			}

			urls := referencedURLs(page)
			if len(urls) < 5 {
				t.Fatalf("index references %d assets, want at least 5: %q", len(urls), urls)
			}
			for _, u := range urls {
				if !strings.HasPrefix(u, AssetPrefix) || strings.Contains(u, "http://") || strings.Contains(u, "https://") {
					t.Errorf("index references non-local URL %q", u)
				}
			}
			if !strings.Contains(tt.endpoint, "://") && (strings.Contains(page, "http://") || strings.Contains(page, "https://")) {
				t.Error("index contains an absolute http(s) URL")
			}
		})
	}
}

func TestReferencedAssets(t *testing.T) {
	srv := newServer(t, "/graphql")
	_, page := fetch(t, http.MethodGet, srv.URL+"/", nil)

	for _, u := range referencedURLs(page) {
		t.Run(u, func(t *testing.T) {
			resp, body := fetch(t, http.MethodGet, srv.URL+u, nil)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("status = %d, want 200", resp.StatusCode)
			}
			ct := resp.Header.Get("Content-Type")
			if !strings.HasPrefix(ct, "text/javascript") && !strings.HasPrefix(ct, "text/css") {
				t.Errorf("Content-Type = %q, want JavaScript or CSS", ct)
			}
			if body == "" {
				t.Error("empty body")
			}
			if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "max-age=31536000") {
				t.Errorf("Cache-Control = %q, want a long max-age", cc)
			}
			for _, cdn := range []string{"://unpkg.com", "://cdn.jsdelivr.net", "://cdnjs.cloudflare.com"} {
				if strings.Contains(body, cdn) {
					t.Errorf("asset references CDN %q", cdn)
				}
			}

			etag := resp.Header.Get("ETag")
			if etag == "" {
				t.Fatal("no ETag")
			}
			resp, _ = fetch(t, http.MethodGet, srv.URL+u, http.Header{"If-None-Match": {etag}})
			if resp.StatusCode != http.StatusNotModified {
				t.Errorf("conditional GET status = %d, want 304", resp.StatusCode)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	srv := newServer(t, "/graphql")
	tests := []struct {
		name        string
		method      string
		path        string
		wantStatus  int
		wantCTStart string
	}{
		{"index HEAD", http.MethodHead, "/", http.StatusOK, "text/html"},
		{"licenses", http.MethodGet, AssetPrefix + "LICENSES.md", http.StatusOK, "text/plain"},
		{"asset without version", http.MethodGet, AssetPrefix + "init.js", http.StatusOK, "text/javascript"},
		{"unknown asset", http.MethodGet, AssetPrefix + "nope.js", http.StatusNotFound, ""},
		{"asset directory", http.MethodGet, AssetPrefix, http.StatusNotFound, ""},
		{"template is not an asset", http.MethodGet, AssetPrefix + "index.html.tmpl", http.StatusNotFound, ""},
		{"nested asset path", http.MethodGet, AssetPrefix + "assets/init.js", http.StatusNotFound, ""},
		{"other path", http.MethodGet, "/other", http.StatusNotFound, ""},
		{"explorer without slash", http.MethodGet, "/explorer", http.StatusNotFound, ""},
		{"POST index", http.MethodPost, "/", http.StatusMethodNotAllowed, ""},
		{"DELETE asset", http.MethodDelete, AssetPrefix + "init.js", http.StatusMethodNotAllowed, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, _ := fetch(t, tt.method, srv.URL+tt.path, nil)
			if resp.StatusCode != tt.wantStatus {
				t.Errorf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if ct := resp.Header.Get("Content-Type"); tt.wantCTStart != "" && !strings.HasPrefix(ct, tt.wantCTStart) {
				t.Errorf("Content-Type = %q, want prefix %q", ct, tt.wantCTStart)
			}
		})
	}
}

func TestHandlerRejectsBadEndpoint(t *testing.T) {
	tests := []string{"", "ftp://example.com/graphql", "https:///graphql", "javascript:alert(1)", "http://[::1"}
	for _, endpoint := range tests {
		t.Run(endpoint, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Errorf("Handler(%q) did not panic", endpoint)
				}
			}()
			Handler(endpoint)
		})
	}
}
