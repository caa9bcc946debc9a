// Package explorer serves a self-contained GraphiQL page for exploring the
// Tailor GraphQL API.
//
// Every script and stylesheet the page uses (GraphiQL, React, ReactDOM and a
// small bootstrap script) is embedded in the binary and served by the handler
// itself, so the explorer works without internet access and its
// Content-Security-Policy can restrict scripts and styles to 'self'. The
// third-party versions and licenses are listed in assets/LICENSES.md, which
// is served alongside the other assets.
package explorer

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"
)

// AssetPrefix is the URL path prefix under which Handler serves the
// explorer's static assets. Callers using an http.ServeMux mount the handler
// on this pattern in addition to "/".
const AssetPrefix = "/explorer/assets/"

// defaultQuery is the query shown in a browser that has no saved GraphiQL
// tabs yet.
const defaultQuery = `# Welcome to the Tailor GraphQL explorer.
#
# To query as a signed-in user, open the "Headers" tab below and paste:
#   {"Authorization": "Bearer <token>"}
#
# Press Ctrl-Enter (Cmd-Enter on macOS) to run the query.
{
  contents(first: 5) {
    edges {
      node {
        title
        author {
          displayName
        }
        topics {
          name
        }
      }
    }
  }
}
`

// Response header values. Assets are referenced from the index with a
// content-hash query parameter, so they can be cached for a long time.
const (
	assetCacheControl = "public, max-age=31536000, immutable"
	indexCacheControl = "no-cache"
)

//go:embed index.html.tmpl assets/*.js assets/*.css assets/LICENSES.md
var files embed.FS

// asset is one embedded file as served to clients.
type asset struct {
	body        []byte
	contentType string
	etag        string
	version     string // short content hash used to bust caches
}

// handler serves the explorer index and its assets; it is immutable once
// built by Handler.
type handler struct {
	index  []byte
	csp    string
	assets map[string]asset // keyed by file name relative to AssetPrefix
}

// Handler returns an http.Handler that serves a GraphiQL explorer whose
// requests go to the GraphQL endpoint at endpoint, which is either a path on
// the same origin (such as "/graphql") or an absolute http(s) URL. It panics
// if endpoint is empty or not such a URL, since that is a programming error.
//
// The handler answers GET and HEAD requests for exactly these paths:
//
//   - "/": the explorer page (text/html, Cache-Control: no-cache, and a
//     Content-Security-Policy that allows scripts and styles only from
//     'self' and network requests only to 'self' and the endpoint's origin).
//   - AssetPrefix + name ("/explorer/assets/…"): the embedded JavaScript,
//     CSS and license files, with their Content-Type, an ETag and a
//     one-year immutable Cache-Control. The page references them with a
//     "?v=<content hash>" query so new builds are never served from stale
//     caches.
//
// Every other path gets 404 Not Found, and other methods on the paths above
// get 405 Method Not Allowed. The caller mounts the handler on both "/" and
// AssetPrefix of its http.ServeMux.
func Handler(endpoint string) http.Handler {
	connectSrc, err := connectSources(endpoint)
	if err != nil {
		panic("explorer: " + err.Error())
	}
	assets, err := loadAssets()
	if err != nil {
		panic("explorer: " + err.Error())
	}
	index, err := renderIndex(endpoint, assets)
	if err != nil {
		panic("explorer: " + err.Error())
	}
	return &handler{
		index:  index,
		csp:    contentSecurityPolicy(connectSrc),
		assets: assets,
	}
}

// ServeHTTP implements http.Handler as documented on Handler.
func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	switch {
	case p == "/":
		if !allowMethod(w, r) {
			return
		}
		h.serveIndex(w)
	case strings.HasPrefix(p, AssetPrefix):
		a, ok := h.assets[strings.TrimPrefix(p, AssetPrefix)]
		if !ok {
			http.NotFound(w, r)
			return
		}
		if !allowMethod(w, r) {
			return
		}
		serveAsset(w, r, a)
	default:
		http.NotFound(w, r)
	}
}

// serveIndex writes the pre-rendered explorer page.
func (h *handler) serveIndex(w http.ResponseWriter) {
	hdr := w.Header()
	hdr.Set("Content-Type", "text/html; charset=utf-8")
	hdr.Set("Cache-Control", indexCacheControl)
	hdr.Set("Content-Security-Policy", h.csp)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("X-Frame-Options", "DENY")
	hdr.Set("Referrer-Policy", "no-referrer")
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(h.index)
}

// serveAsset writes one embedded asset, honouring conditional and range
// requests.
func serveAsset(w http.ResponseWriter, r *http.Request, a asset) {
	hdr := w.Header()
	hdr.Set("Content-Type", a.contentType)
	hdr.Set("Cache-Control", assetCacheControl)
	hdr.Set("ETag", a.etag)
	hdr.Set("X-Content-Type-Options", "nosniff")
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(a.body))
}

// allowMethod reports whether r uses GET or HEAD; otherwise it writes a 405
// response and reports false.
func allowMethod(w http.ResponseWriter, r *http.Request) bool {
	if r.Method == http.MethodGet || r.Method == http.MethodHead {
		return true
	}
	w.Header().Set("Allow", "GET, HEAD")
	http.Error(w, http.StatusText(http.StatusMethodNotAllowed), http.StatusMethodNotAllowed)
	return false
}

// loadAssets reads every servable embedded asset, keyed by file name.
func loadAssets() (map[string]asset, error) {
	entries, err := fs.ReadDir(files, "assets")
	if err != nil {
		return nil, err
	}
	assets := make(map[string]asset, len(entries))
	for _, e := range entries {
		ct, ok := contentType(e.Name())
		if e.IsDir() || !ok {
			continue
		}
		body, err := files.ReadFile("assets/" + e.Name())
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(body)
		version := hex.EncodeToString(sum[:8])
		assets[e.Name()] = asset{
			body:        body,
			contentType: ct,
			etag:        `"` + version + `"`,
			version:     version,
		}
	}
	return assets, nil
}

// contentType returns the Content-Type of the servable asset file name and
// reports false for extensions that are never served.
func contentType(name string) (string, bool) {
	switch path.Ext(name) {
	case ".js":
		return "text/javascript; charset=utf-8", true
	case ".css":
		return "text/css; charset=utf-8", true
	case ".md":
		return "text/plain; charset=utf-8", true
	}
	return "", false
}

// renderIndex executes the embedded page template for endpoint.
func renderIndex(endpoint string, assets map[string]asset) ([]byte, error) {
	funcs := template.FuncMap{
		// asset returns the versioned URL of an embedded asset and fails
		// template execution for names that are not embedded.
		"asset": func(name string) (string, error) {
			a, ok := assets[name]
			if !ok {
				return "", fmt.Errorf("unknown asset %q", name)
			}
			return AssetPrefix + name + "?v=" + a.version, nil
		},
	}
	tmpl, err := template.New("index.html.tmpl").Funcs(funcs).ParseFS(files, "index.html.tmpl")
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = tmpl.Execute(&buf, struct {
		Endpoint     string
		DefaultQuery string
	}{endpoint, defaultQuery})
	if err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// connectSources validates endpoint and returns the CSP connect-src sources
// the page needs to reach it.
func connectSources(endpoint string) (string, error) {
	if endpoint == "" {
		return "", errors.New("empty GraphQL endpoint")
	}
	u, err := url.Parse(endpoint)
	if err != nil {
		return "", fmt.Errorf("invalid GraphQL endpoint %q: %w", endpoint, err)
	}
	var origin string
	switch {
	case u.Scheme == "" && u.Host == "":
		return "'self'", nil // same-origin path
	case u.Scheme == "http" || u.Scheme == "https":
		if u.Host == "" {
			return "", fmt.Errorf("GraphQL endpoint %q has no host", endpoint)
		}
		origin = u.Scheme + "://" + u.Host
	case u.Scheme == "" && u.Host != "": // scheme-relative "//host/path"
		origin = u.Host
	default:
		return "", fmt.Errorf("GraphQL endpoint %q must be a path or an http(s) URL", endpoint)
	}
	if strings.ContainsAny(origin, " \t\r\n;,'\"") {
		return "", fmt.Errorf("GraphQL endpoint %q has an invalid host", endpoint)
	}
	return "'self' " + origin, nil
}

// contentSecurityPolicy returns the index page's Content-Security-Policy.
// Fonts and a few images are inlined as data: URLs by graphiql.min.css.
// style-src deliberately omits 'unsafe-inline': the only inline style the
// bundle injects is a body scroll lock added while a dialog is open, which
// explorer.css makes unnecessary, so the browser's CSP report for it is
// harmless.
func contentSecurityPolicy(connectSrc string) string {
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src 'self' data:",
		"font-src 'self' data:",
		"connect-src " + connectSrc,
		"base-uri 'none'",
		"form-action 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}
