#!/usr/bin/env bash
# Start/stop the real service stack for ckanext-keck_homeless development and
# tests: PostgreSQL (+PostGIS), Redis and a real Apache Solr 9 (see dev/solr/).
# Everything listens on 127.0.0.1 only.
#
#   bash dev/services.sh start                 start what is not running yet
#   bash dev/services.sh stop                  stop what `start` started
#   bash dev/services.sh restart               stop, then start
#   bash dev/services.sh stop solr             one service: postgresql, redis or solr
#   bash dev/services.sh start solr            (the fault tests restart them this way)
#   bash dev/services.sh status                show what runs where
#   bash dev/services.sh db NAME [OWNER] [PASSWORD]
#                                              create role + database (+PostGIS)
#   bash dev/services.sh solr-core NAME        create/update a CKAN Solr core
#
# State, logs and pid files live in $STACK_DIR (default <repo>/.stack/).
# Settings (environment): STACK_DIR, PG_VERSION, PG_CLUSTER (main), PG_PORT
# (5432), REDIS_PORT (6379), SOLR_PORT (8983), SOLR_HEAP (512m),
# SOLR_START_TIMEOUT (120 s), CKAN_SOLR_SCHEMA (path to CKAN's schema.xml).
set -euo pipefail

REPO_DIR=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
STACK_DIR=${STACK_DIR:-$REPO_DIR/.stack}
SOLR_SRC=$REPO_DIR/dev/solr

HOST=127.0.0.1
PG_CLUSTER=${PG_CLUSTER:-main}
PG_PORT=${PG_PORT:-5432}
REDIS_PORT=${REDIS_PORT:-6379}
SOLR_PORT=${SOLR_PORT:-8983}
SOLR_HEAP=${SOLR_HEAP:-512m}
SOLR_START_TIMEOUT=${SOLR_START_TIMEOUT:-120}
PG_START_TIMEOUT=${PG_START_TIMEOUT:-60}
REDIS_START_TIMEOUT=${REDIS_START_TIMEOUT:-20}

STARTED_DIR=$STACK_DIR/started
REDIS_DIR=$STACK_DIR/redis
REDIS_PIDFILE=$REDIS_DIR/redis.pid
REDIS_LOG=$REDIS_DIR/redis.log
SOLR_DIR=$STACK_DIR/solr
SOLR_HOME=$SOLR_DIR/home
SOLR_BUILD=$SOLR_DIR/build
SOLR_PIDFILE=$SOLR_DIR/solr.pid
SOLR_LOG=$SOLR_DIR/solr.log
SOLR_CONSOLE=$SOLR_DIR/console.log
SOLR_URL=http://$HOST:$SOLR_PORT/solr

# --------------------------------------------------------------------------
# helpers

log()  { printf 'services: %s\n' "$*"; }
warn() { printf 'services: WARNING: %s\n' "$*" >&2; }
die()  { printf 'services: ERROR: %s\n' "$*" >&2; exit 1; }

# show_log FILE [N]: print the last N lines of FILE to stderr
show_log() {
    local f=$1 n=${2:-30}
    if [ -r "$f" ]; then
        printf -- '---- last %s lines of %s ----\n' "$n" "$f" >&2
        tail -n "$n" -- "$f" >&2 || true
        printf -- '----\n' >&2
    else
        printf 'services: (no log at %s)\n' "$f" >&2
    fi
}

# A JSON-capable python for parsing Solr answers (system python preferred).
PY=
find_python() {
    [ -n "$PY" ] && return 0
    local c
    for c in /usr/bin/python3 "$(command -v python3 2>/dev/null || true)" "$REPO_DIR/.venv/bin/python"; do
        if [ -n "$c" ] && [ -x "$c" ]; then PY=$c; return 0; fi
    done
    die "python3 is needed to read Solr's JSON answers (run dev/install-os.sh)"
}

ensure_stack_dir() {
    mkdir -p "$STACK_DIR" "$STARTED_DIR"
    # keep the whole state dir out of git without touching the repo's .gitignore
    [ -f "$STACK_DIR/.gitignore" ] || printf '*\n' > "$STACK_DIR/.gitignore"
}

mark_started()   { ensure_stack_dir; printf '%s\n' "${2:-}" > "$STARTED_DIR/$1"; }
unmark_started() { rm -f "$STARTED_DIR/$1"; }
was_started()    { [ -f "$STARTED_DIR/$1" ]; }

pid_alive() { [ -n "${1:-}" ] && kill -0 "$1" 2>/dev/null; }
read_pid()  { [ -r "$1" ] && tr -dc '0-9' < "$1" || true; }

# wait_pid_gone PID SECONDS
wait_pid_gone() {
    local pid=$1 t=$(( $2 * 10 ))
    while pid_alive "$pid" && [ "$t" -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
    ! pid_alive "$pid"
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$1") 2>/dev/null; }

# --------------------------------------------------------------------------
# PostgreSQL (Debian/Ubuntu cluster managed with pg_ctlcluster)

pg_version() {
    if [ -n "${PG_VERSION:-}" ]; then printf '%s' "$PG_VERSION"; return; fi
    local v best="" line
    # prefer an existing cluster with our name, else the newest server installed
    if command -v pg_lsclusters >/dev/null 2>&1; then
        while read -r v line; do
            [ "$(printf '%s' "$line" | awk '{print $1}')" = "$PG_CLUSTER" ] || continue
            if [ -z "$best" ] || [ "$v" -gt "$best" ] 2>/dev/null; then best=$v; fi
        done < <(pg_lsclusters -h 2>/dev/null || true)
    fi
    if [ -z "$best" ]; then
        local d
        for d in /usr/lib/postgresql/*/bin/postgres; do
            [ -x "$d" ] || continue
            v=${d#/usr/lib/postgresql/}; v=${v%%/*}
            if [ -z "$best" ] || [ "$v" -gt "$best" ] 2>/dev/null; then best=$v; fi
        done
    fi
    printf '%s' "$best"
}

pg_log_file() { printf '/var/log/postgresql/postgresql-%s-%s.log' "$1" "$PG_CLUSTER"; }
pg_cluster_exists() { [ -f "/etc/postgresql/$1/$PG_CLUSTER/postgresql.conf" ]; }
pg_cluster_running() { pg_ctlcluster "$1" "$PG_CLUSTER" status >/dev/null 2>&1; }
pg_ready() { pg_isready -q -h "$HOST" -p "$PG_PORT" -t 2 >/dev/null 2>&1; }

pg_conf_get() { pg_conftool -s "$1" "$PG_CLUSTER" show "$2" 2>/dev/null | tr -d "'" || true; }

pg_start() {
    command -v pg_ctlcluster >/dev/null 2>&1 || die "PostgreSQL is not installed (run: bash dev/install-os.sh)"
    local ver; ver=$(pg_version)
    [ -n "$ver" ] || die "no PostgreSQL server found under /usr/lib/postgresql (run: bash dev/install-os.sh)"

    if ! pg_cluster_exists "$ver"; then
        log "postgresql: creating cluster $ver/$PG_CLUSTER (port $PG_PORT, localhost only)"
        pg_createcluster --port "$PG_PORT" --encoding UTF8 --locale C.UTF-8 \
            -o "listen_addresses=localhost" "$ver" "$PG_CLUSTER" >/dev/null \
            || die "pg_createcluster $ver $PG_CLUSTER failed"
    fi

    local need_restart=0 cur
    cur=$(pg_conf_get "$ver" listen_addresses)
    if [ "$cur" != "localhost" ]; then
        pg_conftool "$ver" "$PG_CLUSTER" set listen_addresses localhost
        need_restart=1
    fi
    cur=$(pg_conf_get "$ver" port)
    if [ "$cur" != "$PG_PORT" ]; then
        pg_conftool "$ver" "$PG_CLUSTER" set port "$PG_PORT"
        need_restart=1
    fi

    if pg_cluster_running "$ver"; then
        if [ "$need_restart" -eq 1 ]; then
            if was_started postgresql; then
                log "postgresql: config changed, restarting $ver/$PG_CLUSTER"
                pg_ctlcluster "$ver" "$PG_CLUSTER" restart
            else
                warn "postgresql $ver/$PG_CLUSTER was already running (not started by this script); listen_addresses/port changes apply at its next restart"
            fi
        fi
        if pg_ready; then
            if was_started postgresql; then
                log "postgresql: already running on $HOST:$PG_PORT"
            else
                log "postgresql: already running on $HOST:$PG_PORT (not started by this script; stop will leave it)"
            fi
            return 0
        fi
    else
        log "postgresql: starting cluster $ver/$PG_CLUSTER"
        if ! pg_ctlcluster "$ver" "$PG_CLUSTER" start; then
            show_log "$(pg_log_file "$ver")"
            die "postgresql: pg_ctlcluster $ver $PG_CLUSTER start failed"
        fi
        mark_started postgresql "$ver $PG_CLUSTER"
    fi

    local t=$(( PG_START_TIMEOUT * 5 ))
    until pg_ready; do
        t=$((t - 1))
        if [ "$t" -le 0 ]; then
            show_log "$(pg_log_file "$ver")"
            die "postgresql: not accepting connections on $HOST:$PG_PORT after ${PG_START_TIMEOUT}s"
        fi
        sleep 0.2
    done
    log "postgresql: ready on $HOST:$PG_PORT ($ver/$PG_CLUSTER)"
}

pg_stop() {
    was_started postgresql || return 0
    local ver cl
    read -r ver cl < "$STARTED_DIR/postgresql" || true
    ver=${ver:-$(pg_version)}; cl=${cl:-$PG_CLUSTER}
    if pg_ctlcluster "$ver" "$cl" status >/dev/null 2>&1; then
        log "postgresql: stopping cluster $ver/$cl"
        pg_ctlcluster -m fast "$ver" "$cl" stop || die "postgresql: pg_ctlcluster $ver $cl stop failed"
    else
        log "postgresql: $ver/$cl is not running"
    fi
    unmark_started postgresql
}

pg_status() {
    local ver; ver=$(pg_version)
    if [ -z "$ver" ]; then printf '  %-11s not installed\n' postgresql; return; fi
    local state="stopped" who=""
    if pg_cluster_exists "$ver" && pg_cluster_running "$ver"; then
        if pg_ready; then state="running on $HOST:$PG_PORT"; else state="running, but not answering on $HOST:$PG_PORT"; fi
        if was_started postgresql; then who="(started by services.sh)"; else who="(external)"; fi
    elif ! pg_cluster_exists "$ver"; then
        state="no cluster $ver/$PG_CLUSTER yet"
    fi
    printf '  %-11s %s %s\n' postgresql "$state" "$who"
    printf '  %-11s cluster %s/%s, data /var/lib/postgresql/%s/%s, log %s\n' "" "$ver" "$PG_CLUSTER" "$ver" "$PG_CLUSTER" "$(pg_log_file "$ver")"
}

# psql as the postgres OS user, over the local socket
pg_psql() {
    (cd / && runuser -u postgres -- env PGOPTIONS='-c client_min_messages=warning' psql -X -q -v ON_ERROR_STOP=1 -p "$PG_PORT" "$@")
}

cmd_db() {
    [ "$#" -ge 1 ] && [ "$#" -le 3 ] || die "usage: services.sh db NAME [OWNER] [PASSWORD]"
    local db=$1 owner=${2:-ckan_default} pw=${3:-pass}
    [ -n "$db" ] && [ -n "$owner" ] || die "database and owner names must not be empty"
    pg_ready || die "postgresql is not running on $HOST:$PG_PORT (run: bash dev/services.sh start)"

    local enc
    enc=$(pg_psql -d postgres -At -c "SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = 'template1'")
    local locale_clause=""
    [ "$enc" = "UTF8" ] || locale_clause="LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'"

    # role + database (idempotent; re-running resets the password and owner)
    pg_psql -d postgres -v db="$db" -v owner="$owner" -v pw="$pw" -v loc="$locale_clause" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'owner', :'pw')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'owner') \gexec
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'owner', :'pw') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0 %s', :'db', :'owner', 'UTF8', :'loc')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SELECT format('ALTER DATABASE %I OWNER TO %I', :'db', :'owner') \gexec
SQL
    enc=$(pg_psql -d postgres -v db="$db" -At <<'SQL'
SELECT pg_encoding_to_char(encoding) FROM pg_database WHERE datname = :'db';
SQL
)
    [ "$enc" = "UTF8" ] || die "database $db exists with encoding $enc, not UTF8; drop it first"

    # PostGIS in its own schema, the extension's schema for the app, search_path
    pg_psql -d "$db" -v db="$db" -v owner="$owner" <<'SQL'
CREATE SCHEMA IF NOT EXISTS postgis;
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA postgis;
SELECT format('GRANT USAGE ON SCHEMA postgis TO %I', :'owner') \gexec
SELECT format('CREATE SCHEMA IF NOT EXISTS keck_homeless AUTHORIZATION %I', :'owner') \gexec
SELECT format('ALTER SCHEMA keck_homeless OWNER TO %I', :'owner') \gexec
SELECT format('ALTER DATABASE %I SET search_path = "$user", public, postgis', :'db') \gexec
SQL

    local ext_schema
    ext_schema=$(pg_psql -d "$db" -At -c "SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'postgis'")
    if [ "$ext_schema" != "postgis" ]; then
        warn "extension postgis already lives in schema '$ext_schema' of $db (not 'postgis'); CKAN's clean_db may trip over its tables. Recreate the database to fix."
    fi
    local pgis
    pgis=$(PGPASSWORD=$pw psql -X -At -h "$HOST" -p "$PG_PORT" -U "$owner" -d "$db" -c "SELECT postgis_lib_version()" 2>&1) \
        || die "cannot log in as $owner to $db over TCP: $pgis"
    log "db: $db ready (owner $owner, PostGIS $pgis in schema $ext_schema, schema keck_homeless)"
    find_python
    "$PY" -c 'import sys; from urllib.parse import quote as q
u, p, h, port, d = sys.argv[1:]
print("postgresql://%s:%s@%s:%s/%s" % (q(u, safe=""), q(p, safe=""), h, port, q(d, safe="")))' \
        "$owner" "$pw" "$HOST" "$PG_PORT" "$db"
}

# --------------------------------------------------------------------------
# Redis

redis_ping() { [ "$(redis-cli -h "$HOST" -p "$REDIS_PORT" ping 2>/dev/null || true)" = "PONG" ]; }

redis_start() {
    command -v redis-server >/dev/null 2>&1 || die "redis-server is not installed (run: bash dev/install-os.sh)"
    local pid; pid=$(read_pid "$REDIS_PIDFILE")
    if redis_ping; then
        if pid_alive "$pid" && was_started redis; then
            log "redis: already running on $HOST:$REDIS_PORT (pid $pid)"
        else
            log "redis: already running on $HOST:$REDIS_PORT (not started by this script; stop will leave it)"
        fi
        return 0
    fi
    if port_open "$REDIS_PORT"; then
        die "redis: something else listens on $HOST:$REDIS_PORT and does not answer PING"
    fi
    mkdir -p "$REDIS_DIR"
    rm -f "$REDIS_PIDFILE"
    log "redis: starting on $HOST:$REDIS_PORT"
    if ! redis-server --bind "$HOST" --port "$REDIS_PORT" --protected-mode yes \
            --daemonize yes --pidfile "$REDIS_PIDFILE" --dir "$REDIS_DIR" \
            --logfile "$REDIS_LOG" --save '' --appendonly no >/dev/null; then
        show_log "$REDIS_LOG"
        die "redis: redis-server failed to start"
    fi
    mark_started redis
    local t=$(( REDIS_START_TIMEOUT * 10 ))
    until redis_ping; do
        t=$((t - 1))
        if [ "$t" -le 0 ]; then
            show_log "$REDIS_LOG"
            die "redis: no PONG from $HOST:$REDIS_PORT after ${REDIS_START_TIMEOUT}s"
        fi
        sleep 0.1
    done
    log "redis: ready on $HOST:$REDIS_PORT (pid $(read_pid "$REDIS_PIDFILE"))"
}

redis_stop() {
    was_started redis || return 0
    local pid; pid=$(read_pid "$REDIS_PIDFILE")
    if pid_alive "$pid"; then
        log "redis: stopping (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_pid_gone "$pid" 20; then
            warn "redis: pid $pid did not exit after 20s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    else
        log "redis: not running"
    fi
    rm -f "$REDIS_PIDFILE"
    unmark_started redis
}

redis_status() {
    local pid; pid=$(read_pid "$REDIS_PIDFILE")
    if redis_ping; then
        if pid_alive "$pid" && was_started redis; then
            printf '  %-11s running on %s:%s (pid %s, started by services.sh)\n' redis "$HOST" "$REDIS_PORT" "$pid"
        else
            printf '  %-11s running on %s:%s (external)\n' redis "$HOST" "$REDIS_PORT"
        fi
    else
        printf '  %-11s stopped\n' redis
    fi
    printf '  %-11s dir %s, log %s\n' "" "$REDIS_DIR" "$REDIS_LOG"
}

# --------------------------------------------------------------------------
# Solr (real Apache Solr 9 from Maven Central, see dev/solr/)

solr_http() {  # solr_http PATH-AND-QUERY  -> body on stdout, fails on HTTP errors
    curl -fsS --max-time 30 "$SOLR_URL$1"
}
solr_up() { curl -fs --max-time 3 -o /dev/null "$SOLR_URL/admin/info/system?wt=json" 2>/dev/null; }

# Rebuild the launcher when dev/solr sources changed or a jar went missing.
solr_build() {
    local stamp=$SOLR_BUILD/.build-stamp cp_file=$SOLR_BUILD/classpath.txt
    local rebuild=0
    if [ ! -f "$stamp" ] || [ ! -f "$cp_file" ] || [ ! -d "$SOLR_BUILD/classes/org" ]; then
        rebuild=1
    elif [ -n "$(find "$SOLR_SRC/pom.xml" "$SOLR_SRC/src" -newer "$stamp" -print -quit 2>/dev/null)" ]; then
        rebuild=1
    else
        local jar jars=()
        IFS=: read -r -a jars < "$cp_file" || true
        for jar in "${jars[@]}"; do
            [ -f "$jar" ] || { rebuild=1; break; }
        done
    fi
    [ "$rebuild" -eq 1 ] || return 0

    command -v mvn >/dev/null 2>&1 || die "solr: Maven (mvn) is not installed (run: bash dev/install-os.sh)"
    command -v javac >/dev/null 2>&1 || die "solr: no JDK (javac) found (run: bash dev/install-os.sh)"
    mkdir -p "$SOLR_BUILD"
    log "solr: building the launcher with Maven (the first build downloads Solr 9 from Maven Central, ~130 MB)"
    local t0=$SECONDS
    if ! mvn -q -B -Dstyle.color=never -f "$SOLR_SRC/pom.xml" \
            -Dkeck.build.dir="$SOLR_BUILD" package > "$SOLR_DIR/build.log" 2>&1; then
        show_log "$SOLR_DIR/build.log" 40
        die "solr: Maven build failed (full log: $SOLR_DIR/build.log)"
    fi
    [ -s "$cp_file" ] || die "solr: Maven did not write $cp_file"
    touch "$stamp"
    log "solr: built in $((SECONDS - t0))s"
}

# Solr is started in two halves so that its JVM boots while PostgreSQL and
# Redis start: solr_launch spawns it, solr_wait waits until it answers.
SOLR_WAIT_PID=
solr_launch() {
    SOLR_WAIT_PID=
    local pid; pid=$(read_pid "$SOLR_PIDFILE")
    if solr_up; then
        if pid_alive "$pid" && was_started solr; then
            log "solr: already running at $SOLR_URL (pid $pid)"
        else
            log "solr: already running at $SOLR_URL (not started by this script; stop will leave it)"
        fi
        return 0
    fi
    if pid_alive "$pid"; then
        # ours, but not answering (yet): still starting, or hung
        log "solr: pid $pid exists but does not answer yet; waiting"
    else
        if port_open "$SOLR_PORT"; then
            die "solr: something else listens on $HOST:$SOLR_PORT and is not Solr"
        fi
        command -v java >/dev/null 2>&1 || die "solr: java is not installed (run: bash dev/install-os.sh)"
        mkdir -p "$SOLR_DIR" "$SOLR_HOME"
        solr_build
        cp -f "$SOLR_SRC/solr.xml" "$SOLR_HOME/solr.xml"
        rm -f "$SOLR_PIDFILE"
        log "solr: starting Solr 9 on $HOST:$SOLR_PORT (heap $SOLR_HEAP)"
        local cp; cp="$SOLR_BUILD/classes:$(cat "$SOLR_BUILD/classpath.txt")"
        (
            cd "$SOLR_DIR"
            exec setsid java \
                -Xms64m "-Xmx$SOLR_HEAP" -XX:+UseSerialGC -Xss512k \
                -XX:+ExitOnOutOfMemoryError \
                -Djava.awt.headless=true -Dfile.encoding=UTF-8 \
                -Duser.timezone=UTC \
                "-Dsolr.log.dir=$SOLR_DIR" \
                "-Dsolr.install.dir=$SOLR_DIR" \
                "-Dlog4j2.configurationFile=$SOLR_SRC/log4j2.xml" \
                "-Djava.util.logging.config.file=$SOLR_SRC/jul.properties" \
                -Dsolr.autoSoftCommit.maxTime=-1 \
                -cp "$cp" org.keck.solr.KeckSolr \
                --home "$SOLR_HOME" --host "$HOST" --port "$SOLR_PORT" \
                --pid-file "$SOLR_PIDFILE"
        ) </dev/null >"$SOLR_CONSOLE" 2>&1 &
        pid=$!
        mark_started solr "$pid"
    fi
    SOLR_WAIT_PID=$pid
}

# True once every core under $SOLR_HOME (core.properties) is loaded or has
# failed; warns about failed ones.  Solr answers HTTP before its cores load.
solr_cores_loaded() {
    local want=() f
    for f in "$SOLR_HOME"/*/core.properties; do
        [ -f "$f" ] && want+=("$(basename "$(dirname "$f")")")
    done
    [ "${#want[@]}" -gt 0 ] || return 0
    find_python
    solr_http "/admin/cores?action=STATUS&wt=json" 2>/dev/null | "$PY" -c '
import json, sys
try:
    d = json.load(sys.stdin)
except ValueError:
    sys.exit(1)
loaded, failed = d.get("status", {}), d.get("initFailures", {})
pending = [c for c in sys.argv[1:] if c not in loaded and c not in failed]
if pending:
    sys.exit(1)
for c in sys.argv[1:]:
    if c in failed:
        print("services: WARNING: solr core %s failed to load: %s" % (c, str(failed[c])[:300]), file=sys.stderr)
' "${want[@]}"
}

solr_wait() {
    local pid=$SOLR_WAIT_PID
    [ -n "$pid" ] || return 0
    local t=$(( SOLR_START_TIMEOUT * 5 ))
    until solr_up && solr_cores_loaded; do
        if ! pid_alive "$pid"; then
            show_log "$SOLR_CONSOLE"; show_log "$SOLR_LOG"
            unmark_started solr
            die "solr: the Solr JVM exited during start-up"
        fi
        t=$((t - 1))
        if [ "$t" -le 0 ]; then
            show_log "$SOLR_CONSOLE"; show_log "$SOLR_LOG"
            die "solr: no answer from $SOLR_URL after ${SOLR_START_TIMEOUT}s (pid $pid still running; 'services.sh stop' ends it)"
        fi
        sleep 0.2
    done
    log "solr: ready at $SOLR_URL (pid $pid)"
}

solr_stop() {
    was_started solr || return 0
    local pid; pid=$(read_pid "$SOLR_PIDFILE")
    [ -n "$pid" ] || pid=$(read_pid "$STARTED_DIR/solr")
    if pid_alive "$pid"; then
        log "solr: stopping (pid $pid)"
        kill -TERM "$pid" 2>/dev/null || true
        if ! wait_pid_gone "$pid" 30; then
            warn "solr: pid $pid did not exit after 30s, killing it"
            kill -KILL "$pid" 2>/dev/null || true
            wait_pid_gone "$pid" 5 || true
        fi
    else
        log "solr: not running"
    fi
    rm -f "$SOLR_PIDFILE"
    unmark_started solr
}

solr_status() {
    local pid; pid=$(read_pid "$SOLR_PIDFILE")
    if solr_up; then
        local who="external"
        if pid_alive "$pid" && was_started solr; then who="pid $pid, started by services.sh"; fi
        printf '  %-11s running at %s (%s)\n' solr "$SOLR_URL" "$who"
        find_python
        local cores
        cores=$(solr_http "/admin/cores?action=STATUS&wt=json" | "$PY" -c '
import json, sys
d = json.load(sys.stdin)
out = []
for name, c in sorted(d.get("status", {}).items()):
    n = c.get("index", {}).get("numDocs", "?")
    out.append("%s (%s docs)" % (name, n))
for name, err in sorted(d.get("initFailures", {}).items()):
    out.append("%s (FAILED: %s)" % (name, str(err)[:200]))
print(", ".join(out) or "none")
' 2>/dev/null || echo "?")
        printf '  %-11s cores: %s\n' "" "$cores"
    else
        printf '  %-11s stopped\n' solr
    fi
    printf '  %-11s home %s, log %s\n' "" "$SOLR_HOME" "$SOLR_LOG"
}

# The conf files a CKAN core gets, assembled into directory $1.
solr_make_conf() {
    local out=$1 schema=${CKAN_SOLR_SCHEMA:-}
    if [ -z "$schema" ]; then
        local py=$REPO_DIR/.venv/bin/python ckan_dir
        [ -x "$py" ] || die "solr-core: no virtualenv at $REPO_DIR/.venv (install CKAN there, or set CKAN_SOLR_SCHEMA=/path/to/ckan/config/solr/schema.xml)"
        ckan_dir=$("$py" -c 'import ckan, os; print(os.path.dirname(ckan.__file__))' 2>/dev/null) \
            || die "solr-core: CKAN is not importable from $py (set CKAN_SOLR_SCHEMA to CKAN's schema.xml)"
        schema=$ckan_dir/config/solr/schema.xml
    fi
    [ -r "$schema" ] || die "solr-core: CKAN schema not found at $schema"
    mkdir -p "$out"
    # CKAN's schema.xml plus the extra (ckanext-spatial bbox) fields before </fields>
    awk -v extra="$SOLR_SRC/conf/schema-extra-fields.xml" '
        /<\/fields>/ && !done { while ((getline l < extra) > 0) print l; done = 1 }
        { print }
        END { if (!done) exit 3 }' "$schema" > "$out/schema.xml" \
        || die "solr-core: no </fields> in $schema; cannot add the extra fields"
    cp -f "$SOLR_SRC/conf/solrconfig.xml" "$SOLR_SRC/conf/synonyms.txt" "$SOLR_SRC/conf/protwords.txt" "$out/"
}

# solr_core_state NAME -> "loaded", "loaded-failed", "failed: MSG" or "absent"
solr_core_state() {
    find_python
    solr_http "/admin/cores?action=STATUS&core=$1&wt=json" | "$PY" -c '
import json, sys
name = sys.argv[1]
d = json.load(sys.stdin)
loaded = d.get("status", {}).get(name, {}).get("name") == name
failed = name in d.get("initFailures", {})
if loaded and failed:
    print("loaded-failed")     # running, but its last RELOAD failed
elif loaded:
    print("loaded")
elif failed:
    print("failed: " + str(d["initFailures"][name]))
else:
    print("absent")
' "$1"
}

solr_error_msg() {  # pull "error.msg" out of a Solr JSON error body on stdin
    find_python
    "$PY" -c '
import json, sys
raw = sys.stdin.read()
try:
    err = json.loads(raw)["error"]
    msg = err.get("msg", "")
    causes = [l.strip() for l in err.get("trace", "").splitlines() if l.startswith("Caused by:")]
    if causes:
        msg += " [root cause: " + causes[-1][len("Caused by:"):].strip() + "]"
    print(msg)
except Exception:
    print(raw.strip()[:2000])
'
}

cmd_solr_core() {
    [ "$#" -eq 1 ] || die "usage: services.sh solr-core NAME"
    local name=$1
    [[ "$name" =~ ^[A-Za-z0-9][A-Za-z0-9_.-]*$ ]] || die "solr-core: invalid core name '$name' (letters, digits, _ . - only)"
    solr_up || die "solr is not running at $SOLR_URL (run: bash dev/services.sh start)"

    SOLR_CONF_TMP=$(mktemp -d "${TMPDIR:-/tmp}/keck-solr-conf.XXXXXX")
    trap 'rm -rf -- "$SOLR_CONF_TMP"' EXIT
    local tmp=$SOLR_CONF_TMP
    solr_make_conf "$tmp/conf"

    local inst=$SOLR_HOME/$name state
    state=$(solr_core_state "$name") || die "solr-core: cannot query $SOLR_URL/admin/cores"

    case "$state" in
    loaded|loaded-failed)
        local changed=() f
        for f in schema.xml solrconfig.xml synonyms.txt protwords.txt; do
            cmp -s "$tmp/conf/$f" "$inst/conf/$f" 2>/dev/null || changed+=("$f")
        done
        if [ ! -f "$inst/core.properties" ]; then
            # loaded but would not come back after a restart
            printf 'name=%s\nconfig=solrconfig.xml\nschema=schema.xml\ndataDir=data\n' "$name" > "$inst/core.properties"
            log "solr-core: $name: rewrote missing core.properties"
        fi
        if [ "${#changed[@]}" -eq 0 ] && [ "$state" = loaded ]; then
            log "solr-core: $name exists and is up to date ($SOLR_URL/$name)"
            return 0
        fi
        if [ "${#changed[@]}" -gt 0 ]; then
            log "solr-core: $name: updating ${changed[*]} and reloading"
        else
            log "solr-core: $name: its last reload failed; reloading"
        fi
        rm -rf "$inst/conf.new"; mkdir -p "$inst/conf.new"
        cp -f "$tmp/conf/"* "$inst/conf.new/"
        rm -rf "$inst/conf.old"
        if [ -d "$inst/conf" ]; then mv "$inst/conf" "$inst/conf.old"; fi
        mv "$inst/conf.new" "$inst/conf"
        local body
        if ! body=$(curl -sS --max-time 120 "$SOLR_URL/admin/cores?action=RELOAD&core=$name&wt=json" -w '\n%{http_code}'); then
            die "solr-core: RELOAD request failed"
        fi
        if [ "${body##*$'\n'}" != "200" ]; then
            if [ -d "$inst/conf.old" ]; then rm -rf "$inst/conf"; mv "$inst/conf.old" "$inst/conf"; fi
            show_log "$SOLR_LOG"
            die "solr-core: RELOAD of $name failed, old conf restored: $(printf '%s' "${body%$'\n'*}" | solr_error_msg)"
        fi
        rm -rf "$inst/conf.old"
        log "solr-core: $name reloaded ($SOLR_URL/$name)"
        return 0
        ;;
    failed:*)
        # a core.properties from an earlier run whose conf did not load: refresh the conf and retry
        warn "solr-core: $name failed to load earlier (${state#failed: }); rewriting its conf and retrying"
        ;;
    esac

    # create: write instanceDir/conf, then CoreAdmin CREATE (writes core.properties)
    local new_inst=0
    [ -d "$inst" ] || new_inst=1
    if [ -f "$inst/core.properties" ]; then
        # known to discovery but failed to load: CREATE it anew over the same
        # instanceDir; its data/ is kept
        rm -f "$inst/core.properties"
    fi
    mkdir -p "$inst"
    rm -rf "$inst/conf"; cp -r "$tmp/conf" "$inst/conf"
    log "solr-core: creating core $name in $inst"
    local body
    body=$(curl -sS --max-time 120 -w '\n%{http_code}' \
        "$SOLR_URL/admin/cores?action=CREATE&name=$name&instanceDir=$name&config=solrconfig.xml&schema=schema.xml&dataDir=data&wt=json") \
        || die "solr-core: CREATE request failed"
    if [ "${body##*$'\n'}" != "200" ]; then
        local msg; msg=$(printf '%s' "${body%$'\n'*}" | solr_error_msg)
        show_log "$SOLR_LOG"
        # leave no half-made core behind: drop Solr's failure record and, for
        # a new core, its directory
        curl -sS --max-time 30 -o /dev/null "$SOLR_URL/admin/cores?action=UNLOAD&core=$name&wt=json" 2>/dev/null || true
        if [ "$new_inst" -eq 1 ]; then rm -rf -- "$inst"; else rm -f "$inst/core.properties"; fi
        die "solr-core: CREATE $name failed: $msg"
    fi
    state=$(solr_core_state "$name")
    [ "$state" = "loaded" ] || die "solr-core: $name not loaded after CREATE ($state)"
    log "solr-core: $name ready ($SOLR_URL/$name)"
}

# --------------------------------------------------------------------------
# commands

cmd_start() {
    ensure_stack_dir
    solr_launch     # the JVM boots in the background meanwhile
    pg_start
    redis_start
    solr_wait
}

cmd_stop() {
    ensure_stack_dir
    local any=0 s
    for s in solr redis postgresql; do was_started "$s" && any=1; done
    if [ "$any" -eq 0 ]; then
        log "nothing to stop (no service was started by services.sh)"
        return 0
    fi
    solr_stop
    redis_stop
    pg_stop
}

cmd_status() {
    printf 'stack dir: %s\n' "$STACK_DIR"
    pg_status
    redis_status
    solr_status
}

# One service at a time (the fault tests stop and restart them):
# services.sh start|stop postgresql|redis|solr. `stop` leaves a service alone
# that services.sh did not start.
cmd_one() {
    local action=$1 service=${2:-}
    ensure_stack_dir
    case "$action:$service" in
        start:postgresql) pg_start ;;
        start:redis)      redis_start ;;
        start:solr)       solr_launch; solr_wait ;;
        stop:postgresql)  pg_stop ;;
        stop:redis)       redis_stop ;;
        stop:solr)        solr_stop ;;
        *) die "usage: services.sh start|stop [postgresql|redis|solr]" ;;
    esac
}

usage() {
    sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//'
}

main() {
    local cmd=${1:-}
    [ "$#" -gt 0 ] && shift
    case "$cmd" in
        start)      if [ "$#" -eq 0 ]; then cmd_start; else cmd_one start "$@"; fi ;;
        stop)       if [ "$#" -eq 0 ]; then cmd_stop; else cmd_one stop "$@"; fi ;;
        restart)    cmd_stop; cmd_start ;;
        status)     cmd_status ;;
        db)         cmd_db "$@" ;;
        solr-core)  cmd_solr_core "$@" ;;
        -h|--help|help) usage ;;
        "")         usage >&2; exit 2 ;;
        *)          usage >&2; die "unknown command: $cmd" ;;
    esac
}

main "$@"
