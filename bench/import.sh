#!/usr/bin/env bash
# Import speed (issue 11): N offers through the importer against the same rows
# as plain package_create calls on CKAN's stock 'dataset' type, in one run and
# one CKAN (the demo's plugins, activity included; real PostgreSQL, Redis and
# Solr), plus a dry run of M rows. A fresh database and Solr core every run.
#
#   bash bench/import.sh            # N = 1000, M = 5000
#   OFFERS=200 DRY_RUN_ROWS=500 bash bench/import.sh
# It also times the write path (issue 13): PATCHES (200) offers and plain
# datasets changed with package_patch, interleaved, with the store-sync share.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/.." && pwd)
DIR=$TOP/.bench-import
DB=${BENCH_DB:-ckan_import_bench}
OFFERS=${OFFERS:-1000}
DRY_RUN_ROWS=${DRY_RUN_ROWS:-5000}
mkdir -p "$DIR"

bash "$TOP/dev/services.sh" start >/dev/null
bash "$TOP/dev/services.sh" db "$DB" >/dev/null
bash "$TOP/dev/services.sh" solr-core "$DB" >/dev/null
bash "$TOP/dev/write-config.sh" "$DIR/ckan.ini" "$DB" "$DB" 6 5029 >/dev/null
ckan="$TOP/.venv/bin/ckan -c $DIR/ckan.ini"
# a fresh CKAN: empty database (CKAN's tables and ours) and search index
$ckan db clean --yes >/dev/null 2>&1
PGPASSWORD=pass psql -q -h 127.0.0.1 -U ckan_default "$DB" \
  -c "DROP SCHEMA IF EXISTS keck_homeless CASCADE" >/dev/null 2>&1
$ckan db upgrade >/dev/null 2>&1
$ckan db upgrade -p activity >/dev/null 2>&1 || true
$ckan search-index clear >/dev/null 2>&1 || true

echo "commit $(git -C "$TOP" rev-parse --short HEAD), $(nproc) cores, $(date -u '+%Y-%m-%d %H:%M UTC')"
"$TOP/.venv/bin/python" "$TOP/bench/import_speed.py" -c "$DIR/ckan.ini" \
  --offers "$OFFERS" --dry-run-rows "$DRY_RUN_ROWS" --patches "${PATCHES:-200}" \
  --batch "${BATCH:-0}"
