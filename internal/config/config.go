// Package config reads kimhub's settings from environment variables.
//
// Every variable has a default that suits a developer's machine (the services
// that `make run` starts). A value that does not parse stops start-up with an
// error naming the variable.
package config

import (
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Config is the whole of kimhub's configuration.
type Config struct {
	Addr           string
	DatabaseURL    string
	DBMaxOpenConns int
	// DBStatementCache is how many prepared statements each connection
	// keeps (0: none).
	DBStatementCache int
	// DBPlanCacheMode is PostgreSQL's plan_cache_mode for those cached
	// statements' sessions.
	DBPlanCacheMode string
	MigrateOnStart  bool
	ShutdownTimeout time.Duration
	LogLevel        slog.Level
	LogFormat       string // "text" or "json"
	GraphiQL        bool

	S3 S3

	Limits Limits
	Auth   Auth
	Media  Media

	// AspirationAcknowledgeDays and AspirationRespondDays are the working
	// days allowed to acknowledge an aspiration and then to answer it.
	AspirationAcknowledgeDays int
	AspirationRespondDays     int
}

// Media configures uploads and media URLs.
type Media struct {
	MaxImageBytes    int64 // JPEG, PNG, WebP
	MaxDocumentBytes int64 // PDF
	MaxPixels        int64 // width × height of an image
	// PublicURL is the base of public media URLs: the bucket as the world
	// reaches it (a CDN or the S3 endpoint).
	PublicURL       string
	URLTTL          time.Duration // presigned downloads and uploads
	PendingTTL      time.Duration // a direct upload not confirmed by then is dropped
	JanitorInterval time.Duration // 0: no periodic janitor in `serve`
}

// Auth configures sign-in and sessions.
type Auth struct {
	// TokenSecret signs access tokens (HMAC-SHA256). Empty means a random
	// secret per process: fine for one developer instance, wrong for
	// several behind a load balancer.
	TokenSecret      string
	AccessTokenTTL   time.Duration
	RefreshTokenTTL  time.Duration
	SessionMaxAge    time.Duration // a session ends this long after its login, refreshed or not
	LoginMaxFailures int           // failed logins per account per window
	LoginMaxPerIP    int           // login attempts per client address per window
	LoginWindow      time.Duration // the rate-limit window
	SignUpMaxPerIP   int           // sign-ups per client address per window
	// RefreshReuseGrace is how long a spent refresh token may be presented
	// again (a retry after a dropped answer) before it counts as stolen.
	RefreshReuseGrace time.Duration
	// TrustProxy takes the client address from X-Forwarded-For (set it only
	// behind a proxy that overwrites that header).
	TrustProxy bool
}

// S3 locates the media bucket.
type S3 struct {
	Endpoint  string // host:port
	AccessKey string
	SecretKey string
	Bucket    string
	Region    string
	UseSSL    bool
}

// Limits bound what one request may cost.
type Limits struct {
	MaxBodyBytes   int64
	MaxDepth       int
	MaxComplexity  int
	MaxTokens      int
	QueryCacheSize int
}

// Var documents one environment variable.
type Var struct {
	Name, Default, Help string
}

// Vars lists every variable kimhub reads, with its default; the README's
// configuration table is held against it by a test.
var Vars = []Var{
	{"KIMHUB_ADDR", "127.0.0.1:8080", "address the HTTP server listens on"},
	{"DATABASE_URL", "postgres://kimhub:kimhub@127.0.0.1:5432/kimhub?sslmode=disable", "PostgreSQL connection URL"},
	{"KIMHUB_DB_MAX_OPEN_CONNS", "20", "most open connections to PostgreSQL"},
	{"KIMHUB_DB_STATEMENT_CACHE", "256", "prepared statements each PostgreSQL connection keeps for reuse (0: none)"},
	{"KIMHUB_DB_PLAN_CACHE_MODE", "force_generic_plan", "PostgreSQL's plan_cache_mode on kimhub's connections, set when the statement cache is on: force_generic_plan plans a cached statement once per connection; auto lets PostgreSQL re-plan for each execution's values"},
	{"KIMHUB_MIGRATE_ON_START", "true", "apply pending migrations when `serve` starts"},
	{"KIMHUB_SHUTDOWN_TIMEOUT", "15s", "how long SIGINT/SIGTERM waits for in-flight requests"},
	{"KIMHUB_LOG_LEVEL", "info", "debug, info, warn or error"},
	{"KIMHUB_LOG_FORMAT", "text", "text or json"},
	{"KIMHUB_GRAPHIQL", "true", "serve GraphiQL at /"},
	{"S3_ENDPOINT", "127.0.0.1:9000", "host:port of the S3-compatible storage"},
	{"S3_ACCESS_KEY", "kimhub", "S3 access key"},
	{"S3_SECRET_KEY", "kimhub-secret", "S3 secret key"},
	{"S3_BUCKET", "kimhub-media", "bucket for media; created at start-up if absent"},
	{"S3_REGION", "us-east-1", "S3 region"},
	{"S3_USE_SSL", "false", "use HTTPS to reach S3"},
	{"KIMHUB_MAX_BODY_BYTES", "1048576", "largest GraphQL request body, in bytes"},
	{"KIMHUB_MAX_QUERY_DEPTH", "12", "deepest selection nesting a query may have"},
	{"KIMHUB_MAX_QUERY_COMPLEXITY", "20000", "highest complexity score a query may have (lists count by their page size)"},
	{"KIMHUB_MAX_QUERY_TOKENS", "15000", "most lexical tokens a query document may have"},
	{"KIMHUB_QUERY_CACHE_SIZE", "1000", "parsed query documents kept in the LRU cache"},
	{"KIMHUB_MEDIA_MAX_IMAGE_BYTES", "10485760", "largest JPEG, PNG or WebP image, in bytes (10 MiB)"},
	{"KIMHUB_MEDIA_MAX_DOCUMENT_BYTES", "20971520", "largest PDF document, in bytes (20 MiB)"},
	{"KIMHUB_MEDIA_MAX_PIXELS", "40000000", "most pixels (width × height) of an image; more is refused as a decompression bomb"},
	{"KIMHUB_MEDIA_PUBLIC_URL", "http://<S3_ENDPOINT>/<S3_BUCKET>", "base URL of public media (a CDN, or the bucket as clients reach it)"},
	{"KIMHUB_MEDIA_URL_TTL", "10m", "lifetime of presigned download and upload URLs"},
	{"KIMHUB_MEDIA_PENDING_TTL", "24h", "a direct upload not confirmed within this is dropped by the janitor"},
	{"KIMHUB_JANITOR_INTERVAL", "1h", "how often `serve` runs the media janitor; 0 never"},
	{"KIMHUB_TOKEN_SECRET", "(random per process)", "secret (at least 32 characters) that signs access tokens; set the same one on every instance"},
	{"KIMHUB_ACCESS_TOKEN_TTL", "15m", "lifetime of an access token"},
	{"KIMHUB_REFRESH_TOKEN_TTL", "720h", "a session ends after this long without a refresh"},
	{"KIMHUB_SESSION_MAX_AGE", "2160h", "a session ends this long after its login, however often it is refreshed"},
	{"KIMHUB_LOGIN_MAX_FAILURES", "5", "failed logins per account per window before RATE_LIMITED"},
	{"KIMHUB_LOGIN_MAX_PER_IP", "30", "login attempts per client address per window before RATE_LIMITED"},
	{"KIMHUB_LOGIN_WINDOW", "15m", "the login and sign-up rate-limit window"},
	{"KIMHUB_SIGNUP_MAX_PER_IP", "20", "sign-ups per client address per window before RATE_LIMITED"},
	{"KIMHUB_REFRESH_REUSE_GRACE", "30s", "a spent refresh token presented again within this is a retry, after it a theft that ends the session"},
	{"KIMHUB_ASPIRATION_ACKNOWLEDGE_DAYS", "3", "working days (weekends skipped) to acknowledge an aspiration, after SP4N-LAPOR!"},
	{"KIMHUB_ASPIRATION_RESPOND_DAYS", "5", "working days after acknowledgement to answer an aspiration"},
	{"KIMHUB_TRUST_PROXY", "false", "take the client address from X-Forwarded-For (only behind a proxy that sets it)"},
}

// Load reads the configuration through getenv (os.Getenv in production).
func Load(getenv func(string) string) (Config, error) {
	p := parser{getenv: getenv}
	c := Config{
		Addr:             p.addr("KIMHUB_ADDR", "127.0.0.1:8080"),
		DatabaseURL:      p.dbURL("DATABASE_URL"),
		DBMaxOpenConns:   p.intRange("KIMHUB_DB_MAX_OPEN_CONNS", 1, 1000),
		DBStatementCache: p.intRange("KIMHUB_DB_STATEMENT_CACHE", 0, 100_000),
		DBPlanCacheMode:  p.oneOf("KIMHUB_DB_PLAN_CACHE_MODE", "force_generic_plan", "auto", "force_custom_plan"),
		MigrateOnStart:   p.bool("KIMHUB_MIGRATE_ON_START"),
		ShutdownTimeout:  p.duration("KIMHUB_SHUTDOWN_TIMEOUT"),
		LogLevel:         p.level("KIMHUB_LOG_LEVEL"),
		LogFormat:        p.oneOf("KIMHUB_LOG_FORMAT", "text", "json"),
		GraphiQL:         p.bool("KIMHUB_GRAPHIQL"),
		S3: S3{
			Endpoint:  p.addr("S3_ENDPOINT", "127.0.0.1:9000"),
			AccessKey: p.nonEmpty("S3_ACCESS_KEY"),
			SecretKey: p.nonEmpty("S3_SECRET_KEY"),
			Bucket:    p.bucket("S3_BUCKET"),
			Region:    p.nonEmpty("S3_REGION"),
			UseSSL:    p.bool("S3_USE_SSL"),
		},
		Limits: Limits{
			MaxBodyBytes:   int64(p.intRange("KIMHUB_MAX_BODY_BYTES", 1024, 1<<30)),
			MaxDepth:       p.intRange("KIMHUB_MAX_QUERY_DEPTH", 2, 100),
			MaxComplexity:  p.intRange("KIMHUB_MAX_QUERY_COMPLEXITY", 10, 10_000_000),
			MaxTokens:      p.intRange("KIMHUB_MAX_QUERY_TOKENS", 100, 1_000_000),
			QueryCacheSize: p.intRange("KIMHUB_QUERY_CACHE_SIZE", 1, 1_000_000),
		},
		AspirationAcknowledgeDays: p.intRange("KIMHUB_ASPIRATION_ACKNOWLEDGE_DAYS", 1, 60),
		AspirationRespondDays:     p.intRange("KIMHUB_ASPIRATION_RESPOND_DAYS", 1, 60),
		Media: Media{
			MaxImageBytes:    int64(p.intRange("KIMHUB_MEDIA_MAX_IMAGE_BYTES", 1024, 1<<31)),
			MaxDocumentBytes: int64(p.intRange("KIMHUB_MEDIA_MAX_DOCUMENT_BYTES", 1024, 1<<34)),
			MaxPixels:        int64(p.intRange("KIMHUB_MEDIA_MAX_PIXELS", 1, 1<<30)),
			URLTTL:           p.duration("KIMHUB_MEDIA_URL_TTL"),
			PendingTTL:       p.duration("KIMHUB_MEDIA_PENDING_TTL"),
			JanitorInterval:  p.durationOrZero("KIMHUB_JANITOR_INTERVAL"),
		},
		Auth: Auth{
			TokenSecret:       p.secret("KIMHUB_TOKEN_SECRET"),
			AccessTokenTTL:    p.duration("KIMHUB_ACCESS_TOKEN_TTL"),
			RefreshTokenTTL:   p.duration("KIMHUB_REFRESH_TOKEN_TTL"),
			SessionMaxAge:     p.duration("KIMHUB_SESSION_MAX_AGE"),
			LoginMaxFailures:  p.intRange("KIMHUB_LOGIN_MAX_FAILURES", 1, 1000),
			LoginMaxPerIP:     p.intRange("KIMHUB_LOGIN_MAX_PER_IP", 1, 100000),
			LoginWindow:       p.duration("KIMHUB_LOGIN_WINDOW"),
			SignUpMaxPerIP:    p.intRange("KIMHUB_SIGNUP_MAX_PER_IP", 1, 100000),
			RefreshReuseGrace: p.durationOrZero("KIMHUB_REFRESH_REUSE_GRACE"),
			TrustProxy:        p.bool("KIMHUB_TRUST_PROXY"),
		},
	}
	c.Media.PublicURL = p.publicURL("KIMHUB_MEDIA_PUBLIC_URL", c.S3)
	return c, p.err
}

type parser struct {
	getenv func(string) string
	err    error
}

// get returns the variable's value, or its documented default.
func (p *parser) get(name string) string {
	if v := strings.TrimSpace(p.getenv(name)); v != "" {
		return v
	}
	for _, v := range Vars {
		if v.Name == name {
			return v.Default
		}
	}
	panic("config: undocumented variable " + name)
}

func (p *parser) fail(name, value, why string) {
	if p.err == nil {
		p.err = fmt.Errorf("invalid %s=%q: %s", name, value, why)
	}
}

func (p *parser) nonEmpty(name string) string { return p.get(name) }

// secret returns a secret's value, "" when unset; a set one must be long
// enough. The value never appears in an error.
func (p *parser) secret(name string) string {
	v := p.getenv(name)
	if v != "" && len(v) < 32 {
		p.fail(name, "(hidden)", "a secret needs at least 32 characters")
	}
	return v
}

func (p *parser) addr(name, example string) string {
	v := p.get(name)
	if _, port, err := net.SplitHostPort(v); err != nil {
		p.fail(name, v, "want host:port without a scheme, e.g. "+example)
	} else if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		p.fail(name, v, "the port must be a number from 0 to 65535")
	}
	return v
}

func (p *parser) dbURL(name string) string {
	v := p.get(name)
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		p.fail(name, redact(v), "want a URL such as postgres://user:password@host:5432/db?sslmode=disable")
	}
	return v
}

func (p *parser) intRange(name string, lo, hi int) int {
	v := p.get(name)
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		p.fail(name, v, fmt.Sprintf("want a whole number from %d to %d", lo, hi))
	}
	return n
}

func (p *parser) bool(name string) bool {
	v := p.get(name)
	b, err := strconv.ParseBool(v)
	if err != nil {
		p.fail(name, v, "want true or false")
	}
	return b
}

func (p *parser) duration(name string) time.Duration {
	v := p.get(name)
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		p.fail(name, v, "want a positive duration such as 15s or 1m")
	}
	return d
}

func (p *parser) durationOrZero(name string) time.Duration {
	v := p.get(name)
	if v == "0" {
		return 0
	}
	return p.duration(name)
}

// publicURL is the variable's value, or the bucket's URL on the S3 endpoint.
func (p *parser) publicURL(name string, s3 S3) string {
	v := strings.TrimSpace(p.getenv(name))
	if v == "" {
		scheme := "http"
		if s3.UseSSL {
			scheme = "https"
		}
		return scheme + "://" + s3.Endpoint + "/" + s3.Bucket
	}
	if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		p.fail(name, v, "want an http(s) URL such as https://media.example.id/kimhub-media")
	}
	return strings.TrimRight(v, "/")
}

func (p *parser) level(name string) slog.Level {
	v := p.get(name)
	var l slog.Level
	if err := l.UnmarshalText([]byte(v)); err != nil {
		p.fail(name, v, "want debug, info, warn or error")
	}
	return l
}

func (p *parser) oneOf(name string, allowed ...string) string {
	v := p.get(name)
	for _, a := range allowed {
		if v == a {
			return v
		}
	}
	p.fail(name, v, "want one of "+strings.Join(allowed, ", "))
	return v
}

func (p *parser) bucket(name string) string {
	v := p.get(name)
	ok := len(v) >= 3 && len(v) <= 63
	for i, r := range v {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || (r == '-' || r == '.') && i > 0 && i < len(v)-1) {
			ok = false
		}
	}
	if !ok {
		p.fail(name, v, "want a bucket name of 3-63 lowercase letters, digits, dots or hyphens")
	}
	return v
}

// redact hides the password of a connection URL, for error messages.
func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return "(hidden: it may hold a password)"
	}
	if _, has := u.User.Password(); has {
		u.User = url.UserPassword(u.User.Username(), "xxxxx")
	}
	return u.String()
}
