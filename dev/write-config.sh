#!/usr/bin/env bash
# Write a CKAN config for the demo or the tests.
# usage: dev/write-config.sh INI DB SOLR_CORE REDIS_DB PORT [PLUGINS]
# The demo and the tests load the same plugins (the county's site runs with
# `activity`); only PLUGINS overrides them.
set -euo pipefail
ini=$1 db=$2 core=$3 redis_db=$4 port=$5
plugins=${6:-keck_homeless scheming_datasets spatial_metadata spatial_query geo_view activity dcat}
# The same port settings as dev/services.sh.
pg_port=${PG_PORT:-5432} redis_port=${REDIS_PORT:-6379} solr_port=${SOLR_PORT:-8983}
top=$(cd "$(dirname "$0")/.." && pwd)
ckan="$top/.venv/bin/ckan"
mkdir -p "$(dirname "$ini")"
dir=$(cd "$(dirname "$ini")" && pwd)
mkdir -p "$dir/storage"
if [ ! -f "$ini" ]; then
  "$ckan" generate config "$ini" >/dev/null
fi
"$ckan" config-tool "$ini" \
  "sqlalchemy.url = postgresql://ckan_default:pass@127.0.0.1:$pg_port/$db" \
  "solr_url = http://127.0.0.1:$solr_port/solr/$core" \
  "ckan.redis.url = redis://127.0.0.1:$redis_port/$redis_db" \
  "ckan.site_url = http://127.0.0.1:$port" \
  "ckan.site_title = Hilfsangebote Kreis Düren (Demo)" \
  "ckan.storage_path = $dir/storage" \
  "ckan.plugins = $plugins" \
  "scheming.dataset_schemas = ckanext.keck_homeless.schemas:hilfsangebot.yaml ckanext.keck_homeless.schemas:dataset.yaml" \
  "scheming.presets = ckanext.scheming:presets.json ckanext.keck_homeless.schemas:presets.yaml" \
  "scheming.dataset_fallback = false" \
  "ckanext.spatial.search_backend = solr-bbox" \
  "ckan.locale_default = de" \
  "ckan.locales_offered = de en" \
  "ckan.auth.create_user_via_web = false" \
  "ckan.auth.user_create_organizations = false" \
  "ckan.auth.create_unowned_dataset = false" \
  "smtp.server = 127.0.0.1:${SMTP_PORT:-8025}" \
  "smtp.mail_from = hilfsangebote@kreis-dueren.example" \
  "ckan.search.solr_commit = true" \
  "ckan.activity_streams_enabled = true" \
  "ckanext.dcat.rdf.profiles = euro_dcat_ap_3 keck_dcat_ap_de" >/dev/null
"$ckan" config-tool "$ini" -s logger_root "level = WARNING" >/dev/null
"$ckan" config-tool "$ini" -s logger_ckan "level = WARNING" >/dev/null
"$ckan" config-tool "$ini" -s logger_ckanext "level = WARNING" >/dev/null
echo "$ini"
