#!/usr/bin/env bash
# What `wrangler deploy` would upload, offline: bundles the deployable worker (build/worker)
# with `wrangler deploy --dry-run`, prints the upload size (raw and gzip), and fails if any test
# code reached it (the conformance suite, the /__test routes, the shard call counter).
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
out=target/deploy
rm -rf "$out" && mkdir -p "$out"
# The repo's wrangler.toml without [build] (the bundle is built already: scripts/build-worker.sh).
sed '/^\[build\]/,/^command = /d' wrangler.toml >"$out/wrangler.toml"
sed -i "s|^main = \".*\"|main = \"$ROOT/build/worker/entry.mjs\"|; s|^directory = \"www\"|directory = \"$ROOT/www\"|" \
  "$out/wrangler.toml"
wrangler deploy --dry-run --config "$out/wrangler.toml" --outdir "$out/dist" 2>&1 | tee "$out/dry-run.log" \
  | grep -E "Total Upload|dry-run" || true
grep -q "Total Upload" "$out/dry-run.log" || { echo "wrangler deploy --dry-run failed"; cat "$out/dry-run.log"; exit 1; }
# The upload is build/worker/entry.mjs and what it imports: build/index.js, build/index_bg.wasm.
markers=(cas_stale_version_refused list_by_user_ordered_and_bounded /test/calls /test/conformance)
found=0
for marker in "${markers[@]}"; do
  if grep -qa -- "$marker" build/worker/entry.mjs build/index.js build/index_bg.wasm; then
    echo "test code in the deployable worker: '$marker'"; found=1
  fi
done
[ "$found" = 0 ] || exit 1
# The same search must find every marker in the test build, or it proves nothing.
if [ -f build/test/index_bg.wasm ]; then
  for marker in "${markers[@]}"; do
    grep -qa -- "$marker" build/test/worker/entry.mjs build/test/index.js build/test/index_bg.wasm \
      || { echo "marker '$marker' not found in the test build: the check is blind"; exit 1; }
  done
fi
echo "deployable worker: no conformance code, no test route ($(stat -c %s build/index_bg.wasm) bytes of wasm)"
