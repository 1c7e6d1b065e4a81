#!/usr/bin/env bash
# Where a token verification's instructions go, counted by callgrind (repeatable, load-proof).
# Builds examples/verify_loop.rs natively with sha2's portable ("soft") SHA-256, the same
# algorithm wasm runs (wasm has no SHA instructions), and prints instructions per verify:
# total, SHA-256 compression, base64 decode, and the rest.   Usage: scripts/profile-token.sh [N]
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
N=${1:-20000}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
export CARGO_TARGET_DIR="$ROOT/target/profile-soft"
CARGO_PROFILE_RELEASE_STRIP=false CARGO_PROFILE_RELEASE_DEBUG=0 RUSTFLAGS='--cfg sha2_backend="soft"' \
  cargo build -q --release --example verify_loop
bin="$CARGO_TARGET_DIR/release/examples/verify_loop"
out="$CARGO_TARGET_DIR/callgrind.out"
run() { valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$1" >/dev/null 2>&1; \
  callgrind_annotate --inclusive=yes "$out" 2>/dev/null; }
# Two runs (N and 2N) so the set-up cost cancels: per-verify = (I(2N) - I(N)) / N.
total() { awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }'; }
fn() { awk -v pat="$1" 'index($0, pat) { gsub(",", "", $1); s += $1 } END { print s + 0 }'; }
a=$(run "$N"); b=$(run $((2 * N)))
per() { echo $(( ($(echo "$b" | "$@") - $(echo "$a" | "$@")) / N )); }
t=$(per total); c=$(per fn "sha2::sha256::compress256 ["); m=$(per fn "memset"); r=$((t - c - m))
printf 'instructions per verify (native, soft SHA-256): %d\n' "$t"
printf '  SHA-256 compression (3 blocks): %d (%d%%)\n' "$c" $((100 * c / t))
printf '  memset: %d (%d%%)\n' "$m" $((100 * m / t))
printf '  rest (base64, HMAC state copies, parsing, checks): %d (%d%%)\n' "$r" $((100 * r / t))
