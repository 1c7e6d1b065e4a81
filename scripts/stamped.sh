#!/usr/bin/env bash
# Runs a build only when its inputs changed: scripts/stamped.sh NAME OUTPUT INPUT... -- COMMAND...
# The stamp (target/stamps/NAME) holds a SHA-256 over the contents of every INPUT file (dirs are
# walked); the build is skipped when the stamp matches and OUTPUT exists. Content, not mtimes,
# so checkouts and worktrees do not trigger rebuilds and edits never go unnoticed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
cd "$ROOT"
name=$1 output=$2; shift 2
inputs=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do inputs+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
stamp="target/stamps/$name"
hash=$(find "${inputs[@]}" -type f -print0 2>/dev/null | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-64)
if [ -e "$output" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$hash" ]; then
  echo "[$name] up to date"
  exit 0
fi
"$@"
mkdir -p target/stamps
echo "$hash" >"$stamp"
