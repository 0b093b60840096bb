package app

import (
	"context"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/graph"
	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/session"
)

// Services are the domain services over one database.
type Services struct {
	Regions  *region.Store
	Accounts *account.Service
	Grants   *grant.Service
	Sessions *session.Service
	Audit    *audit.Store
}

// NewServices builds every service over db.
func NewServices(db *sqlx.DB, cfg config.Config, log *slog.Logger) *Services {
	accounts := &account.Service{DB: db}
	grants := &grant.Service{DB: db}
	return &Services{
		Regions:  region.NewStore(db),
		Accounts: accounts,
		Grants:   grants,
		Sessions: session.New(db, accounts, grants, cfg.Auth, log),
		Audit:    &audit.Store{DB: db},
	}
}

// GraphQLHandler is the /graphql endpoint with everything in front of it:
// the body limit, authentication, and per-request loaders.
func GraphQLHandler(s *Services, cfg config.Config) http.Handler {
	r := &graph.Resolver{Svc: graph.Services{
		Regions: s.Regions, Accounts: s.Accounts, Grants: s.Grants, Sessions: s.Sessions, Audit: s.Audit,
	}}
	wsInit := func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, err := s.Sessions.WebsocketInit(ctx, p)
		return ctx, nil, err
	}
	gql := graph.NewHandler(r, cfg.Limits, wsInit)
	stores := loader.Stores{Regions: s.Regions, Accounts: s.Accounts, Grants: s.Grants}
	return graph.LimitBody(cfg.Limits.MaxBodyBytes, s.Sessions.Middleware(loader.Middleware(stores, gql)))
}
