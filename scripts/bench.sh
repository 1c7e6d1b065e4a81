#!/usr/bin/env bash
# `make bench`: side-by-side benchmarks A-E, then rewrites BENCHMARKS.md from this run's numbers.
#   A tokens (Node peers, sealed tokens against iron-session, native criterion, inside local workerd)   B ring (native crates, npm)
#   C sizes and start-up                                            D worker under load (wrk, 127.0.0.1)
#   E RedisStore with one replica hung (SIGSTOP; 127.0.0.1)
# BENCH_ROUNDS (default 7) rounds per measurement; BENCH_QUICK=1 for a short smoke run whose
# report is written to target/bench/BENCHMARKS.md instead of the committed one.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
say() { printf '[bench] %s\n' "$*" >&2; }

ROUNDS="${BENCH_ROUNDS:-7}"
CPU_MS=150; KEYS=1000000; JS_KEYS=200000; SAMPLE_MS=300
if [ -n "${BENCH_QUICK:-}" ]; then ROUNDS=2; CPU_MS=20; KEYS=100000; JS_KEYS=20000; SAMPLE_MS=60; fi
OUT="$ROOT/target/bench"
rm -rf "$OUT"; mkdir -p "$OUT"
NODE="$ROOT/node_modules/.bin/node"

# ---- set-up (idempotent) ----
if [ ! -x "$TOOLS/bin/worker-build" ] || [ ! -x "$TOOLS/bin/wasm-pack" ] || [ ! -x node_modules/.bin/wrangler ]; then
  bash scripts/setup.sh >&2
fi
if [ ! -f bench/node_modules/.package-lock.json ] || [ bench/package.json -nt bench/node_modules/.package-lock.json ]; then
  say "npm install (bench peers)"
  (cd bench && npm install --no-audit --no-fund --loglevel=error) >&2
fi
if ! command -v wrk >/dev/null; then
  say "apt-get install wrk"
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq wrk >/dev/null
fi

# ---- builds: our npm package and the worker ----
say "building the npm package (scripts/build-pkg.sh)"
bash scripts/build-pkg.sh >&2
say "building the worker and its upload (wrangler deploy --dry-run)"
bash scripts/build-worker.sh >&2
wrangler deploy --dry-run --outdir "$OUT/upload" > "$OUT/upload.log" 2>&1 || { cat "$OUT/upload.log" >&2; exit 1; }

# ---- machine and versions ----
"$NODE" -e '
const { execSync } = require("node:child_process");
const os = require("node:os");
const sh = (c) => { try { return execSync(c, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim(); } catch { return "n/a"; } };
const lock = sh("cat bench/ring-rs/Cargo.lock");
const crates = ["hashring", "maglev", "jumphash", "anchorhash"].map((n) => {
  const m = lock.match(new RegExp(`name = "${n}"\\nversion = "([^"]+)"`)); return `${n} ${m ? m[1] : "?"}`; }).join(", ");
console.log(JSON.stringify({
  date: new Date().toISOString(), git: sh("git rev-parse --short HEAD") + (sh("git status --porcelain --untracked-files=no") ? " (+ local changes)" : ""),
  cpu: os.cpus()[0].model, nproc: sh("nproc"), mem: (os.totalmem() / 2 ** 30).toFixed(1) + " GiB", kernel: sh("uname -sr"),
  loadavg: os.loadavg().map((x) => x.toFixed(2)).join(" "),
  rustc: sh("rustc --version"), cargo: sh("cargo --version"), node: process.version,
  wrangler: sh("wrangler --version").split("\n").pop(), workerd: sh("workerd --version"),
  wrk: sh("wrk --version 2>&1 | head -1") , crates }, null, 1));
' > "$OUT/machine.json"

# ---- B. ring, native (separate crate: the peers never touch the library's dependencies) ----
say "B: native ring"
(cd bench/ring-rs && cargo build --release -q) >&2
mkdir -p "$OUT/ring-configs"
bench/ring-rs/target/release/edge-session-ring-bench --rounds "$ROUNDS" --keys "$KEYS" --scale-out "$OUT/ring-configs" > "$OUT/ring-native.json"

# ---- A. tokens, native (criterion) ----
say "A: native token (criterion)"
rm -rf target/criterion/token_*
cargo bench -q --bench token -- --warm-up-time 1 --measurement-time 3 >&2
"$NODE" -e '
const fs = require("node:fs");
const rows = ["sign", "verify_valid", "verify_bad_tag"].map((n) => {
  const e = JSON.parse(fs.readFileSync(`target/criterion/token_${n}/new/estimates.json`, "utf8"));
  return { name: `token/${n}`, ns: e.mean.point_estimate, ci: [e.mean.confidence_interval.lower_bound, e.mean.confidence_interval.upper_bound] };
});
console.log(JSON.stringify({ rows }, null, 1));' > "$OUT/token-native.json"

# ---- A. where a verification's instructions go (callgrind; repeatable under load) ----
say "A: token verify instruction profile (callgrind)"
if command -v valgrind >/dev/null; then
  bash scripts/profile-token.sh > "$OUT/profile-token.txt" || echo "profile failed" > "$OUT/profile-token.txt"
fi

# ---- A. tokens in Node; B. ring from JS ----
say "A: tokens in Node"
"$NODE" bench/token-node.mjs --rounds "$ROUNDS" --cpu-ms "$CPU_MS" > "$OUT/token-node.json"
say "A: sealed tokens in Node (against iron-session)"
"$NODE" bench/seal-node.mjs --rounds "$ROUNDS" --cpu-ms "$CPU_MS" > "$OUT/seal-node.json"
say "B: ring from JS"
"$NODE" --expose-gc bench/ring-node.mjs --rounds "$ROUNDS" --cpu-ms "$CPU_MS" --keys "$JS_KEYS" > "$OUT/ring-node.json"
say "B: the ring at scale from JS (the configurations B native wrote)"
"$NODE" bench/ring-scale.mjs --dir "$OUT/ring-configs" --rounds "$ROUNDS" ${BENCH_QUICK:+--skip-v1-history 1} > "$OUT/ring-scale-node.json"

# ---- A. tokens inside workerd ----
say "A: tokens inside local workerd"
"$NODE" bench/workerd-run.mjs --rounds "$ROUNDS" --sample-ms "$SAMPLE_MS" > "$OUT/token-workerd.json"

# ---- C. sizes and start-up ----
say "C: sizes and start-up"
"$NODE" bench/size.mjs --rounds "$ROUNDS" --upload "$OUT/upload" > "$OUT/size.json"

# ---- B. the worker's first request with a 1,000-shard ring (bundled, as RING_FILE does) ----
say "B: worker cold start by ring (local wrangler/workerd)"
"$NODE" bench/cold-start.mjs --dir "$OUT/ring-configs" --rounds "$([ -n "${BENCH_QUICK:-}" ] && echo 1 || echo 3)" > "$OUT/cold-start.json"

# ---- D. worker under load ----
# bench/load.mjs bounds itself (5 rounds x 8 mixes x 3-5 workers x 4 s; BENCH_QUICK: 2 x 1 s).
say "D: worker under load (wrk against our worker and bench/ref-worker)"
"$NODE" bench/load.mjs --out "$OUT" --transports ${BENCH_QUICK:+--quick} > "$OUT/load.json"
# A calling Worker asking the session worker through a service binding: RPC against fetch.
say "D: service binding, JS RPC against fetch (bench/binding-caller)"
"$NODE" bench/binding.mjs --out "$OUT" ${BENCH_QUICK:+--quick} > "$OUT/binding.json"

# ---- E. Redis replicas with one server hung (SIGSTOP), 127.0.0.1 only ----
say "E: RedisStore with one replica SIGSTOPped"
"$NODE" bench/redis-hung.mjs "$([ -n "${BENCH_QUICK:-}" ] && echo 2 || echo 10)" > "$OUT/redis-hung.json"

# ---- report ----
[ -f bench/analysis.md ] && cp bench/analysis.md "$OUT/analysis.md"
if [ -n "${BENCH_QUICK:-}" ]; then
  "$NODE" bench/report.mjs "$OUT" > "$OUT/BENCHMARKS.md"
  say "quick run: report in $OUT/BENCHMARKS.md (BENCHMARKS.md untouched)"
else
  "$NODE" bench/report.mjs "$OUT" > BENCHMARKS.md
  say "wrote BENCHMARKS.md"
fi
