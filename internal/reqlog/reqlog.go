// Package reqlog carries a request's ID and logger through its context, so
// that every log line of a request (and an INTERNAL error shown to a client)
// names the same request_id.
package reqlog

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"time"
)

type ctxKey struct{}

type state struct {
	id  string
	log *slog.Logger
}

// Header is the header that carries a request ID in and out.
const Header = "X-Request-Id"

// With returns ctx carrying a request ID and a logger that names it.
func With(ctx context.Context, base *slog.Logger, id string) context.Context {
	return context.WithValue(ctx, ctxKey{}, state{id: id, log: base.With("request_id", id)})
}

// ID returns the request's ID, or "" outside a request.
func ID(ctx context.Context) string {
	s, _ := ctx.Value(ctxKey{}).(state)
	return s.id
}

// Logger returns the request's logger, or slog.Default() outside a request.
func Logger(ctx context.Context) *slog.Logger {
	if s, ok := ctx.Value(ctxKey{}).(state); ok {
		return s.log
	}
	return slog.Default()
}

// NewID returns a fresh random request ID.
func NewID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// validID accepts a client's own request ID only when it is short and plain,
// so that it cannot forge log lines.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// Middleware gives each request an ID (the client's X-Request-Id if it is
// plain, else a new one), echoes it in the response, and logs one line per
// request with its status and duration.
func Middleware(base *slog.Logger, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := r.Header.Get(Header)
		if !validID(id) {
			id = NewID()
		}
		w.Header().Set(Header, id)
		ctx := With(r.Context(), base, id)
		rec := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
		start := time.Now()
		next.ServeHTTP(rec, r.WithContext(ctx))
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			return // probes every few seconds would drown the log
		}
		Logger(ctx).LogAttrs(ctx, slog.LevelInfo, "http request",
			slog.String("method", r.Method), slog.String("path", r.URL.Path),
			slog.Int("status", rec.status), slog.Int64("bytes", rec.bytes),
			slog.Duration("took", time.Since(start)))
	})
}

type statusRecorder struct {
	http.ResponseWriter
	status int
	bytes  int64
	wrote  bool
}

func (s *statusRecorder) WriteHeader(code int) {
	if !s.wrote {
		s.status, s.wrote = code, true
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusRecorder) Write(b []byte) (int, error) {
	s.wrote = true
	n, err := s.ResponseWriter.Write(b)
	s.bytes += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the real writer (flushing,
// hijacking for WebSockets).
func (s *statusRecorder) Unwrap() http.ResponseWriter { return s.ResponseWriter }

// Hijack hands the connection over (the WebSocket transport needs it).
func (s *statusRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	s.status, s.wrote = http.StatusSwitchingProtocols, true
	return http.NewResponseController(s.ResponseWriter).Hijack()
}

// Flush sends what was written so far (server-sent events need it).
func (s *statusRecorder) Flush() {
	_ = http.NewResponseController(s.ResponseWriter).Flush()
}

// Client is where a request comes from, for rate limits and session lists.
type Client struct {
	IP        string
	UserAgent string
}

type clientKey struct{}

// WithClient returns ctx carrying c.
func WithClient(ctx context.Context, c Client) context.Context {
	return context.WithValue(ctx, clientKey{}, c)
}

// ClientFrom returns the request's client; an empty Client outside one.
func ClientFrom(ctx context.Context) Client {
	c, _ := ctx.Value(clientKey{}).(Client)
	return c
}
