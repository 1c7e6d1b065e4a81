#!/usr/bin/env bash
# Runs every test tier from a fresh clone and ends with one line `N passed, N failed`.
# Tiers: fmt, clippy (native; wasm32+js; wasm32+worker), cargo test, wasm tests in Node and in
# headless Chromium, Node tests of the npm package, tsc --strict over its TypeScript examples, worker
# end-to-end against local workerd (the Rust worker, and a JS Worker on the package),
# browser tests of www/. Logs: target/test-logs/<tier>.log
set -uo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
bash scripts/setup.sh --test || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }

LOGS="$ROOT/target/test-logs"; mkdir -p "$LOGS"
PASSED=0; FAILED=0; FAILED_TIERS=()

# count LOG: print "passed failed" parsed from cargo/wasm-bindgen ("test result: ... N passed; M failed")
# and node's TAP reporter ("# pass N", "# fail N").
count() {
  awk '
    /test result: / { for (i = 1; i <= NF; i++) { if ($(i+1) ~ /^passed;?/) p += $i; if ($(i+1) ~ /^failed;?/) f += $i } }
    /^# pass [0-9]+$/ { p += $3 } /^# fail [0-9]+$/ { f += $3 }
    END { printf "%d %d\n", p, f }' "$1"
}

# tier NAME MIN_TESTS CMD...: run CMD, log it, add its counts. MIN_TESTS=0 marks a check (counts as one);
# otherwise a run with fewer tests than MIN_TESTS fails (catches silent skips).
tier() {
  local name=$1 min=$2; shift 2
  local log="$LOGS/$name.log" start=$SECONDS rc p f
  printf '== %-22s ' "$name"
  "$@" >"$log" 2>&1; rc=$?
  if [ "$min" = 0 ]; then
    if [ $rc = 0 ]; then p=1; f=0; else p=0; f=1; fi
  else
    read -r p f < <(count "$log")
    if [ $rc != 0 ] && [ "$f" = 0 ]; then f=1; fi
    if [ $rc = 0 ] && [ "$p" -lt "$min" ]; then echo "(expected at least $min tests, saw $p)" >>"$log"; f=$((f + 1)); fi
  fi
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
  printf '%4d passed %3d failed  %4ds\n' "$p" "$f" $((SECONDS - start))
  if [ "$f" != 0 ]; then FAILED_TIERS+=("$name"); tail -n 40 "$log" | sed 's/^/    | /'; fi
}

tier fmt 0 cargo fmt --all -- --check
# The side crates (not in the workspace): rustfmt on their files, no dependency resolution.
tier fmt-side-crates 0 sh -c 'rustfmt --check --edition 2021 bench/ring-rs/src/*.rs bench/boundary/src/*.rs fuzz/fuzz_targets/*.rs'
tier clippy-native 0 cargo clippy --all-targets --features conformance -- -D warnings
tier clippy-native-js 0 cargo clippy --lib --features js,conformance -- -D warnings
tier clippy-native-worker 0 cargo clippy --lib --features worker -- -D warnings
tier clippy-wasm-core 0 cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings
tier clippy-wasm-js 0 cargo clippy --target wasm32-unknown-unknown --lib --features js,conformance -- -D warnings
tier clippy-wasm-worker 0 cargo clippy --target wasm32-unknown-unknown --lib --features worker -- -D warnings
tier clippy-wasm-worker-test 0 cargo clippy --target wasm32-unknown-unknown --lib --features worker,conformance -- -D warnings
tier clippy-wasm-lite 0 cargo clippy --target wasm32-unknown-unknown --lib --features lite -- -D warnings
tier clippy-wasm-suite 0 cargo clippy --target wasm32-unknown-unknown --lib --features js-suite -- -D warnings
tier docs 0 env RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --features conformance
tier cargo-test 1 cargo test --no-fail-fast --features conformance
tier wasm-node 1 wasm-pack test --node --test wasm
tier wasm-chromium 1 env WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome \
  --chromedriver /usr/bin/chromedriver --test wasm
tier build-pkg 0 bash scripts/stamped.sh pkg pkg/package.json src Cargo.toml Cargo.lock .cargo js scripts/build-pkg.sh scripts/code-glue.mjs \
  -- bash scripts/build-pkg.sh
# first FIRST... -- FILES...: the FIRST files (in that order), then the rest of FILES. Test files
# run two at a time, so the longest go first and none is left running alone at the end.
first() {
  local -a names=(); local f n
  while [ "$1" != -- ]; do names+=("$1"); shift; done; shift
  for n in "${names[@]}"; do for f in "$@"; do [ "$(basename "$f" .test.mjs)" = "$n" ] && echo "$f"; done; done
  for f in "$@"; do case " ${names[*]} " in *" $(basename "$f" .test.mjs) "*) ;; *) echo "$f" ;; esac; done
}
tier build-worker 0 bash scripts/stamped.sh worker build/worker/entry.mjs src Cargo.toml Cargo.lock .cargo \
  scripts/build-worker.sh -- bash scripts/build-worker.sh
tier build-worker-test 0 bash scripts/stamped.sh worker-test build/test/worker/entry.mjs src Cargo.toml Cargo.lock \
  .cargo scripts/build-worker.sh -- bash scripts/build-worker.sh --test
tier deploy-check 0 bash scripts/check-deploy.sh
tier build-www 0 bash scripts/build-www.sh
# The package's Node tiers. They run alongside the worker and browser end-to-end tiers below.
node_tiers() {
  # Two files at a time (Redis servers and workers on free ports; the fault tests mostly wait).
  mapfile -t JS_FILES < <(first redis-faults package redis bad-values browser -- tests/js/*.test.mjs)
  tier js-package 1 node --test --test-reporter=tap --test-concurrency=2 --test-timeout=180000 "${JS_FILES[@]}"
  # The bad-value suite again under Node 20, the oldest Node the package supports (engines >= 20).
  if [ -x /usr/bin/node ] && /usr/bin/node --version | grep -q '^v20\.'; then
    tier js-bad-values-node20 1 /usr/bin/node --test --test-reporter=tap --test-timeout=180000 tests/js/bad-values.test.mjs
  else
    echo "== js-bad-values-node20 skipped: /usr/bin/node is $(/usr/bin/node --version 2>/dev/null || echo missing), not Node 20"
  fi
  tier types 3 node --test --test-reporter=tap tests/types/*.test.mjs
}

# Those tiers and the end-to-end tiers run at the same time: all the builds are done, they share
# nothing but the CPU (free ports, own temp dirs), and neither keeps 2 cores busy on its own (the
# Redis fault tests and the worker tests wait on expiry, restarts and deadlines). Their lines are
# printed when both are done; their times overlap.
( PASSED=0; FAILED=0; FAILED_TIERS=(); node_tiers
  echo "$PASSED $FAILED ${FAILED_TIERS[*]}" > "$LOGS/node-tiers.counts" ) > "$LOGS/node-tiers.out" 2>&1 &
NODE_TIERS=$!
# Three files at a time: each starts its own wrangler on free ports (about 3 s of CPU a start),
# every request through local wrangler costs a few ms of CPU, and much of each file is waiting
# (expiry, restarts). The longest files go first. A test that hangs fails after 3 min.
mapfile -t E2E_FILES < <(first do sweep history gateway binding bundled-ring features -- tests/e2e/*.test.mjs)
tier worker-e2e 1 node --test --test-reporter=tap --test-concurrency=3 --test-timeout=180000 "${E2E_FILES[@]}"
tier browser-e2e 1 node --test --test-reporter=tap --test-concurrency=1 --test-timeout=180000 tests/browser/*.test.mjs
wait "$NODE_TIERS"
echo "-- run alongside worker-e2e and browser-e2e:"
cat "$LOGS/node-tiers.out"
if read -r p f t < "$LOGS/node-tiers.counts"; then
  PASSED=$((PASSED + p)); FAILED=$((FAILED + f)); [ -z "$t" ] || FAILED_TIERS+=($t)
else
  echo "   (the Node tiers left no counts)"; FAILED=$((FAILED + 1)); FAILED_TIERS+=(node-tiers)
fi
rm -f "$LOGS/node-tiers.counts"
[ ${#FAILED_TIERS[@]} = 0 ] || echo "failed tiers: ${FAILED_TIERS[*]} (logs in target/test-logs/)"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" = 0 ]
