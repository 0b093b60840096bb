package graph

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
)

// NewHandler builds the GraphQL endpoint explicitly: its transports, query
// cache, cost limits, error presenter and panic recovery. Loaders must be put
// in each request's context by loader.Middleware in front of it, and the
// actor by session.Middleware.
//
// wsInit authenticates a WebSocket connection from its connection_init
// payload (nil: every connection is anonymous).
func NewHandler(r *Resolver, limits config.Limits, wsInit transport.WebsocketInitFunc) *handler.Server {
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: complexity()}))

	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 15 * time.Second, InitFunc: wsInit})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})

	srv.SetQueryCache(lru.New[*ast.QueryDocument](limits.QueryCacheSize))
	srv.SetParserTokenLimit(limits.MaxTokens)
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](limits.QueryCacheSize)})
	srv.Use(depthLimit{max: limits.MaxDepth})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))

	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	return srv
}

// LimitBody refuses request bodies larger than max with 413 before any of it
// is parsed, and a POST that is not JSON with 415, both in the GraphQL error
// shape with extensions.code.
func LimitBody(max int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > max {
			writeError(w, http.StatusRequestEntityTooLarge, apperr.TooLarge,
				fmt.Sprintf("the request body is larger than the limit of %d bytes", max))
			return
		}
		if r.Method == http.MethodPost {
			mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
			if mt != "application/json" {
				writeError(w, http.StatusUnsupportedMediaType, apperr.BadUserInput,
					`send GraphQL requests as POST with Content-Type: application/json and a body {"query": "..."}`)
				return
			}
		}
		r.Body = http.MaxBytesReader(w, r.Body, max)
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, status int, code apperr.Code, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": msg, "extensions": map[string]any{"code": string(code)}}},
	})
}
