#!/usr/bin/env bash
# Builds the web target of the npm package (ESM + wasm, feature `js`, as scripts/build-pkg.sh) and its lean build
# (feature `lite`) and puts them in www/pkg/ and www/pkg/lite/ (git-ignored) for the demo page. It shares build/wasm-web with scripts/build-pkg.sh, so after
# one of them the other only copies. Idempotent: does nothing when www/pkg is newer than every input.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

# Same profile as scripts/build-pkg.sh, so the two share build/wasm-web and cargo's cache.
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
# And the same glue: multi-value returns (scripts/build-pkg.sh says why). Without it, whichever
# script built build/wasm-web first decided the glue both ship.
export WASM_BINDGEN_MULTI_VALUE=1
web=build/wasm-web
out=www/pkg
newer_src() { [ -n "$(find src Cargo.toml Cargo.lock .cargo js/wasm scripts/code-glue.mjs scripts/build-www.sh -newer "$1" -print -quit)" ]; }

if [ -f "$out/.built" ] && [ -f "$out/edge_session_bg.wasm" ] && ! newer_src "$out/.built"; then
  exit 0
fi
if [ ! -f "$web/edge_session_bg.wasm" ] || newer_src "$web/edge_session_bg.wasm"; then
  echo "[build-www] wasm-pack build --target web -> $web" >&2
  wasm-pack --quiet build --release --target web --out-dir "$web" --out-name edge_session --no-pack \
    -- --features js
  node scripts/code-glue.mjs "$web/edge_session.js"
fi
lite=build/wasm-lite
if [ ! -f "$lite/edge_session_lite_bg.wasm" ] || newer_src "$lite/edge_session_lite_bg.wasm"; then
  echo "[build-www] wasm-pack build --target web --features lite -> $lite" >&2
  wasm-pack --quiet build --release --target web --out-dir "$lite" --out-name edge_session_lite --no-pack \
    -- --features lite
  node scripts/code-glue.mjs "$lite/edge_session_lite.js"
fi
rm -rf "$out" && mkdir -p "$out/lite"
cp -r "$web/edge_session.js" "$web/edge_session_bg.wasm" "$web/snippets" "$out/"
# The lean build the page draws the live ring with (glue minified, as in the npm package).
cp -r "$lite/edge_session_lite_bg.wasm" "$lite/snippets" "$out/lite/"
esbuild "$lite/edge_session_lite.js" --minify --format=esm --log-level=error --outfile="$out/lite/edge_session_lite.js"
for f in $(find "$out/lite/snippets" -name '*.js'); do
  esbuild "$f" --minify --format=esm --log-level=error --outfile="$f" --allow-overwrite
done
# For Node (tests load this build outside the page): the glue is an ES module.
echo '{"type": "module"}' >"$out/package.json"
touch "$out/.built"
echo "[build-www] $out: wasm $(stat -c %s "$out/edge_session_bg.wasm") bytes, lite wasm $(stat -c %s "$out/lite/edge_session_lite_bg.wasm") bytes" >&2
