package session

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"strings"

	"github.com/kimhub/kimhub/internal/access"
	"github.com/kimhub/kimhub/internal/apperr"
	"github.com/kimhub/kimhub/internal/reqlog"
)

// Middleware puts the request's client and actor in its context. A request
// without an Authorization header is anonymous; one with a bad or expired
// token is refused with 401 and UNAUTHENTICATED, so that the client knows
// to refresh rather than silently seeing less.
func (s *Service) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx := reqlog.WithClient(r.Context(), reqlog.Client{IP: s.clientIP(r), UserAgent: r.UserAgent()})
		actor := access.Anonymous
		if h := r.Header.Get("Authorization"); h != "" {
			token, ok := bearer(h)
			var err error
			if !ok {
				err = apperr.New(apperr.Unauthenticated, "the Authorization header must be \"Bearer <access token>\"")
			} else {
				actor, err = s.Authenticate(ctx, token)
			}
			if err != nil {
				// Logged as graph's error presenter logs a field's
				// error: a fault always, an unavailable database only
				// while the request lasts (one that ended, its client
				// gone, is not a fault, and under a load that clients
				// give up on it was a line a request).
				switch {
				case apperr.Is(err, apperr.Unauthenticated):
				case apperr.Is(err, apperr.Unavailable):
					if ctx.Err() == nil {
						reqlog.Logger(ctx).WarnContext(ctx, "authenticate", "err", err)
					}
				default:
					reqlog.Logger(ctx).ErrorContext(ctx, "authenticate", "err", err)
				}
				writeError(w, err)
				return
			}
		}
		next.ServeHTTP(w, r.WithContext(access.WithActor(ctx, actor)))
	})
}

// WebsocketInit authenticates a WebSocket connection from its
// connection_init payload: {"Authorization": "Bearer <token>"} (or
// "authorization", or "authToken" with the bare token).
func (s *Service) WebsocketInit(ctx context.Context, payload map[string]any) (context.Context, error) {
	var token string
	for _, k := range []string{"Authorization", "authorization"} {
		if v, ok := payload[k].(string); ok {
			t, ok := bearer(v)
			if !ok {
				return ctx, apperr.New(apperr.Unauthenticated, "the Authorization value must be \"Bearer <access token>\"")
			}
			token = t
		}
	}
	if v, ok := payload["authToken"].(string); ok && token == "" {
		token = v
	}
	ctx = context.WithValue(ctx, wsKey{}, wsConn{token: token})
	return s.PerOperation(ctx)
}

type wsKey struct{}

// wsConn marks a WebSocket connection's context, with its access token.
type wsConn struct{ token string }

// IsWebSocket reports whether ctx is a WebSocket connection's.
func IsWebSocket(ctx context.Context) bool {
	_, ok := ctx.Value(wsKey{}).(wsConn)
	return ok
}

// PerOperation re-authenticates each operation of a WebSocket connection
// from the token it opened with, so that logging out, disabling the account,
// a revoked grant or the token's expiry take effect on a connection that is
// already open, as they do on HTTP. Outside a WebSocket it changes nothing:
// HTTP requests are authenticated by Middleware.
func (s *Service) PerOperation(ctx context.Context) (context.Context, error) {
	c, ok := ctx.Value(wsKey{}).(wsConn)
	if !ok {
		return ctx, nil
	}
	if c.token == "" {
		return access.WithActor(ctx, access.Anonymous), nil
	}
	actor, err := s.Authenticate(ctx, c.token)
	if err != nil {
		return ctx, err
	}
	return access.WithActor(ctx, actor), nil
}

func bearer(h string) (string, bool) {
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", false
	}
	return strings.TrimSpace(token), true
}

// clientIP is the peer's address, or with TrustProxy the last address of
// X-Forwarded-For: the one our proxy appended. Earlier entries are whatever
// the client claimed, and must not choose its rate-limit bucket.
func (s *Service) clientIP(r *http.Request) string {
	if s.cfg.TrustProxy {
		if xff := r.Header.Values("X-Forwarded-For"); len(xff) > 0 {
			hops := strings.Split(xff[len(xff)-1], ",")
			if ip := net.ParseIP(strings.TrimSpace(hops[len(hops)-1])); ip != nil {
				return ip.String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func writeError(w http.ResponseWriter, err error) {
	e, ok := apperr.As(err)
	if !ok || e.Code == apperr.Internal {
		e = apperr.New(apperr.Unavailable, "could not check the access token; try again")
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("WWW-Authenticate", `Bearer realm="kimhub"`)
	status := http.StatusUnauthorized
	if e.Code != apperr.Unauthenticated {
		status = http.StatusServiceUnavailable
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"errors": []map[string]any{{"message": e.Message, "extensions": map[string]any{"code": string(e.Code)}}},
	})
}
