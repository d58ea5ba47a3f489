#!/usr/bin/env bash
# Side-by-side benchmark: ckanext-keck_homeless (CKAN under gunicorn) against
# MapServer 8 (persistent FastCGI processes behind nginx), both reading the
# SAME PostGIS table keck_homeless.offer of the database ckan_bench.
#
#   bash bench/run.sh                  N = 1000 10000 100000
#   bash bench/run.sh 1000             only N = 1000
#
# Needs: the dev stack (bash dev/services.sh start), .venv with gunicorn, and
# the Debian packages cgi-mapserver mapserver-bin spawn-fcgi nginx wrk.
# Settings (environment): WORKERS (2; gunicorn workers = MapServer FastCGI
# processes), SECONDS_PER_RUN (8), ROUNDS (2; ours/MapServer alternate per
# round), OURS_PORT (5026), MS_PORT (5027; nginx), FCGI_PORT (5028; mapserv),
# BENCH_DB (ckan_bench).
set -euo pipefail

TOP=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/.." && pwd -P)
DIR=$TOP/.bench
DB=${BENCH_DB:-ckan_bench}
WORKERS=${WORKERS:-2}
SECS=${SECONDS_PER_RUN:-8}
ROUNDS=${ROUNDS:-2}
OURS_PORT=${OURS_PORT:-5026}
MS_PORT=${MS_PORT:-5027}
FCGI_PORT=${FCGI_PORT:-5028}
DB_URL=postgresql://ckan_default:pass@127.0.0.1:5432/$DB
PY=$TOP/.venv/bin/python
NS=("$@")
[ ${#NS[@]} -gt 0 ] || NS=(1000 10000 100000)

OURS=http://127.0.0.1:$OURS_PORT/keck-homeless/ows
MS=http://127.0.0.1:$MS_PORT/mapserv
COUNTY=295000,5605000,350000,5660000   # 55 x 55 km around the Kreis Düren
RESULTS=$DIR/results.tsv

log() { printf 'bench: %s\n' "$*" >&2; }
die() { printf 'bench: ERROR: %s\n' "$*" >&2; exit 1; }

for tool in wrk spawn-fcgi nginx /usr/lib/cgi-bin/mapserv; do
  command -v "$tool" >/dev/null || die "$tool missing (apt-get install wrk spawn-fcgi nginx cgi-mapserver mapserver-bin)"
done
[ -x "$TOP/.venv/bin/gunicorn" ] || die "gunicorn missing in .venv (pip install gunicorn)"

# -- provision ----------------------------------------------------------------
mkdir -p "$DIR/nginx-tmp"
bash "$TOP/dev/services.sh" db "$DB" >/dev/null
bash "$TOP/dev/services.sh" solr-core "$DB" >/dev/null
bash "$TOP/dev/write-config.sh" "$DIR/ckan.ini" "$DB" "$DB" 5 "$OURS_PORT" \
  "keck_homeless scheming_datasets spatial_metadata spatial_query" >/dev/null
"$TOP/.venv/bin/ckan" -c "$DIR/ckan.ini" db upgrade >/dev/null 2>&1

sed -e "s|@CONNECTION@|host=127.0.0.1 port=5432 dbname=$DB user=ckan_default password=pass options='-c jit=off'|" \
    -e "s|@ONLINE@|$MS?|" "$TOP/bench/mapserver/offers.map.in" >"$DIR/offers.map"
sed -e "s|@DIR@|$DIR|g" "$TOP/bench/mapserver/mapserver.conf.in" >"$DIR/mapserver.conf"
sed -e "s|@DIR@|$DIR|g" -e "s|@PORT@|$MS_PORT|g" -e "s|@FCGI_PORT@|$FCGI_PORT|g" "$TOP/bench/nginx.conf.in" >"$DIR/nginx.conf"

# -- start both servers ---------------------------------------------------------
cleanup() {
  [ -f "$DIR/gunicorn.pid" ] && kill "$(cat "$DIR/gunicorn.pid")" 2>/dev/null || true
  [ -f "$DIR/nginx.pid" ] && kill "$(cat "$DIR/nginx.pid")" 2>/dev/null || true
  if [ -f "$DIR/mapserv.pids" ]; then
    # mapserv's FastCGI loop ignores SIGTERM while it waits for a request
    for pid in $(cat "$DIR/mapserv.pids"); do kill -9 "$pid" 2>/dev/null || true; done
  fi
  rm -f "$DIR/gunicorn.pid" "$DIR/mapserv.pids"
}
trap cleanup EXIT
cleanup
for port in "$OURS_PORT" "$MS_PORT" "$FCGI_PORT"; do
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
    die "port $port is in use (a server left over from an earlier run?)"
  fi
done

log "starting gunicorn ($WORKERS workers) on :$OURS_PORT"
CKAN_INI=$DIR/ckan.ini CKAN_SITE_URL=http://127.0.0.1:$OURS_PORT \
  "$TOP/.venv/bin/gunicorn" --chdir "$TOP" -w "$WORKERS" -b "127.0.0.1:$OURS_PORT" \
  --pid "$DIR/gunicorn.pid" --timeout 120 --daemon --no-control-socket --error-logfile "$DIR/gunicorn.log" \
  ckanext.keck_homeless.wsgi:application
for _ in $(seq 50); do [ -s "$DIR/gunicorn.pid" ] && break; sleep 0.1; done

log "starting $WORKERS MapServer FastCGI processes + nginx on :$MS_PORT"
# spawn-fcgi -F forks WORKERS processes, each a persistent FastCGI loop of mapserv
MAPSERVER_CONFIG_FILE=$DIR/mapserver.conf spawn-fcgi -a 127.0.0.1 -p "$FCGI_PORT" -F "$WORKERS" \
  -P "$DIR/mapserv.pids" -- /usr/lib/cgi-bin/mapserv >"$DIR/spawn-fcgi.log" 2>&1 \
  || die "spawn-fcgi failed: $(cat "$DIR/spawn-fcgi.log")"
nginx -c "$DIR/nginx.conf" -p "$DIR" 2>>"$DIR/nginx-error.log"

for _ in $(seq 120); do
  curl -fs -o /dev/null "http://127.0.0.1:$OURS_PORT/api/3/action/status_show" && break
  sleep 0.5
done
curl -fs -o /dev/null "http://127.0.0.1:$OURS_PORT/api/3/action/status_show" || die "gunicorn did not start ($DIR/gunicorn.log)"

# -- helpers ----------------------------------------------------------------------
worker_pids() { pgrep -P "$(cat "$DIR/gunicorn.pid")" || true; }

# check URL: print status, content type, size and the first bytes
check() {
  local name=$1 url=$2
  curl -s -o "$DIR/check.out" -w "%{http_code} %{content_type} %{size_download}" "$url" >"$DIR/check.meta"
  printf '  %-28s %s  %s\n' "$name" "$(cat "$DIR/check.meta")" \
    "$(head -c 90 "$DIR/check.out" | tr -c '[:print:]' ' ')" >&2
}

# run CASE N OURS_URL MS_URL [lua]: interleaved wrk rounds, one line per round
run_case() {
  local case=$1 n=$2 ours=$3 ms=$4 lua=${5:-}
  local args=(-t "$WORKERS" -c "$WORKERS" -d "${DUR:-$SECS}s" --timeout 60s --latency)
  [ -n "$lua" ] && args+=(-s "$TOP/bench/$lua")
  check "$case ours" "$ours"
  check "$case mapserver" "$ms"
  for round in $(seq "$ROUNDS"); do
    for side in ours mapserver; do
      local url=$ours
      [ "$side" = mapserver ] && url=$ms
      wrk "${args[@]}" "$url" >"$DIR/wrk.out" 2>&1 || true
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

wms() {  # base URL → GetMap of the county, BBOX last (for cold.lua)
  echo "$1?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetMap&LAYERS=hilfsangebote&STYLES=&CRS=EPSG:25832&WIDTH=512&HEIGHT=512&FORMAT=image/png&TRANSPARENT=TRUE&BBOX=$COUNTY"
}
wfs() {  # base URL, type name, extra KVP
  echo "$1?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetFeature&TYPENAMES=$2&COUNT=100000$3"
}
GEOJSON_OURS='&OUTPUTFORMAT=application/json'
GEOJSON_MS='&OUTPUTFORMAT=geojson'
GML32='&OUTPUTFORMAT=application/gml%2Bxml;%20version=3.2'

: >"$RESULTS"
echo "# started $(date -u +%FT%TZ) on $(hostname), $(nproc) cores; workers=$WORKERS secs=$SECS rounds=$ROUNDS" >"$DIR/rss.txt"

for n in "${NS[@]}"; do
  log "loading $n offers into $DB"
  "$PY" "$TOP/bench/load.py" "$DB_URL" "$n" >&2
  ours_wfs_all=$(wfs "$OURS" keck:hilfsangebote "$GEOJSON_OURS")
  ms_wfs_all=$(wfs "$MS" hilfsangebote "$GEOJSON_MS")
  case $n in
    1000)
      run_case wfs_geojson_all "$n" "$ours_wfs_all" "$ms_wfs_all"
      run_case wms_getmap_cold "$n" "$(wms "$OURS")" "$(wms "$MS")" cold.lua
      run_case wms_getmap_repeated "$n" "$(wms "$OURS")" "$(wms "$MS")"
      run_case wms_getcapabilities "$n" "$OURS?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities" \
        "$MS?SERVICE=WMS&VERSION=1.3.0&REQUEST=GetCapabilities"
      run_case wfs_getcapabilities "$n" "$OURS?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities" \
        "$MS?SERVICE=WFS&VERSION=2.0.0&REQUEST=GetCapabilities"
      ;;
    10000)
      run_case wfs_geojson_all "$n" "$ours_wfs_all" "$ms_wfs_all"
      run_case wfs_gml32_all "$n" "$(wfs "$OURS" keck:hilfsangebote "$GML32")" \
        "$(wfs "$MS" hilfsangebote "$GML32")"
      run_case wms_getmap_cold "$n" "$(wms "$OURS")" "$(wms "$MS")" cold.lua
      run_case wms_getmap_repeated "$n" "$(wms "$OURS")" "$(wms "$MS")"
      ;;
    *)
      # peak RSS of our workers while they answer the 100k GeoJSON requests
      before=$(for p in $(worker_pids); do awk '/VmRSS/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
      touch "$DIR/sampling"; echo 0 >"$DIR/rss.peak"
      ( peak=0; while [ -f "$DIR/sampling" ]; do
          for p in $(worker_pids); do
            r=$(awk '/VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null || echo 0)
            [ "${r:-0}" -gt "$peak" ] && peak=$r
          done
          echo "$peak" >"$DIR/rss.peak"; sleep 0.05
        done ) &
      DUR=$((SECS * 4)) run_case wfs_geojson_all "$n" "$ours_wfs_all" "$ms_wfs_all"
      rm -f "$DIR/sampling"; wait
      hwm=$(for p in $(worker_pids); do awk '/VmHWM/ {print $2}' "/proc/$p/status"; done | sort -n | tail -1)
      echo "N=$n worker VmRSS before: ${before} kB, sampled peak during GeoJSON-all: $(cat "$DIR/rss.peak") kB, VmHWM (lifetime peak) after: ${hwm} kB" | tee -a "$DIR/rss.txt" >&2
      bbox=$("$PY" "$TOP/bench/bbox.py" "$DB_URL" 1 | cut -d' ' -f1)
      run_case wfs_bbox_1pct "$n" "$(wfs "$OURS" keck:hilfsangebote "$GEOJSON_OURS&BBOX=$bbox,urn:ogc:def:crs:EPSG::25832")" \
        "$(wfs "$MS" hilfsangebote "$GEOJSON_MS&BBOX=$bbox,urn:ogc:def:crs:EPSG::25832")"
      run_case wfs_hits "$n" "$(wfs "$OURS" keck:hilfsangebote "&RESULTTYPE=hits")" \
        "$(wfs "$MS" hilfsangebote "&RESULTTYPE=hits")"
      DUR=$((SECS * 3)) run_case wms_getmap_cold "$n" "$(wms "$OURS")" "$(wms "$MS")" cold.lua
      DUR=$((SECS * 3)) run_case wms_getmap_repeated "$n" "$(wms "$OURS")" "$(wms "$MS")"
      ;;
  esac
done

"$PY" "$TOP/bench/report.py" "$RESULTS" "$DIR/rss.txt"
