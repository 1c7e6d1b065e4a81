#!/usr/bin/env bash
# Writes a local dev signing key and admin token to .dev.vars unless it exists.
# The file is git-ignored: dev keys are generated on each machine and never committed.
set -euo pipefail
source "$(dirname "$0")/env.sh"
file="${1:-$ROOT/.dev.vars}"
[ -f "$file" ] && exit 0
node -e '
const c = require("crypto");
const keys = [{ kid: "dev-" + c.randomBytes(3).toString("hex"), secret: c.randomBytes(32).toString("base64"), state: "primary" }];
// Single quotes: dotenv keeps the JSON literally (it does not unescape \" in double quotes).
process.stdout.write("SESSION_KEYS=\x27" + JSON.stringify(keys) + "\x27\n");
process.stdout.write("ADMIN_TOKEN=\"" + c.randomBytes(24).toString("base64url") + "\"\n");
' > "$file"
chmod 600 "$file"
echo "[dev] wrote a fresh dev signing key to $file (git-ignored)" >&2
