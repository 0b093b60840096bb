package graph

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/config"
)

// NewHandler builds the GraphQL endpoint explicitly: its transports, query
// cache, cost limits, error presenter and panic recovery. Loaders must be put
// in each request's context by loader.Middleware in front of it, and the
// actor by session.Middleware.
//
// wsInit authenticates a WebSocket connection from its connection_init
// payload (nil: every connection is anonymous); perOp, if set, prepares
// each operation's context (a WebSocket's operations are re-authenticated
// and get fresh loaders there) and may refuse it.
func NewHandler(r *Resolver, cfg config.Config, wsInit transport.WebsocketInitFunc, perOp func(context.Context) (context.Context, error)) *handler.Server {
	limits := cfg.Limits
	srv := handler.New(NewExecutableSchema(Config{Resolvers: r, Complexity: complexity()}))

	srv.AddTransport(transport.Websocket{KeepAlivePingInterval: 15 * time.Second, InitFunc: wsInit})
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(jsonPOST{})
	// The multipart request of uploadMedia: a part past MaxMemory is
	// spooled to a temporary file before the resolver runs, so memory stays
	// bounded whatever the file's size.
	srv.AddTransport(transport.MultipartForm{MaxUploadSize: MaxUploadBody(cfg), MaxMemory: 4 << 20})

	srv.SetValidationRulesFn(validationRules)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](limits.QueryCacheSize))
	srv.SetParserTokenLimit(limits.MaxTokens)
	// No field middleware (AroundFields, InterceptField): plain scalar
	// fields are marshalled without it (graph/internal/trimgen).
	srv.Use(extension.Introspection{})
	srv.Use(extension.AutomaticPersistedQuery{Cache: lru.New[string](limits.QueryCacheSize)})
	srv.Use(depthLimit{max: limits.MaxDepth, maxFields: maxExpandedFields})
	srv.Use(extension.FixedComplexityLimit(limits.MaxComplexity))

	srv.SetErrorPresenter(presentError)
	srv.SetRecoverFunc(recoverPanic)
	if perOp != nil {
		srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
			ctx, err := perOp(ctx)
			if err != nil {
				return graphql.OneShot(&graphql.Response{Errors: gqlerror.List{presentError(ctx, err)}})
			}
			return next(ctx)
		})
	}
	return srv
}

// maxExpandedFields bounds the fields of an operation with its fragments
// expanded; the complexity limit (which also weighs lists) comes after.
const maxExpandedFields = 5000

// MaxUploadBody is the largest multipart request: the largest file a
// GraphQL upload may carry, and room for the operation beside it.
func MaxUploadBody(cfg config.Config) int64 {
	return max(cfg.Media.MaxImageBytes, cfg.Media.MaxDocumentBytes) + cfg.Limits.MaxBodyBytes
}

// LimitBody refuses request bodies larger than the limit with 413 before any
// of it is read (a JSON request has the body limit; a multipart upload the
// largest file's cap), and a POST that is neither with 415, in the GraphQL
// error shape with extensions.code.
func LimitBody(cfg config.Config, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := cfg.Limits.MaxBodyBytes
		if r.Method == http.MethodPost {
			switch mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt {
			case "application/json":
			case "multipart/form-data":
				limit = MaxUploadBody(cfg)
				// gqlgen keeps an upload of unknown length in memory
				// whole; with a length, it spools one past 4 MiB to disk.
				if r.ContentLength < 0 {
					writeError(w, http.StatusLengthRequired, apperr.BadUserInput,
						"send uploads with a Content-Length header (not chunked)")
					return
				}
			default:
				writeError(w, http.StatusUnsupportedMediaType, apperr.BadUserInput,
					`send GraphQL requests as POST with Content-Type: application/json and a body {"query": "..."}, or as a multipart upload`)
				return
			}
		}
		tooLarge := func() {
			writeError(w, http.StatusRequestEntityTooLarge, apperr.TooLarge,
				fmt.Sprintf("the request body is larger than the limit of %d bytes", limit))
		}
		if r.ContentLength > limit {
			tooLarge()
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, limit)
		if limit == cfg.Limits.MaxBodyBytes && r.Body != http.NoBody {
			// A JSON body (small) is read here, so that one sent without a
			// length (chunked) past the limit gets the same 413.
			body, err := io.ReadAll(r.Body)
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				tooLarge()
				return
			}
			r.Body = io.NopCloser(bytes.NewReader(body))
		}
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
