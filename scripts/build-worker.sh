#!/usr/bin/env bash
# Builds the worker bundle (wrangler's [build] command).
#   scripts/build-worker.sh          the deployable worker -> build/worker/ (feature worker)
#   scripts/build-worker.sh --test   the test build -> build/test/worker/ (features worker +
#                                    conformance: the /__test/* routes and the shard call counter)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
if [ "${1:-}" = "--test" ]; then
  exec worker-build --release --out-dir build/test -- --features worker,conformance
fi
exec worker-build --release -- --features worker
