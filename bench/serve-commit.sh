#!/usr/bin/env bash
# Serve an older commit of the extension next to `make demo` (same database,
# same Solr core, same venv), to measure it side by side with the current one:
#
#   bash bench/serve-commit.sh 678c323 5030      # then: bench/finder.py URL_OLD URL_NEW
#   bash bench/serve-commit.sh --stop 5030
#
# The commit is checked out into a git worktree under .cache/; a
# sitecustomize.py put first on PYTHONPATH removes the editable install's import
# hook and lets `ckanext.keck_homeless` come from that worktree instead.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
if [ "${1:-}" = "--stop" ]; then
  pkill -f "127.0.0.1:${2:?port} --no-control-socket" || true
  exit 0
fi
commit=${1:?commit}; port=${2:?port}
tree=$top/.cache/serve-$commit
shim=$top/.cache/serve-$commit-path
if [ ! -d "$tree" ]; then
  git -C "$top" worktree add -q --detach "$tree" "$commit"
fi
mkdir -p "$shim"
cat > "$shim/sitecustomize.py" <<PY
import sys
sys.meta_path[:] = [f for f in sys.meta_path if "editable" not in repr(f).lower()]
import ckanext
ckanext.__path__.append("$tree/ckanext")
PY
cd "$tree"
PYTHONPATH=$shim CKAN_INI=$top/.demo/ckan.ini nohup "$top/.venv/bin/gunicorn" -k gthread \
  --workers 2 --threads 4 -b "127.0.0.1:$port" --no-control-socket \
  ckanext.keck_homeless.wsgi:application > "$top/.cache/serve-$commit.log" 2>&1 &
for _ in $(seq 60); do
  if curl -fs -o /dev/null "http://127.0.0.1:$port/hilfe"; then
    echo "commit $commit on http://127.0.0.1:$port (log .cache/serve-$commit.log)"; exit 0
  fi
  sleep 1
done
echo "serve-commit: $commit did not come up, see .cache/serve-$commit.log" >&2
exit 1
