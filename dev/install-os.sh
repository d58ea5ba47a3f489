#!/usr/bin/env bash
# Install the Debian/Ubuntu packages the keck_homeless dev/test stack needs:
# PostgreSQL + PostGIS, Redis, build headers for the Python deps, and a JDK +
# Maven for the dev Solr (dev/solr).  Idempotent: only missing packages are
# installed, and `apt-get update` only runs when something is missing.
#
# Usage: bash dev/install-os.sh [--bench] [--cite]   (as root, or with sudo available)
#   --bench  also the benchmark peer: MapServer 8 (FastCGI), spawn-fcgi, nginx, wrk
#   --cite   also the JDK sources dev/cite.sh patches one class from
set -euo pipefail

BENCH=0 CITE=0
for arg in "$@"; do
    case "$arg" in
        --bench) BENCH=1 ;;
        --cite) CITE=1 ;;
        *) echo "install-os: unknown option $arg" >&2; exit 2 ;;
    esac
done

export DEBIAN_FRONTEND=noninteractive

log() { printf 'install-os: %s\n' "$*"; }
die() { printf 'install-os: ERROR: %s\n' "$*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    SUDO=()   # checked below, only if something must be installed
fi

command -v dpkg-query >/dev/null 2>&1 || die "dpkg-query not found: this script supports Debian/Ubuntu only"

# is_installed PKG: true when dpkg reports "install ok installed"
is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true)" = "install ok installed" ]
}

# Print the packages of "$@" that are not installed (one dpkg-query call).
missing_of() {
    local status pkg
    declare -A have=()
    while IFS=$'\t' read -r pkg status; do
        [ "$status" = "install ok installed" ] && have["${pkg%%:*}"]=1
    done < <(dpkg-query -W -f='${Package}\t${Status}\n' "$@" 2>/dev/null || true)
    for pkg in "$@"; do
        [ -n "${have[$pkg]:-}" ] || printf '%s\n' "$pkg"
    done
}

APT_UPDATED=0
apt_install() {
    [ "$#" -gt 0 ] || return 0
    if [ "$(id -u)" -ne 0 ] && [ "${#SUDO[@]}" -eq 0 ]; then
        die "need root (or sudo) to install: $*"
    fi
    if [ "$APT_UPDATED" -eq 0 ]; then
        log "apt-get update"
        "${SUDO[@]}" apt-get update -qq
        APT_UPDATED=1
    fi
    log "apt-get install $*"
    "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
        apt-get install -y -qq --no-install-recommends "$@"
}

# Highest PostgreSQL major version with a server binary installed, or "".
pg_major() {
    local d v best=""
    for d in /usr/lib/postgresql/*/bin/postgres; do
        [ -x "$d" ] || continue
        v=${d#/usr/lib/postgresql/}; v=${v%%/*}
        if [ -z "$best" ] || [ "$v" -gt "$best" ] 2>/dev/null; then best=$v; fi
    done
    printf '%s' "$best"
}

# 1. PostgreSQL server: keep whatever major is installed, else the distro's default.
PG_MAJOR=${PG_MAJOR:-$(pg_major)}
if [ -z "$PG_MAJOR" ]; then
    apt_install postgresql
    PG_MAJOR=$(pg_major)
    [ -n "$PG_MAJOR" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/postgres found"
fi

# 2. Everything else, PostGIS matching the server's major version.
PKGS=(
    "postgresql-$PG_MAJOR"
    "postgresql-$PG_MAJOR-postgis-3"
    redis-server
    libpq-dev
    build-essential
    libxml2-dev
    libxslt1-dev
    libgeos-dev
    gdal-bin
    libmagic1
    curl
    python3
    # flyer (WeasyPrint): Pango, HarfBuzz subsetting, fonts
    libpango-1.0-0
    libpangoft2-1.0-0
    libharfbuzz-subset0
    fonts-dejavu-core
    fonts-dejavu-extra
    # tests: PDF text and rendering (pdftotext, pdfinfo, pdftoppm), browser tests
    poppler-utils
    chromium
    # tests: LibreOffice (headless) opens our XLSX files and writes Excel-style CSV
    libreoffice-calc-nogui
)

# dev Solr (dev/solr): a JDK 17+ and Maven.  Accept any java/javac/mvn already on PATH.
java_major() {
    local v
    v=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p' | head -n1)
    printf '%s' "${v%%.*}"
}
NEED_JDK=0
if ! command -v java >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
    NEED_JDK=1
else
    JM=$(java_major)
    if ! [[ "$JM" =~ ^[0-9]+$ ]] || [ "$JM" -lt 17 ]; then NEED_JDK=1; fi
fi
command -v mvn >/dev/null 2>&1 || PKGS+=(maven)
if [ "$BENCH" -eq 1 ]; then
    PKGS+=(cgi-mapserver mapserver-bin spawn-fcgi nginx wrk)
fi
if [ "$CITE" -eq 1 ]; then
    PKGS+=(openjdk-17-source unzip)
fi
# Debian's own python3 ships venv/ensurepip separately (python3-venv); a
# python3 from elsewhere (pyenv, deadsnakes) usually has it built in.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    PKGS+=(python3-venv)
fi

mapfile -t MISSING < <(missing_of "${PKGS[@]}")
if [ "$NEED_JDK" -eq 1 ]; then
    # Java 17 where the distro has it (Debian 12, Ubuntu 22.04+), else the
    # distro default JDK (21 on Debian 13), which also runs Solr 9.
    if [ "$APT_UPDATED" -eq 0 ]; then "${SUDO[@]}" apt-get update -qq; APT_UPDATED=1; fi
    if apt-cache show openjdk-17-jdk-headless >/dev/null 2>&1; then
        MISSING+=(openjdk-17-jdk-headless)
    else
        MISSING+=(default-jdk-headless)
    fi
fi
if [ "${#MISSING[@]}" -eq 0 ]; then
    log "all packages present (PostgreSQL $PG_MAJOR)"
    exit 0
fi
apt_install "${MISSING[@]}"

mapfile -t STILL < <(missing_of "${PKGS[@]}")
[ "${#STILL[@]}" -eq 0 ] || die "still missing after install: ${STILL[*]}"
log "done (PostgreSQL $PG_MAJOR)"
