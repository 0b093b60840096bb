// Package server is kimhub's HTTP front: GraphQL at /graphql, GraphiQL at /,
// liveness at /healthz and readiness at /readyz, behind request IDs, request
// logs and panic recovery.
package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/99designs/gqlgen/graphql/playground"

	"github.com/kimhub/kimhub/internal/reqlog"
)

// Check is a readiness probe of one dependency.
type Check struct {
	Name string
	Ping func(ctx context.Context) error
}

// Options are what the HTTP server serves.
type Options struct {
	GraphQL  http.Handler // the /graphql endpoint
	GraphiQL bool         // serve GraphiQL at /
	Ready    []Check      // what /readyz asks
	Log      *slog.Logger
}

// Handler returns the HTTP handler of the whole server.
func Handler(o Options) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/graphql", o.GraphQL)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", readyz(o.Ready))
	if o.GraphiQL {
		gi := playground.Handler("kimhub", "/graphql")
		mux.HandleFunc("GET /{$}", gi.ServeHTTP)
	}
	return reqlog.Middleware(o.Log, recoverPanics(mux))
}

// readyz reports ready only when every dependency answers within a couple of
// seconds; a load balancer sends traffic elsewhere meanwhile.
func readyz(checks []Check) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
		defer cancel()
		status := map[string]string{}
		code := http.StatusOK
		for _, c := range checks {
			if err := c.Ping(ctx); err != nil {
				reqlog.Logger(ctx).WarnContext(ctx, "not ready", "check", c.Name, "err", err)
				status[c.Name] = "unavailable"
				code = http.StatusServiceUnavailable
			} else {
				status[c.Name] = "ok"
			}
		}
		writeJSON(w, code, status)
	}
}

// recoverPanics answers 500 instead of dropping the connection when a
// handler outside GraphQL panics (GraphQL resolvers have their own recovery).
func recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				reqlog.Logger(r.Context()).Error("panic in handler", "panic", p, "stack", string(debug.Stack()))
				writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "internal error", "requestId": reqlog.ID(r.Context())})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
