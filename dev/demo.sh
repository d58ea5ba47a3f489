#!/usr/bin/env bash
# Load the demo data and serve CKAN (called by `make demo`; `--stop` stops it).
# usage: dev/demo.sh [--stop] INI PORT
#
# CKAN is served by gunicorn (a production WSGI server; threaded workers keep
# HTTP/1.1 connections alive) through ckanext.keck_homeless.wsgi, not by the
# `ckan run` development server. Settings (environment): DEMO_WORKERS (2),
# DEMO_THREADS (4). No gunicorn control socket: it has one fixed default path
# per user, which a second gunicorn (tests, benchmark) would take over.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
ckan="$top/.venv/bin/ckan"
gunicorn="$top/.venv/bin/gunicorn"
stop=0
if [ "${1:-}" = "--stop" ]; then stop=1; shift; fi
ini=$1 port=$2
state=$(dirname "$ini")
pidfile="$state/ckan.pid"

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

# The demo's mail goes to a local SMTP sink (aiosmtpd) that writes every
# message to $state/mail.log: reminders and problem reports can be read
# there. Production sets smtp.* to the county's mail server.
smtp_port=${SMTP_PORT:-8025}
smtp_pidfile="$state/smtp.pid"
smtp_running() { [ -f "$smtp_pidfile" ] && kill -0 "$(cat "$smtp_pidfile")" 2>/dev/null; }

# SIGTERM: gunicorn's master shuts its workers down gracefully, then exits.
stop_server() {
  local pid
  pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
  rm -f "$pidfile"
}

if [ $stop = 1 ]; then
  if running; then stop_server; echo "CKAN demo server stopped"; fi
  if smtp_running; then kill "$(cat "$smtp_pidfile")"; rm -f "$smtp_pidfile"; echo "demo mail sink stopped"; fi
  exit 0
fi

name=${CKAN_SYSADMIN_NAME:-admin}
password=${CKAN_SYSADMIN_PASSWORD:-keck-demo-admin}
email=${CKAN_SYSADMIN_EMAIL:-admin@example.org}
if ! "$ckan" -c "$ini" user show "$name" 2>/dev/null | grep -q "name=$name"; then
  "$ckan" -c "$ini" user add "$name" "password=$password" "email=$email" >/dev/null
fi
"$ckan" -c "$ini" sysadmin add "$name" >/dev/null 2>&1 || true

# The services' contact (fictional, like the demo offers): a role, a role
# mailbox and a number from the range reserved for media.
"$ckan" config-tool "$ini" \
  "ckanext.keck_homeless.ogc.contact_person = Fachstelle Wohnungsnotfälle (Demo)" \
  "ckanext.keck_homeless.ogc.contact_email = geodienste@kreis-demo.example.org" \
  "ckanext.keck_homeless.ogc.contact_phone = 0221 4710-200" >/dev/null

echo "Loading demo data through ckan keck-homeless import ..."
"$ckan" -c "$ini" keck-homeless import "$top/dev/demo/offers.csv" \
  --organizations "$top/dev/demo/organizations.json"

# The 15 municipalities (BKG VG5000, dl-de/by-2-0) for the KECK-Atlas areas, read from
# ../shared beside the checkout when present (never copied into the project).
areas_file="$top/../shared/data/areas/kreis-dueren-gemeinden.geojson"
if [ -f "$areas_file" ]; then
  echo "Loading the municipalities of the Kreis Düren as areas ..."
  "$ckan" -c "$ini" keck-homeless areas load "$areas_file" --level gemeinde \
    --code-field ags --name-field name \
    --source-note "© GeoBasis-DE / BKG 2021 (Daten verändert)" \
    --source-url "http://www.bkg.bund.de"
else
  echo "No municipal boundaries at $areas_file: areas not loaded (see README, Areas)"
fi

echo "Publishing the OGC services dataset and the offers' dataset (catalogue) ..."
"$ckan" -c "$ini" keck-homeless publish-services --organization demo-sozialamt-kreis-dueren

if ! smtp_running; then
  nohup "$top/.venv/bin/python" -m aiosmtpd -n -l "127.0.0.1:$smtp_port" \
    -c aiosmtpd.handlers.Debugging >> "$state/mail.log" 2>&1 &
  echo $! > "$smtp_pidfile"
fi

if running; then
  echo "CKAN already running (pid $(cat "$pidfile")); restarting to pick up changes"
  stop_server
fi
ini_abs=$(cd "$(dirname "$ini")" && pwd)/$(basename "$ini")
CKAN_INI="$ini_abs" nohup "$gunicorn" --chdir "$top" \
  --worker-class gthread --workers "${DEMO_WORKERS:-2}" --threads "${DEMO_THREADS:-4}" \
  --bind "127.0.0.1:$port" --timeout 120 --graceful-timeout 10 \
  --no-control-socket --access-logfile - ckanext.keck_homeless.wsgi:application \
  > "$state/ckan.log" 2>&1 &
echo $! > "$pidfile"
for _ in $(seq 1 60); do
  if curl -fs -o /dev/null "http://127.0.0.1:$port/api/3/action/status_show"; then break; fi
  if ! running; then echo "CKAN failed to start; last lines of $state/ckan.log:"; tail -n 30 "$state/ckan.log"; exit 1; fi
  sleep 1
done
curl -fsS -o /dev/null "http://127.0.0.1:$port/api/3/action/status_show" || {
  echo "CKAN did not answer within 60 s; see $state/ckan.log"; exit 1; }
cat <<TXT

  CKAN demo        http://127.0.0.1:$port/            (gunicorn, log: $state/ckan.log, pid $(cat "$pidfile"))
  Help offers      http://127.0.0.1:$port/hilfsangebot/
  Help finder      http://127.0.0.1:$port/hilfe
  WFS / WMS        http://127.0.0.1:$port/keck-homeless/ows?SERVICE=WFS&REQUEST=GetCapabilities
  OGC API Features http://127.0.0.1:$port/keck-homeless/ogcapi/
  Flyer (PDF)      http://127.0.0.1:$port/keck-homeless/flyer.pdf
  DCAT-AP.de       http://127.0.0.1:$port/catalog.ttl
  HSDS 3.0 API     http://127.0.0.1:$port/keck-homeless/hsds/
  Mail (demo sink) $state/mail.log   (reminders: ckan -c $ini keck-homeless remind)
  Sysadmin         $name / $password   (CKAN_SYSADMIN_NAME / CKAN_SYSADMIN_PASSWORD)
  Config           $ini
TXT
bash "$top/dev/services.sh" status || true
echo "  Stop everything: make stop"
