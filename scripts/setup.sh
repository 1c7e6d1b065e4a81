#!/usr/bin/env bash
# Idempotent set-up: installs only what is missing, from the package registries only.
#   scripts/setup.sh          wasm target, cargo tools, npm devDependencies
#   scripts/setup.sh --test   also Chromium + chromedriver and redis-server (apt)
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"

say() { printf '[setup] %s\n' "$*" >&2; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
  say "adding rust target wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# cargo_tool BIN CRATE VERSION [extra cargo install args]: install into $TOOLS unless that version is there.
cargo_tool() {
  local bin=$1 crate=$2 version=$3; shift 3
  if [ -x "$TOOLS/bin/$bin" ] && "$TOOLS/bin/$bin" --version 2>/dev/null | grep -q "$version"; then
    return 0
  fi
  say "cargo install $crate $version (one-time, a few minutes)"
  cargo install "$crate" --version "$version" --root "$TOOLS" "$@"
}
# wasm-bindgen-cli must equal the wasm-bindgen crate in Cargo.lock. No --locked: a locked dep is missing upstream.
cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
cargo_tool wasm-pack wasm-pack "$WASM_PACK_VERSION" --locked
cargo_tool worker-build worker-build "$WORKER_BUILD_VERSION" --locked

# npm devDependencies (Node 22, wrangler, binaryen, test tools). `npm ci` fails here (see docs/toolchain.md).
# Re-install only when package.json or the lock changed (content stamp, not timestamps).
stamp="$(cat package.json package-lock.json | sha256sum | cut -c1-64)"
if [ ! -d node_modules ] || [ "$(cat node_modules/.edge-session-stamp 2>/dev/null)" != "$stamp" ]; then
  say "npm install"
  npm install --no-audit --no-fund --loglevel=error
  echo "$stamp" > node_modules/.edge-session-stamp
fi

if [ "${1:-}" = "--test" ]; then
  missing=()
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  [ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
  command -v redis-server >/dev/null || missing+=(redis-server)
  if [ ${#missing[@]} -gt 0 ]; then
    say "apt-get install ${missing[*]}"
    SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
fi
