package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/jmoiron/sqlx"

	"github.com/kimhub/kimhub/graph"
	"github.com/kimhub/kimhub/graph/loader"
	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/account"
	"github.com/kimhub/kimhub/internal/aspiration"
	"github.com/kimhub/kimhub/internal/audit"
	"github.com/kimhub/kimhub/internal/community"
	"github.com/kimhub/kimhub/internal/config"
	"github.com/kimhub/kimhub/internal/dissemination"
	"github.com/kimhub/kimhub/internal/grant"
	"github.com/kimhub/kimhub/internal/media"
	"github.com/kimhub/kimhub/internal/notify"
	"github.com/kimhub/kimhub/internal/program"
	"github.com/kimhub/kimhub/internal/publishing"
	"github.com/kimhub/kimhub/internal/ratelimit"
	"github.com/kimhub/kimhub/internal/region"
	"github.com/kimhub/kimhub/internal/session"
	"github.com/kimhub/kimhub/internal/stats"
	"github.com/kimhub/kimhub/internal/storage"
)

// Services are the domain services over one database.
type Services struct {
	Regions        *region.Store
	Accounts       *account.Service
	Grants         *grant.Service
	Sessions       *session.Service
	Audit          *audit.Store
	Media          *media.Service
	Communities    *community.Service
	Notifications  *notify.Store
	Posts          *publishing.Service
	Programs       *program.Service
	Disseminations *dissemination.Service
	Aspirations    *aspiration.Service
	Stats          *stats.Service
	// Views records post views in the background; set by serve (nil: not
	// counted).
	Views *publishing.ViewRecorder
}

// NewServices builds every service over db and the media bucket.
func NewServices(db *sqlx.DB, store *storage.Store, cfg config.Config, log *slog.Logger) *Services {
	accounts := &account.Service{DB: db, Limiter: &ratelimit.Limiter{DB: db},
		SignUpLimit: ratelimit.Limit{Max: cfg.Auth.SignUpMaxPerIP, Window: cfg.Auth.LoginWindow}}
	grants := &grant.Service{DB: db}
	communities := &community.Service{DB: db}
	m := media.NewService(db, store, cfg.Media)
	m.CommunityRole = communities.RoleOf // a community's CHAIR reads its private assets
	return &Services{
		Regions:        region.NewStore(db),
		Accounts:       accounts,
		Grants:         grants,
		Sessions:       session.New(db, accounts, cfg.Auth, log),
		Audit:          &audit.Store{DB: db},
		Media:          m,
		Communities:    communities,
		Notifications:  &notify.Store{DB: db},
		Posts:          &publishing.Service{DB: db},
		Programs:       &program.Service{DB: db},
		Disseminations: &dissemination.Service{DB: db},
		Aspirations: &aspiration.Service{DB: db, Assets: m, Levels: aspiration.ServiceLevels{
			AcknowledgeDays: cfg.AspirationAcknowledgeDays, RespondDays: cfg.AspirationRespondDays}},
		Stats: &stats.Service{DB: db},
	}
}

// OpenStorage reaches the media bucket, creating it if absent and letting
// anyone read its public prefix.
func OpenStorage(ctx context.Context, cfg config.Config) (*storage.Store, error) {
	st, err := storage.Open(cfg.S3)
	if err == nil {
		err = st.EnsureBucket(ctx)
	}
	if err == nil {
		err = st.SetPublicPrefix(ctx, media.PublicPrefix)
	}
	if err != nil {
		return nil, fmt.Errorf("media storage at S3_ENDPOINT=%s, bucket S3_BUCKET=%s (check S3_ACCESS_KEY and S3_SECRET_KEY too): %w",
			cfg.S3.Endpoint, cfg.S3.Bucket, err)
	}
	return st, nil
}

// GraphQLHandler is the /graphql endpoint with everything in front of it:
// the body limit, authentication, and per-request loaders.
func GraphQLHandler(s *Services, cfg config.Config) http.Handler {
	r := &graph.Resolver{Views: s.Views, Svc: graph.Services{
		Regions: s.Regions, Accounts: s.Accounts, Grants: s.Grants, Sessions: s.Sessions, Audit: s.Audit, Media: s.Media,
		Communities: s.Communities, Notifications: s.Notifications, Posts: s.Posts, Programs: s.Programs,
		Disseminations: s.Disseminations, Aspirations: s.Aspirations, Stats: s.Stats,
	}}
	wsInit := func(ctx context.Context, p transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		ctx, err := s.Sessions.WebsocketInit(ctx, p)
		return ctx, nil, err
	}
	stores := s.LoaderStores()
	perOp := func(ctx context.Context) (context.Context, error) {
		if !session.IsWebSocket(ctx) {
			return ctx, nil // HTTP: authenticated and given loaders per request
		}
		ctx, err := s.Sessions.PerOperation(ctx)
		return loader.With(ctx, loader.New(stores)), err
	}
	gql := graph.NewHandler(r, cfg, wsInit, perOp)
	return graph.LimitBody(cfg, s.Sessions.Middleware(uploadsNeedAccount(loader.Middleware(stores, gql))))
}

// uploadsNeedAccount refuses a multipart upload from an anonymous caller
// before gqlgen spools its file to disk.
func uploadsNeedAccount(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/") {
			if err := access.Check(access.ActorFrom(r.Context()), access.UploadMedia, access.Resource{}); err != nil {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusUnauthorized)
				_, _ = w.Write([]byte(`{"errors":[{"message":"sign in to upload","extensions":{"code":"UNAUTHENTICATED"}}]}`))
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

// LoaderStores are the services the per-request loaders read from.
func (s *Services) LoaderStores() loader.Stores {
	return loader.Stores{Regions: s.Regions, Accounts: s.Accounts, Grants: s.Grants, Media: s.Media, Communities: s.Communities,
		Posts: s.Posts, Programs: s.Programs, Disseminations: s.Disseminations, Aspirations: s.Aspirations, Stats: s.Stats}
}
