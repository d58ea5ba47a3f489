#!/usr/bin/env bash
# The help finder at scale: /hilfe (first page of the list) and /hilfe/karte.json
# (every matching offer, for the map) with N offers in the feature store, under
# 8 concurrent clients (wrk), CKAN served as `make demo` serves it (gunicorn,
# 2 threaded workers × 4 threads). Prints per N and URL: req/s, p50, p99,
# non-2xx, the bytes a phone downloads (gzip) and the time of the first request
# after start (nothing cached yet).
#
#   bash bench/finder_scale.sh              N = 1000 10000
#   bash bench/finder_scale.sh 10000
#
# Uses the bench database that bench/run.sh prepares (ckan_bench and
# .bench/ckan.ini; run `bash bench/run.sh 1000` once first) and fills it with
# bench/load.py. Settings: PORT (5031), SECONDS_PER_RUN (8), CLIENTS (8),
# PAGE_SIZE (the finder's ckanext.keck_homeless.finder.page_size; default: the ini's).
set -euo pipefail

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
DIR=$TOP/.bench
PORT=${PORT:-5031}
SECS=${SECONDS_PER_RUN:-8}
CLIENTS=${CLIENTS:-8}
DB_URL=postgresql://ckan_default:pass@127.0.0.1:5432/${BENCH_DB:-ckan_bench}
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(1000 10000)
BASE=http://127.0.0.1:$PORT

die() { printf 'finder-bench: ERROR: %s\n' "$*" >&2; exit 1; }
[ -f "$DIR/ckan.ini" ] || die "no $DIR/ckan.ini: run bash bench/run.sh 1000 once first"
command -v wrk >/dev/null || die "wrk missing (apt-get install wrk)"

INI=$DIR/ckan.ini
if [ -n "${PAGE_SIZE:-}" ]; then
  INI=$DIR/finder-ckan.ini
  cp "$DIR/ckan.ini" "$INI"
  "$TOP/.venv/bin/ckan" config-tool "$INI" "ckanext.keck_homeless.finder.page_size = $PAGE_SIZE" >/dev/null
fi

start() {
  CKAN_INI=$INI "$TOP/.venv/bin/gunicorn" --chdir "$TOP" -k gthread --workers 2 \
    --threads 4 -b "127.0.0.1:$PORT" --pid "$DIR/finder-gunicorn.pid" --timeout 120 --daemon \
    --no-control-socket --error-logfile "$DIR/finder-gunicorn.log" \
    ckanext.keck_homeless.wsgi:application
  for _ in $(seq 200); do
    curl -fs -o /dev/null "$BASE/api/3/action/status_show" && return 0
    sleep 0.2
  done
  die "gunicorn did not start ($DIR/finder-gunicorn.log)"
}
stop() {
  [ -f "$DIR/finder-gunicorn.pid" ] && kill "$(cat "$DIR/finder-gunicorn.pid")" 2>/dev/null || true
  sleep 1
  rm -f "$DIR/finder-gunicorn.pid"
}
trap stop EXIT

printf '| offers | URL | req/s | p50 | p99 | non-2xx | gzip bytes | first request |\n'
printf '|---:|---|---:|---:|---:|---:|---:|---:|\n'
for n in "${NS[@]}"; do
  "$TOP/.venv/bin/python" "$TOP/bench/load.py" "$DB_URL" "$n" >&2
  stop
  start
  for path in /hilfe /hilfe/karte.json; do
    first=$(curl -s -o /dev/null -w '%{time_total}' "$BASE$path")
    gz=$(curl -s -o /dev/null -H 'Accept-Encoding: gzip' -w '%{size_download}' "$BASE$path")
    wrk -t 2 -c "$CLIENTS" -d "${SECS}s" --timeout 30s --latency "$BASE$path" >"$DIR/finder-wrk.out" 2>&1 || true
    rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/finder-wrk.out")
    p50=$(awk '/^ *50%/ {print $2}' "$DIR/finder-wrk.out")
    p99=$(awk '/^ *99%/ {print $2}' "$DIR/finder-wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$DIR/finder-wrk.out")
    printf '| %s | `%s` | %s | %s | %s | %s | %s | %.0f ms |\n' "$n" "$path" "${rps:-0}" \
      "${p50:-?}" "${p99:-?}" "${non2xx:-0}" "$gz" "$(echo "$first * 1000" | bc -l)"
  done
done
echo "# $(date -u +%FT%TZ) $(hostname), $(nproc) cores, commit $(git -C "$TOP" rev-parse --short HEAD), page size ${PAGE_SIZE:-from ini}, $CLIENTS clients"
