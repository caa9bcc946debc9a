package graph

import (
	"net/http"
	"slices"

	"github.com/rs/cors"
)

// corsPreflightAge is how long, in seconds, a browser may keep a preflight's answer.
const corsPreflightAge = 600

// withCORS lets pages from origins call next from a browser: exact origins with credentials,
// or every origin ("*") without them. It answers preflights itself, before any request check.
// With no origins, no cross-origin call is allowed and next is returned as it is.
func withCORS(origins []string, next http.Handler) http.Handler {
	if len(origins) == 0 {
		// rs/cors reads an empty list as "every origin".
		return next
	}
	return cors.New(cors.Options{
		AllowedOrigins:   origins,
		AllowedMethods:   []string{http.MethodGet, http.MethodPost, http.MethodOptions},
		AllowedHeaders:   []string{"Content-Type", "Authorization", "Accept"},
		MaxAge:           corsPreflightAge,
		AllowCredentials: !slices.Contains(origins, "*"),
	}).Handler(next)
}
