#!/usr/bin/env bash
# The main job: build and serve the worker with local KV + Durable Objects and the www/ page.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh
bash scripts/devkeys.sh
# the demo page uses the web build of the npm package (www/pkg, git-ignored)
bash scripts/build-www.sh
PORT="${PORT:-8787}"
echo "[dev] serving http://127.0.0.1:$PORT/ (Ctrl-C to stop)" >&2
wrangler dev --ip 127.0.0.1 --port "$PORT" --inspector-port "${INSPECTOR_PORT:-9229}" \
  --persist-to "${PERSIST_DIR:-$ROOT/.wrangler/state}" --show-interactive-dev-session=false &
pid=$!
# SIGTERM to wrangler shuts workerd down cleanly; forward INT/TERM and wait for it.
trap 'kill -TERM $pid 2>/dev/null; wait $pid 2>/dev/null; exit 0' INT TERM
wait $pid
