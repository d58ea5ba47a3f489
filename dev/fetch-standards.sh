#!/usr/bin/env bash
# The official standards data the tests validate against (never committed):
#   hsds/              Open Referral HSDS 3.0 schemas + tabular datapackage
#   dcat-ap-de-shacl/  GovData's SHACL shapes for DCAT-AP.de 3.0
# Uses ../shared/standards beside the checkout when present (nothing to do);
# otherwise clones the upstream repositories at the pinned commits into
# .standards/ (needs internet; fails with a clear message without it).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${KECK_STANDARDS_DIR:-}" ] && [ -d "$KECK_STANDARDS_DIR/hsds/schema/compiled" ]; then
  echo "fetch-standards: $KECK_STANDARDS_DIR"; exit 0
fi
if [ -d ../shared/standards/hsds/schema/compiled ]; then
  echo "fetch-standards: $(cd ../shared/standards && pwd)"; exit 0
fi
dest=.standards
HSDS_REPO=https://github.com/openreferral/specification.git
HSDS_COMMIT=279fd2e
SHACL_REPO=https://github.com/GovDataOfficial/DCAT-AP.de-SHACL-Validation.git
SHACL_COMMIT=0715dd6
fetch() {  # repo commit target
  local tmp; tmp=$(mktemp -d)
  if ! git clone -q "$1" "$tmp/repo" 2>/dev/null; then
    echo "fetch-standards: cannot clone $1 (no internet?). Put the files in" \
         "../shared/standards or set KECK_STANDARDS_DIR." >&2
    rm -rf "$tmp"; exit 1
  fi
  git -C "$tmp/repo" -c advice.detachedHead=false checkout -q "$2"
  rm -rf "$3"; mkdir -p "$(dirname "$3")"; mv "$tmp/repo" "$3"; rm -rf "$tmp"
}
[ -d "$dest/hsds/schema/compiled" ] || fetch "$HSDS_REPO" "$HSDS_COMMIT" "$dest/hsds"
[ -d "$dest/dcat-ap-de-shacl/validator" ] || fetch "$SHACL_REPO" "$SHACL_COMMIT" "$dest/dcat-ap-de-shacl"
echo "fetch-standards: $(cd "$dest" && pwd)"
