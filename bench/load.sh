#!/usr/bin/env bash
# Mixed load (issue 13): read load on the finder, offer pages, the map JSON,
# WFS GeoJSON, WMS GetMap and OGC API items, all at once, while partners edit
# offers through CKAN's API and people send problem reports — then
# `ckan keck-homeless check` must find CKAN, the feature store and Solr
# consistent. Loopback only; bounded (SECONDS per N).
#
#   bash bench/load.sh              N = 1000 10000
#   bash bench/load.sh 1000
#
# Per N a CKAN of its own (database and Solr core ckan_load_N, the demo's
# plugins, activity included) with N real offers made by the importer
# (bench/mixed_setup.py; kept between runs — loading 10,000 takes minutes),
# served as `make demo` serves it: gunicorn, 2 threaded workers × 4 threads.
# Readers: one wrk per endpoint, READERS connections each, random paths from
# bench/paths.lua (bounding boxes, filters and offers drawn per request).
# Writers: bench/mixed_writes.py (EDITORS editors, one reporter).
# Prints per endpoint: requests, req/s, p50, p99, errors (non-2xx/3xx and
# socket errors); then check's verdict. Settings: SECONDS_PER_RUN (30), READERS (2),
# EDITORS (2), PORT (5033).
set -euo pipefail

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
ROOT=$TOP/.bench-load
SECS=${SECONDS_PER_RUN:-30}
READERS=${READERS:-2}
EDITORS=${EDITORS:-2}
PORT=${PORT:-5033}
BASE=http://127.0.0.1:$PORT
PY=$TOP/.venv/bin/python
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(1000 10000)
ENDPOINTS=(finder offer map wfs wms ogcapi)

log() { printf 'load: %s\n' "$*" >&2; }
die() { printf 'load: ERROR: %s\n' "$*" >&2; exit 1; }
command -v wrk >/dev/null || die "wrk missing (apt-get install wrk)"

bash "$TOP/dev/services.sh" start >/dev/null

PIDFILE=$ROOT/gunicorn.pid
stop() {
  [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null || true
  sleep 1
  rm -f "$PIDFILE"
}
trap stop EXIT

prepare() {  # N → DIR with ckan.ini, token, names, *.paths
  local n=$1 dir=$ROOT/$1 db=ckan_load_$1
  mkdir -p "$dir"
  bash "$TOP/dev/services.sh" db "$db" >/dev/null
  bash "$TOP/dev/services.sh" solr-core "$db" >/dev/null
  bash "$TOP/dev/write-config.sh" "$dir/ckan.ini" "$db" "$db" 7 "$PORT" >/dev/null
  # the load sends many problem reports from one address (the default limit is 5 per hour)
  "$TOP/.venv/bin/ckan" config-tool "$dir/ckan.ini" \
    "ckanext.keck_homeless.reports.per_client_per_hour = 1000000" \
    "ckanext.keck_homeless.reports.per_offer_per_day = 1000000" >/dev/null
  local ckan="$TOP/.venv/bin/ckan -c $dir/ckan.ini"
  $ckan db upgrade >/dev/null 2>&1
  $ckan db upgrade -p activity >/dev/null 2>&1 || true
  if ! "$PY" "$TOP/bench/mixed_setup.py" -c "$dir/ckan.ini" --offers "$n" --out "$dir"; then
    log "N=$n: starting from an empty database"
    $ckan db clean --yes >/dev/null 2>&1
    PGPASSWORD=pass psql -q -h 127.0.0.1 -U ckan_default "$db" \
      -c "DROP SCHEMA IF EXISTS keck_homeless CASCADE" >/dev/null 2>&1
    $ckan db upgrade >/dev/null 2>&1
    $ckan db upgrade -p activity >/dev/null 2>&1 || true
    $ckan search-index clear >/dev/null 2>&1 || true
    "$PY" "$TOP/bench/mixed_setup.py" -c "$dir/ckan.ini" --offers "$n" --out "$dir"
  fi
}

start() {  # DIR
  CKAN_INI=$1/ckan.ini "$TOP/.venv/bin/gunicorn" --chdir "$TOP" -k gthread --workers 2 \
    --threads 4 -b "127.0.0.1:$PORT" --pid "$PIDFILE" --timeout 120 --daemon \
    --no-control-socket --error-logfile "$1/gunicorn.log" ckanext.keck_homeless.wsgi:application
  for _ in $(seq 300); do
    curl -fs -o /dev/null "$BASE/api/3/action/status_show" && return 0
    sleep 0.2
  done
  die "gunicorn did not start ($1/gunicorn.log)"
}

ms() {  # wrk's "12.34ms" / "1.20s" / "850.00us" → milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0;
                         else if (v ~ /s$/) n *= 1000; printf "%.1f", n }'
}

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), commit $(git -C "$TOP" rev-parse --short HEAD), $(nproc) cores;" \
  "${SECS} s per N, $READERS connections per read endpoint, $EDITORS editors + 1 reporter"
for n in "${NS[@]}"; do
  dir=$ROOT/$n
  prepare "$n"
  start "$dir"
  # warm each endpoint once (a worker's first list of 10,000 offers takes ~2 s)
  for e in "${ENDPOINTS[@]}"; do
    curl -s -o /dev/null "$BASE$(head -1 "$dir/$e.paths")" || true
  done
  log "N=$n: ${SECS} s of mixed load"
  readers=()
  for e in "${ENDPOINTS[@]}"; do
    wrk -t 1 -c "$READERS" -d "${SECS}s" --timeout 30s --latency -s "$TOP/bench/paths.lua" \
      "$BASE" -- "$dir/$e.paths" >"$dir/$e.wrk" 2>&1 &
    readers+=($!)
  done
  "$PY" "$TOP/bench/mixed_writes.py" "$BASE" "$dir" "$SECS" --editors "$EDITORS" >"$dir/writes.tsv"
  wait "${readers[@]}" || true
  printf '\n| offers | endpoint | requests | req/s | p50 ms | p99 ms | errors |\n'
  printf '|---:|---|---:|---:|---:|---:|---:|\n'
  for e in "${ENDPOINTS[@]}"; do
    f=$dir/$e.wrk
    reqs=$(awk '/requests in/ {print $1}' "$f")
    rps=$(awk '/Requests\/sec/ {print $2}' "$f")
    p50=$(awk '/^ *50%/ {print $2}' "$f")
    p99=$(awk '/^ *99%/ {print $2}' "$f")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$f")
    sock=$(awk '/Socket errors/ {gsub(",", ""); print $4 + $6 + $8 + $10}' "$f")
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$e" "${reqs:-0}" "${rps:-0}" \
      "$(ms "${p50:-0}")" "$(ms "${p99:-0}")" "$(( ${non2xx:-0} + ${sock:-0} ))"
  done
  while IFS=$'\t' read -r kind reqs rps p50 p99 errors; do
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$n" "$kind" "$reqs" "$rps" "$p50" "$p99" "$errors"
  done <"$dir/writes.tsv"
  stop
  if "$TOP/.venv/bin/ckan" -c "$dir/ckan.ini" keck-homeless check >"$dir/check.out" 2>&1; then
    printf '\ncheck (N=%s): %s\n' "$n" "$(tail -1 "$dir/check.out")"
  else
    printf '\ncheck (N=%s): FAILED\n' "$n"
    grep -v '^warning:' "$dir/check.out" | head -20
    exit 1
  fi
done
