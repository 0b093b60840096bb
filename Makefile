# kimhub — see README and DESIGN §6 ("Running it").
#
#   make run        bring up PostgreSQL + MinIO, migrate, load demo data, serve
#   make test       bring up the same services, run the whole test suite
#   make bench      the benchmarks behind the README figures
#   make bench-media  upload throughput and server memory, three paths
#   make bench-feed   a regency feed at 1,000,000 posts, page 1 vs page 1000
#   make bench-dash   dashboard queries under load: kimhub vs PostGraphile vs the raw-SQL ceiling
#   make lint       gofmt + go vet
#   make generate   go generate ./...
#   make services   bring up PostgreSQL + MinIO only
#   make stop       stop the MinIO started by scripts/services.sh
#
# Recipes run in bash with -e -u -o pipefail. The services' environment is
# taken from `scripts/services.sh up` (export lines on its stdout) and
# evaluated in the same recipe line as the command that needs it.

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

GO        ?= go
TESTFLAGS ?= -race -count=1
PKG       ?= ./...
BIN       := bin/kimhub
SERVICES  := bash scripts/services.sh

# Evaluate the services' environment; fail the recipe if services.sh fails
# (a bare eval "$(...)" would hide its exit status).
SERVICES_ENV = services_env="$$($(SERVICES) up)"; eval "$$services_env"

# The benchmarks' own database beside the dev one (never the dev data):
# sets bench_url, creating the database kimhub_bench if it is absent.
BENCH_DB = bench_url="$${DATABASE_URL/\/kimhub\?//kimhub_bench?}"; \
	psql "$$DATABASE_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = 'kimhub_bench'" | grep -q 1 || \
		psql "$$DATABASE_URL" -c "CREATE DATABASE kimhub_bench" >/dev/null

.PHONY: help run build test bench bench-media bench-feed bench-dash generate lint check-generate services stop env clean

help:
	@sed -n 's/^#   //p' $(firstword $(MAKEFILE_LIST))

build:
	$(GO) build -o $(BIN) ./cmd/kimhub

run:
	$(SERVICES_ENV); \
	$(GO) build -o $(BIN) ./cmd/kimhub; \
	$(BIN) migrate; \
	$(BIN) demo; \
	exec $(BIN) serve

test:
	$(SERVICES_ENV); \
	$(GO) test $(TESTFLAGS) $(PKG)

# Benchmarks behind the README's figures (national import, start-up).
bench:
	$(SERVICES_ENV); \
	$(GO) test -run XXX -bench . -benchtime 3x ./internal/region ./internal/app ./internal/session

# Upload throughput and server memory: path A, path B, PutObject (docs/benchmarks.md).
bench-media:
	$(SERVICES_ENV); $(BENCH_DB); \
	$(GO) build -o $(BIN) ./cmd/kimhub; \
	DATABASE_URL="$$bench_url" $(GO) run ./cmd/benchmedia -bin $(BIN)

# A regency feed at 1,000,000 posts: page 1 vs page 1000 (docs/benchmarks.md).
# Generates into its own database kimhub_bench once (a few minutes), then reuses it.
bench-feed:
	$(SERVICES_ENV); $(BENCH_DB); \
	DATABASE_URL="$$bench_url" $(GO) run ./cmd/benchfeed

# Dashboard queries under load (docs/benchmarks.md): kimhub in process,
# PostGraphile 4 from bench/postgraphile (npm ci on first use) and pgbench,
# over their own database kimhub_dash, generated once (a few minutes), then
# reused; a full run takes about 40 minutes. DASHFLAGS passes flags, e.g.
# DASHFLAGS='-step 1s -rounds 1' for a run of a few minutes.
DASHFLAGS ?=
bench-dash:
	$(SERVICES_ENV); \
	dash_url="$${DATABASE_URL/\/kimhub\?//kimhub_dash?}"; \
	psql "$$DATABASE_URL" -tAc "SELECT 1 FROM pg_database WHERE datname = 'kimhub_dash'" | grep -q 1 || \
		psql "$$DATABASE_URL" -c "CREATE DATABASE kimhub_dash" >/dev/null; \
	DATABASE_URL="$$dash_url" $(GO) run ./cmd/benchdash $(DASHFLAGS)

generate:
	$(GO) generate ./...

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then \
		echo "gofmt: these files need formatting:" >&2; echo "$$unformatted" >&2; exit 1; \
	fi
	$(GO) vet ./...

# Fails if `go generate` changes any tracked or untracked (not ignored) file.
check-generate:
	@fingerprint() { git ls-files -z --cached --others --exclude-standard \
		| xargs -0 -r sha256sum 2>&1 || true; }; \
	before="$$(fingerprint)"; \
	$(GO) generate ./...; \
	after="$$(fingerprint)"; \
	if [ "$$before" != "$$after" ]; then \
		echo "go generate changed files; run 'make generate' and commit:" >&2; \
		diff <(echo "$$before") <(echo "$$after") >&2 || true; \
		exit 1; \
	fi

services:
	$(SERVICES) up >/dev/null

env:
	@$(SERVICES) env

stop:
	$(SERVICES) stop

clean:
	rm -rf bin coverage.out
