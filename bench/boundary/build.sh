#!/usr/bin/env bash
# Builds the boundary micro-benchmark wasm (bench/boundary) as the package is built (opt-level z,
# multi-value, reference types; --target nodejs) into target/boundary/, snippets as CommonJS.
set -euo pipefail
source "$(dirname "$0")/../../scripts/env.sh"
cd "$ROOT/bench/boundary"
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z WASM_BINDGEN_MULTI_VALUE=1
export CARGO_TARGET_DIR="$ROOT/target/boundary-build${RUSTFLAGS:+-custom}"
wasm-pack --quiet build --release --target nodejs --out-dir "$ROOT/target/${BOUNDARY_OUT:-boundary}" --no-pack 2>&1 |
  grep -v 'target_features' >&2 || true
cd "$ROOT/target/${BOUNDARY_OUT:-boundary}"
for f in $(find snippets -name '*.js'); do
  esbuild "$f" --format=cjs --platform=node --target=node20 --log-level=warning --outfile="$f" --allow-overwrite
done
# The package's own js/wasm/hot-paths.js (imported by a path outside this crate's snippets).
mkdir -p js/wasm
esbuild "$ROOT/js/wasm/hot-paths.js" --format=cjs --platform=node --target=node20 --log-level=warning --outfile=js/wasm/hot-paths.js
