#!/usr/bin/env bash
# Builds the worker bundle into build/worker (wrangler's [build] command).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
exec worker-build --release -- --features worker
