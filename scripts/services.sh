#!/usr/bin/env bash
# Brings up the local services kimhub needs (PostgreSQL and MinIO) and prints
# the environment for them as shell `export` lines on stdout.
#
#   eval "$(scripts/services.sh up)"   # start what is missing, print exports
#   scripts/services.sh env            # print exports, start nothing
#   scripts/services.sh stop           # stop the MinIO this script started
#
# Only the export lines go to stdout; every progress message goes to stderr.
# Nothing is ever dropped or wiped: a second run reuses what is there.
#
# Environment it honours:
#   DATABASE_URL              use this PostgreSQL, start none (unless it is
#                             the very URL this script prints)
#   KIMHUB_TEST_DATABASE_URL  with DATABASE_URL: tests' maintenance DB
#                             (default: DATABASE_URL with database <name>_test)
#   S3_ENDPOINT (+ S3_ACCESS_KEY S3_SECRET_KEY S3_BUCKET S3_USE_SSL S3_REGION)
#                             use this S3 endpoint, start no MinIO (unless
#                             it is the MinIO this script manages)
#   KIMHUB_CACHE_DIR          where the MinIO binary is built (~/.cache/kimhub)
#   KIMHUB_STATE_DIR          MinIO data, log and pid file (~/.local/share/kimhub)
#   KIMHUB_MINIO_PORT         MinIO S3 port (9000)
#   KIMHUB_MINIO_CONSOLE_PORT MinIO console port (9001)
#   KIMHUB_MINIO_START_TIMEOUT seconds to wait for MinIO to answer (60)
set -euo pipefail

readonly MINIO_MODULE="github.com/minio/minio@v0.0.0-20260212201848-7aac2a2c5b7c"
readonly PG_ROLE=kimhub PG_PASSWORD=kimhub PG_DB=kimhub PG_TEST_DB=kimhub_test
readonly MINIO_USER=kimhub MINIO_PASSWORD=kimhub-secret
readonly MINIO_BUCKET=kimhub-media MINIO_REGION=us-east-1

CACHE_DIR="${KIMHUB_CACHE_DIR:-$HOME/.cache/kimhub}"
STATE_DIR="${KIMHUB_STATE_DIR:-$HOME/.local/share/kimhub}"
MINIO_BIN="$CACHE_DIR/bin/minio"
MINIO_DATA="$STATE_DIR/minio"
MINIO_LOG="$STATE_DIR/minio.log"
MINIO_PID="$STATE_DIR/minio.pid"
MINIO_PORT="${KIMHUB_MINIO_PORT:-9000}"
MINIO_CONSOLE_PORT="${KIMHUB_MINIO_CONSOLE_PORT:-9001}"
MINIO_START_TIMEOUT="${KIMHUB_MINIO_START_TIMEOUT:-60}"
MINIO_HEALTH="http://127.0.0.1:${MINIO_PORT}/minio/health/live"

log() { printf 'services: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

# as_root CMD...: run CMD as root (directly when we are root).
as_root() {
	if [[ $EUID -eq 0 ]]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo -n "$@"
	else
		die "need root for: $*"
	fi
}

# as_postgres CMD...: run CMD as the postgres OS user, from / so that it
# does not complain about a working directory it cannot read.
as_postgres() {
	if [[ $EUID -eq 0 ]]; then
		(cd / && runuser -u postgres -- "$@")
	else
		(cd / && sudo -n -u postgres -- "$@")
	fi
}

# close_extra_fds: in a subshell about to start a daemon, close every file
# descriptor above 2 it inherited (pipes of whoever called us included), so
# that the daemon holds none of them open after we are gone.
close_extra_fds() {
	local f fd
	for f in "/proc/$BASHPID/fd"/*; do
		fd=${f##*/}
		if [[ $fd =~ ^[0-9]+$ ]] && ((fd > 2 && fd != 255)); then
			eval "exec $fd>&-" 2>/dev/null || true
		fi
	done
}

APT_UPDATED=0
apt_install() {
	if [[ $APT_UPDATED -eq 0 ]]; then
		log "apt-get update"
		as_root env DEBIAN_FRONTEND=noninteractive apt-get update </dev/null
		APT_UPDATED=1
	fi
	log "apt-get install $*"
	# The install may start daemons (postgresql's does): give them no pipes.
	(close_extra_fds && as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y "$@" </dev/null)
}

# shq VALUE: VALUE quoted for any POSIX shell (the Makefile's sh included).
shq() { printf "'%s'" "${1//\'/\'\\\'\'}"; }

# emit NAME VALUE: queue one export line; print_env writes them all at once.
EXPORTS=""
emit() { EXPORTS+="export $1=$(shq "$2")"$'\n'; }

# ---------------------------------------------------------------- PostgreSQL

# derive_test_url URL: the same connection with database <name>_test.
derive_test_url() {
	local url=$1
	if [[ $url != *://* ]]; then
		# key=value connection string
		if [[ $url =~ (^|[[:space:]])dbname=([^[:space:]]+) ]]; then
			local name=${BASH_REMATCH[2]}
			printf '%s' "${url/dbname=$name/dbname=${name}_test}"
		else
			printf '%s dbname=%s' "$url" "${PG_TEST_DB}"
		fi
		return
	fi
	local base=$url query=""
	if [[ $url == *\?* ]]; then
		base=${url%%\?*}
		query="?${url#*\?}"
	fi
	local rest=${base#*://}
	if [[ $rest == */* ]]; then
		local name=${base##*/}
		[[ -n $name ]] || name=$PG_DB
		printf '%s/%s_test%s' "${base%/*}" "$name" "$query"
	else
		printf '%s/%s%s' "$base" "$PG_TEST_DB" "$query"
	fi
}

# pg_cluster: prints "VERSION NAME PORT STATUS" of the cluster to use (the
# "main" cluster of the highest version, else the first one), or nothing.
pg_cluster() {
	command -v pg_lsclusters >/dev/null 2>&1 || return 0
	pg_lsclusters -h 2>/dev/null | awk '
		{ line[NR] = $1 " " $2 " " $3 " " $4 }
		$2 == "main" && (best == "" || $1 + 0 > bestver) { best = NR; bestver = $1 + 0 }
		END { if (best != "") print line[best]; else if (NR > 0) print line[1] }'
}

# pg_installed_version: highest PostgreSQL server version installed.
pg_installed_version() {
	local d v best=""
	for d in /usr/lib/postgresql/*/bin/postgres; do
		[[ -x $d ]] || continue
		v=${d#/usr/lib/postgresql/}
		v=${v%%/*}
		if [[ -z $best ]] || ((${v%%.*} > ${best%%.*})); then best=$v; fi
	done
	printf '%s' "$best"
}

pg_up() {
	if ! command -v pg_lsclusters >/dev/null 2>&1 || [[ -z $(pg_installed_version) ]]; then
		log "PostgreSQL server is not installed; installing it"
		apt_install postgresql
	fi

	local cluster ver name port status
	cluster=$(pg_cluster)
	if [[ -z $cluster ]]; then
		ver=$(pg_installed_version)
		[[ -n $ver ]] || die "no PostgreSQL server found under /usr/lib/postgresql"
		log "no PostgreSQL cluster; creating $ver/main"
		as_root pg_createcluster "$ver" main
		cluster=$(pg_cluster)
		[[ -n $cluster ]] || die "pg_createcluster $ver main made no cluster"
	fi
	read -r ver name port status <<<"$cluster"

	if [[ $status != online* ]]; then
		log "starting PostgreSQL cluster $ver/$name (port $port)"
		if ! (close_extra_fds && as_root pg_ctlcluster "$ver" "$name" start </dev/null); then
			as_root tail -n 30 "/var/log/postgresql/postgresql-$ver-$name.log" >&2 || true
			die "could not start PostgreSQL cluster $ver/$name"
		fi
	else
		log "PostgreSQL cluster $ver/$name is running (port $port)"
	fi

	local i
	for ((i = 0; i < 60; i++)); do
		pg_isready -q -h 127.0.0.1 -p "$port" && break
		sleep 1
	done
	pg_isready -q -h 127.0.0.1 -p "$port" ||
		die "PostgreSQL on 127.0.0.1:$port does not accept connections"

	# Role and databases, created only when missing. The role's attributes
	# and password are (re)set so the URL below always works.
	as_postgres psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres <<-SQL
		SELECT format('CREATE ROLE %I LOGIN CREATEDB', '$PG_ROLE')
		 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$PG_ROLE')\gexec
		ALTER ROLE $PG_ROLE LOGIN CREATEDB PASSWORD '$PG_PASSWORD';
		SELECT format('CREATE DATABASE %I OWNER %I', d, '$PG_ROLE')
		  FROM unnest(ARRAY['$PG_DB', '$PG_TEST_DB']) AS d
		 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d)\gexec
	SQL
	log "PostgreSQL role $PG_ROLE and databases $PG_DB, $PG_TEST_DB are ready"
	PG_PORT=$port
}

# pg_env: set DATABASE_URL / KIMHUB_TEST_DATABASE_URL (PG_PORT if known).
pg_env() {
	if [[ -n ${PG_EXTERNAL:-} ]]; then
		KIMHUB_TEST_DATABASE_URL="${KIMHUB_TEST_DATABASE_URL:-$(derive_test_url "$DATABASE_URL")}"
		return
	fi
	if [[ -z ${PG_PORT:-} ]]; then
		local cluster
		cluster=$(pg_cluster)
		PG_PORT=5432
		[[ -z $cluster ]] || PG_PORT=$(awk '{print $3}' <<<"$cluster")
	fi
	local base="postgres://$PG_ROLE:$PG_PASSWORD@127.0.0.1:$PG_PORT"
	DATABASE_URL="$base/$PG_DB?sslmode=disable"
	KIMHUB_TEST_DATABASE_URL="$base/$PG_TEST_DB?sslmode=disable"
}

# --------------------------------------------------------------------- MinIO

minio_healthy() { curl -fsS --max-time 2 -o /dev/null "$MINIO_HEALTH" 2>/dev/null; }

other_minio_build_running() {
	pgrep -f "go install ${MINIO_MODULE%@*}@" >/dev/null 2>&1
}

minio_binary_ok() { [[ -x $MINIO_BIN ]] && "$MINIO_BIN" --version >/dev/null 2>&1; }

ensure_minio_binary() {
	mkdir -p "$CACHE_DIR/bin"
	# One builder at a time; others wait on the lock and then reuse the binary.
	exec 4>"$CACHE_DIR/bin/.minio-build.lock"
	if ! flock -n 4; then
		log "another services.sh is building MinIO; waiting for it"
		flock 4
	fi

	# A build started outside this script (e.g. by hand): wait for it.
	local waited=0
	while other_minio_build_running && ! minio_binary_ok; do
		((waited % 30 == 0)) && log "waiting for a MinIO build already running (${waited}s)"
		sleep 5
		waited=$((waited + 5))
		((waited < 1800)) || die "a MinIO build has run for 30 minutes; giving up"
	done
	# If the binary appeared while that build still runs, let it finish writing.
	while other_minio_build_running && ((waited < 1800)); do
		sleep 2
		waited=$((waited + 2))
	done

	if minio_binary_ok; then
		exec 4>&-
		return
	fi

	log "building MinIO into $MINIO_BIN (about 4 minutes the first time)"
	local tmp
	tmp=$(mktemp -d)
	# Build outside the repository so its go.mod is not touched, into a
	# staging directory, then move the binary into place in one step.
	if ! (cd "$tmp" && GOWORK=off GOBIN="$tmp/bin" go install "$MINIO_MODULE" </dev/null); then
		rm -rf "$tmp"
		die "go install $MINIO_MODULE failed"
	fi
	mv -f "$tmp/bin/minio" "$MINIO_BIN.new"
	mv -f "$MINIO_BIN.new" "$MINIO_BIN"
	rm -rf "$tmp"
	exec 4>&-
	minio_binary_ok || die "$MINIO_BIN does not run"
	log "MinIO built"
}

minio_up() {
	command -v curl >/dev/null 2>&1 || apt_install curl

	if minio_healthy; then
		local pid=""
		[[ -f $MINIO_PID ]] && pid=$(<"$MINIO_PID")
		if [[ -n $pid ]] && kill -0 "$pid" 2>/dev/null; then
			log "MinIO is running on 127.0.0.1:$MINIO_PORT (pid $pid)"
		else
			log "a MinIO not started by this script answers on 127.0.0.1:$MINIO_PORT;" \
				"reusing it and assuming its credentials are $MINIO_USER/$MINIO_PASSWORD"
		fi
		return
	fi

	ensure_minio_binary
	mkdir -p "$MINIO_DATA"
	log "starting MinIO on 127.0.0.1:$MINIO_PORT (console :$MINIO_CONSOLE_PORT), data in $MINIO_DATA"
	printf '\n=== %s services.sh starting minio\n' "$(date -u +%FT%TZ)" >>"$MINIO_LOG"
	# Detached: its own session, no stdin, output to the log; it outlives us.
	(
		close_extra_fds
		cd "$STATE_DIR"
		MINIO_ROOT_USER=$MINIO_USER MINIO_ROOT_PASSWORD=$MINIO_PASSWORD \
			exec setsid nohup "$MINIO_BIN" server "$MINIO_DATA" \
			--address "127.0.0.1:$MINIO_PORT" \
			--console-address "127.0.0.1:$MINIO_CONSOLE_PORT" \
			</dev/null >>"$MINIO_LOG" 2>&1
	) &
	local pid=$!
	echo "$pid" >"$MINIO_PID"

	local i
	for ((i = 0; i < MINIO_START_TIMEOUT; i++)); do
		minio_healthy && break
		if ! kill -0 "$pid" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	if ! minio_healthy; then
		log "MinIO did not come up; last lines of $MINIO_LOG:"
		tail -n 30 "$MINIO_LOG" >&2 || true
		if kill -0 "$pid" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
		rm -f "$MINIO_PID"
		die "MinIO failed to start on 127.0.0.1:$MINIO_PORT"
	fi
	log "MinIO is up (pid $pid, log $MINIO_LOG)"
}

minio_stop() {
	if [[ ! -f $MINIO_PID ]]; then
		log "no MinIO started by this script (no $MINIO_PID)"
		return
	fi
	local pid
	pid=$(<"$MINIO_PID")
	if [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; then
		log "MinIO (pid ${pid:-?}) is not running"
		rm -f "$MINIO_PID"
		return
	fi
	if ! tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -q minio; then
		log "pid $pid is not a MinIO any more; leaving it alone"
		rm -f "$MINIO_PID"
		return
	fi
	log "stopping MinIO (pid $pid)"
	kill -TERM "$pid"
	local i
	for ((i = 0; i < 30; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 1
	done
	if kill -0 "$pid" 2>/dev/null; then
		log "MinIO did not stop in 30s; killing it"
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$MINIO_PID"
	log "MinIO stopped"
}

# s3_env: set the S3_* variables.
s3_env() {
	if [[ -n ${S3_EXTERNAL:-} ]]; then
		S3_BUCKET="${S3_BUCKET:-$MINIO_BUCKET}"
		S3_USE_SSL="${S3_USE_SSL:-false}"
		S3_REGION="${S3_REGION:-$MINIO_REGION}"
		return
	fi
	S3_ENDPOINT="127.0.0.1:$MINIO_PORT"
	S3_ACCESS_KEY=$MINIO_USER
	S3_SECRET_KEY=$MINIO_PASSWORD
	S3_BUCKET=$MINIO_BUCKET
	S3_USE_SSL=false
	S3_REGION=$MINIO_REGION
}

print_env() {
	pg_env
	s3_env
	emit DATABASE_URL "$DATABASE_URL"
	emit KIMHUB_TEST_DATABASE_URL "$KIMHUB_TEST_DATABASE_URL"
	emit S3_ENDPOINT "$S3_ENDPOINT"
	local v
	for v in S3_ACCESS_KEY S3_SECRET_KEY; do
		if [[ -n ${!v+set} ]]; then
			emit "$v" "${!v}"
		else
			log "warning: S3_ENDPOINT is given but $v is not set"
		fi
	done
	emit S3_BUCKET "$S3_BUCKET"
	emit S3_USE_SSL "$S3_USE_SSL"
	emit S3_REGION "$S3_REGION"
	printf '%s' "$EXPORTS"
}

services_up() {
	if [[ -n $PG_EXTERNAL ]]; then
		log "DATABASE_URL is set; using it, starting no PostgreSQL"
	else
		pg_up
	fi
	if [[ -n $S3_EXTERNAL ]]; then
		log "S3_ENDPOINT is set; using it, starting no MinIO"
	else
		mkdir -p "$STATE_DIR"
		minio_up
	fi
}

main() {
	PG_EXTERNAL=""
	S3_EXTERNAL=""
	# Values this script printed itself (e.g. left in the shell by an earlier
	# eval) still count as ours: those services are checked and started.
	if [[ -n ${DATABASE_URL:-} &&
		! $DATABASE_URL =~ ^postgres://$PG_ROLE:$PG_PASSWORD@127\.0\.0\.1:[0-9]+/$PG_DB\?sslmode=disable$ ]]; then
		PG_EXTERNAL=1
	fi
	if [[ -n ${S3_ENDPOINT:-} ]] &&
		! [[ $S3_ENDPOINT == "127.0.0.1:$MINIO_PORT" && ${S3_ACCESS_KEY:-$MINIO_USER} == "$MINIO_USER" &&
			${S3_SECRET_KEY:-$MINIO_PASSWORD} == "$MINIO_PASSWORD" ]]; then
		S3_EXTERNAL=1
	fi

	case "${1:-}" in
	up)
		# Whatever the commands run here print goes to stderr; only the
		# export lines, written at the very end, go to stdout.
		services_up >&2
		print_env
		;;
	env)
		print_env
		;;
	stop)
		minio_stop >&2
		;;
	*)
		log "usage: $0 up|env|stop"
		exit 2
		;;
	esac
}

main "$@"
