#!/usr/bin/env bash
# Builds the worker bundle (wrangler's [build] command).
#   scripts/build-worker.sh          the deployable worker -> build/worker/ (feature worker)
#   scripts/build-worker.sh --test   the test build -> build/test/worker/ (features worker +
#                                    conformance: the /__test/* routes and the shard call counter)
#   RING_FILE=ring.json ...          bundles that ring configuration (see scripts/ring-module.mjs)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
out=build features=worker
if [ "${1:-}" = "--test" ]; then out=build/test features=worker,conformance; fi
worker-build --release --out-dir "$out" -- --features "$features"
# The entry module declares the shard class as a Durable Object (JS RPC needs it).
cp src/worker/entry.mjs "$out/worker/entry.mjs"
# RING_FILE=<path>: bundle that ring configuration (either form) into the worker, for rings too
# large for a var. Unset: the module exports null and the RING var (or the default) applies.
node scripts/ring-module.mjs ${RING_FILE:+"$RING_FILE"} "$out/worker/ring-config.mjs"
