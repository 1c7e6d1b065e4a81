#!/usr/bin/env bash
# Runs every cargo-fuzz target for a bounded time: scripts/fuzz.sh [SECONDS_PER_TARGET]
# Needs a nightly toolchain (rustup's own server) and cargo-fuzz (the crate registry), installed here if missing.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
secs="${1:-60}"
rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
[ -x "$TOOLS/bin/cargo-fuzz" ] || cargo install --locked cargo-fuzz --version 0.13.2 --root "$TOOLS"
for t in $(cargo +nightly fuzz list); do
  echo "== fuzz $t for ${secs}s"
  cargo +nightly fuzz run "$t" -- -max_total_time="$secs" -max_len=4096 -rss_limit_mb=2048
done
