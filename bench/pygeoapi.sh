#!/usr/bin/env bash
# OGC API - Features side by side: our /keck-homeless/ogcapi (CKAN under
# gunicorn, 2 sync workers, as bench/run.sh) against pygeoapi (PyPI, its
# PostgreSQL provider, under gunicorn with the same 2 workers), both reading
# the SAME table keck_homeless.offer of the bench database. Interleaved wrk
# rounds; ratio = our req/s ÷ pygeoapi's.
#
#   bash bench/pygeoapi.sh               N = 1000 10000 100000
#   bash bench/pygeoapi.sh 1000
#
# Cases: every offer in one response (limit=N, GeoJSON), a bounding box with
# about 1 % of the offers, one feature by id. pygeoapi is installed into its
# own venv (.bench/pygeoapi-venv; Python 3.11 gets pygeoapi 0.21.0, the last
# release for it). Needs the bench database of bench/run.sh (run it once).
# Settings: WORKERS (2), SECONDS_PER_RUN (8), ROUNDS (2), OURS_PORT (5026),
# PEER_PORT (5032).
set -euo pipefail

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
DIR=$TOP/.bench
DB=${BENCH_DB:-ckan_bench}
WORKERS=${WORKERS:-2}
SECS=${SECONDS_PER_RUN:-8}
ROUNDS=${ROUNDS:-2}
OURS_PORT=${OURS_PORT:-5026}
PEER_PORT=${PEER_PORT:-5032}
DB_URL=postgresql://ckan_default:pass@127.0.0.1:5432/$DB
PY=$TOP/.venv/bin/python
VENV=$DIR/pygeoapi-venv
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(1000 10000 100000)
OURS=http://127.0.0.1:$OURS_PORT/keck-homeless/ogcapi/collections/hilfsangebote/items
PEER=http://127.0.0.1:$PEER_PORT/collections/hilfsangebote/items
RESULTS=$DIR/pygeoapi-results.tsv

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }
[ -f "$DIR/ckan.ini" ] || die "no $DIR/ckan.ini: run bash bench/run.sh 1000 once first"
command -v wrk >/dev/null || die "wrk missing (apt-get install wrk)"

if [ ! -x "$VENV/bin/pygeoapi" ]; then
  log "installing pygeoapi into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "pygeoapi==0.21.0" gunicorn psycopg2-binary geoalchemy2
fi
sed -e "s/@PORT@/$PEER_PORT/g" -e "s/@DB@/$DB/g" "$TOP/bench/pygeoapi/config.yml.in" >"$DIR/pygeoapi.yml"
(cd "$DIR" && PYGEOAPI_CONFIG=pygeoapi.yml "$VENV/bin/pygeoapi" openapi generate pygeoapi.yml \
  --output-file pygeoapi-openapi.yml >/dev/null 2>&1)

stop() {
  for pid in "$DIR/ours-oapi.pid" "$DIR/pygeoapi.pid"; do
    [ -f "$pid" ] && kill "$(cat "$pid")" 2>/dev/null || true
    rm -f "$pid"
  done
}
trap stop EXIT
start() {
  CKAN_INI=$DIR/ckan.ini "$TOP/.venv/bin/gunicorn" --chdir "$TOP" -w "$WORKERS" \
    -b "127.0.0.1:$OURS_PORT" --pid "$DIR/ours-oapi.pid" --timeout 300 --daemon \
    --no-control-socket --error-logfile "$DIR/ours-oapi.log" ckanext.keck_homeless.wsgi:application
  (cd "$DIR" && PYGEOAPI_CONFIG=pygeoapi.yml PYGEOAPI_OPENAPI=pygeoapi-openapi.yml \
    "$VENV/bin/gunicorn" -w "$WORKERS" -b "127.0.0.1:$PEER_PORT" --pid "$DIR/pygeoapi.pid" \
    --timeout 300 --daemon --error-logfile "$DIR/pygeoapi.log" pygeoapi.flask_app:APP)
  for _ in $(seq 150); do
    curl -fs -o /dev/null "$OURS?limit=1" && curl -fs -o /dev/null "$PEER?limit=1&f=json" && return 0
    sleep 0.2
  done
  die "a server did not start ($DIR/ours-oapi.log, $DIR/pygeoapi.log)"
}

run_case() {  # CASE N OURS_URL PEER_URL
  local case=$1 n=$2 ours=$3 peer=$4
  for side in ours pygeoapi; do
    local url=$ours; [ "$side" = pygeoapi ] && url=$peer
    printf '  %-22s %-9s %s\n' "$case" "$side" \
      "$(curl -s -o /dev/null -w '%{http_code} %{content_type} %{size_download}' "$url")" >&2
  done
  for round in $(seq "$ROUNDS"); do
    for side in ours pygeoapi; do
      local url=$ours; [ "$side" = pygeoapi ] && url=$peer
      wrk -t "$WORKERS" -c "$WORKERS" -d "${SECS}s" --timeout 120s --latency "$url" >"$DIR/wrk.out" 2>&1 || true
      local rps lat non2xx
      rps=$(awk '/Requests\/sec/ {print $2}' "$DIR/wrk.out")
      lat=$(awk '/^ *50%/ {print $2}' "$DIR/wrk.out")
      non2xx=$(awk '/Non-2xx/ {print $NF}' "$DIR/wrk.out")
      printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$case" "$n" "$side" "$round" "${rps:-0}" \
        "${lat:-?}" "${non2xx:-0}" >>"$RESULTS"
      log "$case N=$n $side round $round: ${rps:-0} req/s, median ${lat:-?}${non2xx:+, NON-2xx: $non2xx}"
    done
  done
}

: >"$RESULTS"
for n in "${NS[@]}"; do
  log "loading $n offers into $DB"
  "$PY" "$TOP/bench/load.py" "$DB_URL" "$n" >&2
  stop
  start
  box=$("$PY" "$TOP/bench/bbox.py" "$DB_URL" 1 | cut -d' ' -f1)
  lonlat=$("$PY" -c "
import sys
from pyproj import Transformer
t = Transformer.from_crs(25832, 4326, always_xy=True)
a, b, c, d = map(float, sys.argv[1].split(','))
x0, y0 = t.transform(a, b); x1, y1 = t.transform(c, d)
print(f'{x0:.6f},{y0:.6f},{x1:.6f},{y1:.6f}')" "$box")
  id=$(PGPASSWORD=pass psql -Atq -h 127.0.0.1 -U ckan_default "$DB" \
    -c "SELECT package_id FROM keck_homeless.offer ORDER BY package_id LIMIT 1 OFFSET $((n / 2))")
  run_case items_all "$n" "$OURS?limit=$n&f=json" "$PEER?limit=$n&f=json"
  run_case items_bbox_1pct "$n" "$OURS?limit=$n&f=json&bbox=$lonlat" "$PEER?limit=$n&f=json&bbox=$lonlat"
  run_case item_by_id "$n" "$OURS/$id?f=json" "$PEER/$id?f=json"
done

"$PY" - "$RESULTS" <<'EOF'
import collections, statistics, sys
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
rps = collections.defaultdict(list)
for case, n, side, _round, r, _lat, _bad in rows:
    rps[(case, int(n), side)].append(float(r))
print("| case | N | ours req/s | pygeoapi req/s | ratio ours/pygeoapi |")
print("|---|---:|---:|---:|---:|")
for (case, n, side) in sorted({(c, n, s) for c, n, s in rps if s == "ours"}, key=lambda k: (k[1], k[0])):
    ours, peer = statistics.mean(rps[(case, n, "ours")]), statistics.mean(rps[(case, n, "pygeoapi")])
    print(f"| {case} | {n} | {ours:.1f} | {peer:.1f} | **{ours / peer:.2f}** |")
EOF
echo "# $(date -u +%FT%TZ) $(hostname), $(nproc) cores, workers=$WORKERS secs=$SECS rounds=$ROUNDS, commit $(git -C "$TOP" rev-parse --short HEAD)"
