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
# WORKER_OUT=<dir>: build there instead (bench/profile-worker.mjs: a build that keeps its wasm
# names, with CARGO_PROFILE_RELEASE_STRIP=false).
out="${WORKER_OUT:-$out}"
names=--strip-debug
if [ "${CARGO_PROFILE_RELEASE_STRIP:-}" = false ]; then names=--debuginfo; fi
# Tuned for speed, not size (the package builds are size-tuned): the worker's wasm runs on
# every request, and opt-level 3 with wasm-opt -O3 takes about a fifth off its wasm time per
# request (bench/analysis.md) for a larger upload (README.md states it). worker-build's own
# wasm-opt step would apply the package's -Oz arguments from Cargo.toml, so it is skipped and
# run here with the feature set worker-build enables (what workerd supports), and SIMD, which
# .cargo/config.toml turns on for the whole crate.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=3
worker-build --release --no-opt --out-dir "$out" -- --features "$features"
wasm-opt "$out/index_bg.wasm" -o "$out/index_bg.opt.wasm" -O3 "$names" --strip-producers \
  --enable-mutable-globals --enable-sign-ext --enable-nontrapping-float-to-int --enable-bulk-memory \
  --enable-multivalue --enable-reference-types --enable-exception-handling --enable-simd
mv "$out/index_bg.opt.wasm" "$out/index_bg.wasm"
# The entry module declares the shard class as a Durable Object (JS RPC needs it).
cp src/worker/entry.mjs "$out/worker/entry.mjs"
# RING_FILE=<path>: bundle that ring configuration (either form) into the worker, for rings too
# large for a var. Unset: the module exports null and the RING var (or the default) applies.
node scripts/ring-module.mjs ${RING_FILE:+"$RING_FILE"} "$out/worker/ring-config.mjs"
