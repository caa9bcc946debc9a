package graph

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler/extension"

	"github.com/tailorhq/tailor/internal/access"
)

// publicAnswer is the promise, made by the transport while a request runs, that its answer
// is the same for every anonymous caller: a query sent with GET by a persisted or trusted
// document, answered without errors.
type publicAnswer struct{ public bool }

type publicAnswerKey struct{}

// markPublic records that the answer of the request ctx belongs to may be kept by shared
// caches, when the request's operation is a persisted or trusted query that ran without
// errors; it does nothing for requests publicAnswers does not watch.
func markPublic(ctx context.Context, opCtx *graphql.OperationContext, resp *graphql.Response) {
	a, ok := ctx.Value(publicAnswerKey{}).(*publicAnswer)
	if !ok || resp == nil || len(resp.Errors) > 0 {
		return
	}
	persisted := extension.GetApqStats(graphql.WithOperationContext(ctx, opCtx)) != nil
	a.public = persisted || trusted(opCtx)
}

// publicAnswers lets browsers and shared caches keep, for maxAge, the answers to anonymous
// GETs of persisted or trusted queries, with a strong ETag (the sha256 of the body), and
// answers a request whose If-None-Match holds that ETag with 304 and no body. Every other
// answer keeps checkRequest's no-store. A maxAge of 0 turns it off.
func publicAnswers(maxAge time.Duration, next http.Handler) http.Handler {
	if maxAge <= 0 {
		return next
	}
	cacheControl := "public, max-age=" + strconv.Itoa(int(maxAge/time.Second))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet || !access.ViewerFrom(r.Context()).Anonymous() {
			next.ServeHTTP(w, r)
			return
		}
		a := &publicAnswer{}
		buf := &bufferedAnswer{header: w.Header(), status: http.StatusOK}
		next.ServeHTTP(buf, r.WithContext(context.WithValue(r.Context(), publicAnswerKey{}, a)))
		if !a.public || buf.status != http.StatusOK {
			w.WriteHeader(buf.status)
			w.Write(buf.body.Bytes())
			return
		}
		sum := sha256.Sum256(buf.body.Bytes())
		etag := `"` + hex.EncodeToString(sum[:]) + `"`
		h := w.Header()
		h.Set("Cache-Control", cacheControl)
		h.Set("ETag", etag)
		// The answer differs with the media type asked for, and signed-in callers get their own.
		h.Add("Vary", "Accept, Authorization")
		if etagMatches(r.Header.Get("If-None-Match"), etag) {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.WriteHeader(http.StatusOK)
		w.Write(buf.body.Bytes())
	})
}

// etagMatches reports whether an If-None-Match header holds etag (weak comparison, as the
// header asks) or is "*".
func etagMatches(header, etag string) bool {
	for tag := range strings.SplitSeq(header, ",") {
		tag = strings.TrimSpace(tag)
		if tag == "*" || strings.TrimPrefix(tag, "W/") == etag {
			return true
		}
	}
	return false
}

// bufferedAnswer holds a response until its whole body is known.
type bufferedAnswer struct {
	header  http.Header
	status  int
	started bool
	body    bytes.Buffer
}

func (b *bufferedAnswer) Header() http.Header { return b.header }

func (b *bufferedAnswer) WriteHeader(status int) {
	if !b.started {
		b.started, b.status = true, status
	}
}

func (b *bufferedAnswer) Write(p []byte) (int, error) {
	b.started = true
	return b.body.Write(p)
}

// mayBePublic reports whether the answer of the request ctx belongs to may be kept by shared
// caches (markPublic decides it once the answer is known): its body must then carry nothing
// particular to one caller, such as what is left of their rate-limit budget.
func mayBePublic(ctx context.Context) bool {
	if _, watched := ctx.Value(publicAnswerKey{}).(*publicAnswer); !watched || !graphql.HasOperationContext(ctx) {
		return false
	}
	return extension.GetApqStats(ctx) != nil || trusted(graphql.GetOperationContext(ctx))
}
