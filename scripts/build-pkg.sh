#!/usr/bin/env bash
# Builds the npm package `edge-session` into pkg/ (git-ignored) and packs it as
# ./edge-session-<version>.tgz. Two wasm-pack builds of the same core:
#   --target nodejs -> pkg/node/ (`--features js,conformance`: CommonJS, loads the wasm
#                      synchronously, no init call; runConformance is public, for store authors)
#   --target web    -> pkg/web/  (`--features js`: ESM; `await init()` or the `edge-session/auto`
#                      entry; the `workerd` condition picks web/workerd.js, which imports the wasm
#                      as a module)
# plus the web build's conformance suite in its own wasm (`--features js-suite` -> pkg/web/conformance/,
# loaded by web/suite.js the first time runConformance is called: pages never download it otherwise),
# plus the lean build `edge-session/lite` (--features lite, --target web -> pkg/lite/) and the JS
# parts from js/ (ESM sources, and CommonJS copies made by esbuild).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

# Size-tuned for the package (sha2/hmac keep their opt-level 3 overrides from Cargo.toml).
export CARGO_PROFILE_RELEASE_OPT_LEVEL=z
# Exports that return a Result (Ring.locate, Keyring.verify, ...) hand their answer back as wasm
# multi-value results instead of through a return slot in linear memory: the glue then makes one
# call instead of three (stack pointer down, call, stack pointer up) and reads no memory after it.
# wasm-bindgen cannot detect the feature itself here (the release profile strips the
# target_features section), so it is asked for; Node 20+, workerd and current browsers run it.
export WASM_BINDGEN_MULTI_VALUE=1
VERSION=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)
wasm-pack --quiet build --release --target nodejs --out-dir build/wasm-nodejs \
  --out-name edge_session --no-pack -- --features js,conformance
wasm-pack --quiet build --release --target web --out-dir build/wasm-web \
  --out-name edge_session --no-pack -- --features js
wasm-pack --quiet build --release --target web --out-dir build/wasm-suite \
  --out-name edge_session_suite --no-pack -- --features js-suite
# The lean build `edge-session/lite` (feature `lite`: verification and ring lookups, no serde):
# one web-target wasm that every lite entry (browser, Node, workerd) instantiates.
wasm-pack --quiet build --release --target web --out-dir build/wasm-lite \
  --out-name edge_session_lite --no-pack -- --features lite
node scripts/code-glue.mjs build/wasm-nodejs/edge_session.js build/wasm-web/edge_session.js build/wasm-suite/edge_session_suite.js \
  build/wasm-lite/edge_session_lite.js

rm -rf pkg && mkdir -p pkg/node pkg/web pkg/lite pkg/lib/redis
cp build/wasm-nodejs/edge_session_bg.wasm build/wasm-nodejs/edge_session.d.ts pkg/node/
cp build/wasm-nodejs/edge_session.js pkg/node/edge_session.cjs
cp build/wasm-web/edge_session_bg.wasm build/wasm-web/edge_session.d.ts pkg/web/
# The web build's glue minified, like the lite build's: it is what a browser downloads (the
# types are in edge_session.d.ts, the docs in the README).
esbuild build/wasm-web/edge_session.js --minify --format=esm --log-level=error --outfile=pkg/web/edge_session.js
# The JS the core imports (js/wasm/, as wasm-bindgen snippets): ESM for the web build (minified
# too), CommonJS for the Node build (which require()s it).
cp -r build/wasm-web/snippets pkg/web/
for f in $(find pkg/web/snippets -name '*.js'); do
  esbuild "$f" --minify --format=esm --log-level=error --outfile="$f" --allow-overwrite
done
for f in $(cd build/wasm-nodejs && find snippets -name '*.js'); do
  mkdir -p "pkg/node/$(dirname "$f")"
  esbuild "build/wasm-nodejs/$f" --format=cjs --platform=node --target=node20 --log-level=warning --outfile="pkg/node/$f"
done
for f in js/*.mjs js/redis/*.mjs; do
  out="pkg/lib/${f#js/}"
  cp "$f" "$out"
  esbuild "$f" --format=cjs --platform=node --target=node20 --log-level=warning --outfile="${out%.mjs}.cjs"
done
# esbuild keeps the .mjs specifiers; the CommonJS copies require the .cjs siblings.
sed -i 's#require("\(\.\.\?/[a-z/-]*\)\.mjs")#require("\1.cjs")#' pkg/lib/*.cjs pkg/lib/redis/*.cjs
cp js/entry/index.cjs js/entry/index.mjs js/entry/index.d.ts js/entry/index.d.mts pkg/
cp js/entry/web-index.js pkg/web/index.js
cp js/entry/web-auto.js pkg/web/auto.js
cp js/entry/web-workerd.js pkg/web/workerd.js
cp js/entry/web-suite.js pkg/web/suite.js
# The conformance suite's wasm (glue minified; no snippets: js-suite imports none).
mkdir -p pkg/web/conformance
cp build/wasm-suite/edge_session_suite_bg.wasm pkg/web/conformance/
esbuild build/wasm-suite/edge_session_suite.js --minify --format=esm --log-level=error --outfile=pkg/web/conformance/edge_session_suite.js
cp js/entry/web-suite-workerd.js pkg/web/conformance/workerd.js
cp js/entry/web-index.d.ts pkg/web/index.d.ts
cp js/entry/web-index.d.ts pkg/web/auto.d.ts
echo '{"type": "module"}' >pkg/web/package.json
# Lite: its glue minified (what a browser downloads; the wasm-bindgen glue is most of the JS).
cp build/wasm-lite/edge_session_lite_bg.wasm build/wasm-lite/edge_session_lite.d.ts pkg/lite/
cp -r build/wasm-lite/snippets pkg/lite/
esbuild build/wasm-lite/edge_session_lite.js --minify --format=esm --log-level=error --outfile=pkg/lite/edge_session_lite.js
for f in $(find pkg/lite/snippets -name '*.js'); do
  esbuild "$f" --minify --format=esm --log-level=error --outfile="$f" --allow-overwrite
done
cp js/entry/lite-index.js pkg/lite/index.js
cp js/entry/lite-node.js pkg/lite/node.js
cp js/entry/lite-workerd.js pkg/lite/workerd.js
cp js/entry/lite-index.d.ts pkg/lite/index.d.ts
echo '{"type": "module"}' >pkg/lite/package.json

# Size of what a browser downloads: wasm + JS glue, gzip -9.
gz() { gzip -9c "$@" | wc -c; }
WASM=$(stat -c %s pkg/web/edge_session_bg.wasm)
WASM_GZ=$(gz pkg/web/edge_session_bg.wasm)
GLUE_GZ=$(cat pkg/web/edge_session.js $(find pkg/web/snippets -name '*.js') | gzip -9c | wc -c)
TOTAL_GZ=$((WASM_GZ + GLUE_GZ))
SIZE_LINE="wasm ${WASM} bytes (${WASM_GZ} gzip) + JS glue ${GLUE_GZ} gzip = $(awk "BEGIN{printf \"%.1f\", $TOTAL_GZ/1024}") KiB gzip"
LITE_WASM=$(stat -c %s pkg/lite/edge_session_lite_bg.wasm)
LITE_WASM_GZ=$(gz pkg/lite/edge_session_lite_bg.wasm)
LITE_GLUE_GZ=$(cat pkg/lite/edge_session_lite.js pkg/lite/index.js $(find pkg/lite/snippets -name '*.js') | gzip -9c | wc -c)
LITE_LINE="wasm ${LITE_WASM} bytes (${LITE_WASM_GZ} gzip) + JS glue ${LITE_GLUE_GZ} gzip = $(awk "BEGIN{printf \"%.1f\", ($LITE_WASM_GZ + $LITE_GLUE_GZ)/1024}") KiB gzip"
sed "s/{{VERSION}}/$VERSION/g; s/{{SIZE}}/$SIZE_LINE/g; s/{{LITE_SIZE}}/$LITE_LINE/g" js/README.md >pkg/README.md
sed "s/{{VERSION}}/$VERSION/g" js/package.json >pkg/package.json
cp LICENSE* pkg/ 2>/dev/null || true

rm -f edge-session-*.tgz
(cd pkg && npm pack --silent --pack-destination "$ROOT" >/dev/null)
echo "built pkg/ and edge-session-$VERSION.tgz: $SIZE_LINE; lite: $LITE_LINE"
