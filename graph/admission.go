package graph

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tailorhq/tailor/internal/apperr"
)

// admission lets at most max requests work at once, so that when the database's pool is
// exhausted requests queue here, each for at most wait, instead of waiting for a connection
// until their own deadline: one that waits longer answers 503 with Retry-After and
// RATE_LIMITED (slow down), having done nothing. A max of 0 admits everyone.
func admission(max int, wait time.Duration, next http.Handler) http.Handler {
	if max <= 0 {
		return next
	}
	slots := make(chan struct{}, max)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case slots <- struct{}{}:
		default:
			t := time.NewTimer(wait)
			defer t.Stop()
			select {
			case slots <- struct{}{}:
			case <-t.C:
				busy(w, max, wait)
				return
			case <-r.Context().Done():
				return
			}
		}
		defer func() { <-slots }()
		next.ServeHTTP(w, r)
	})
}

// busy refuses a request the server had no room for within the queue's wait.
func busy(w http.ResponseWriter, max int, wait time.Duration) {
	w.Header().Set("Retry-After", strconv.Itoa(1))
	writeError(w, http.StatusServiceUnavailable, apperr.RateLimited,
		fmt.Sprintf("the server is busy: %d requests are using the database and yours waited %s for its turn; retry in a second", max, wait))
}
