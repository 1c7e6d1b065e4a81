#!/usr/bin/env bash
# Builds the web target of the npm package (ESM + wasm) into www/pkg/ for the demo page.
# www/pkg is git-ignored. Idempotent: does nothing when www/pkg is newer than every input.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

out=www/pkg
stamp=$out/.built
if [ ! -d src/js ]; then
  echo "[build-www] src/js (the wasm-bindgen surface, feature js) is missing: nothing to build" >&2
  exit 1
fi
if [ -f "$stamp" ] && [ -f "$out/edge_session.js" ] && [ -f "$out/edge_session_bg.wasm" ] \
   && [ -z "$(find src Cargo.toml Cargo.lock -newer "$stamp" -print -quit)" ]; then
  exit 0
fi
echo "[build-www] wasm-pack build --target web -> $out" >&2
rm -rf "$out"
wasm-pack --log-level warn build --release --target web --out-dir "$out" --out-name edge_session --no-pack \
  -- --features js
rm -f "$out/.gitignore"
touch "$stamp"
