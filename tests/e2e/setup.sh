#!/usr/bin/env bash
# Installs the browser test dependencies (the Jellyfish client SDK, playwright-core, esbuild) with
# `npm ci` from the committed package-lock.json, unless node_modules already matches it.
# Used by scripts/test.sh and by the CTest fixture e2e.setup; safe to run concurrently.
set -euo pipefail
cd "$(dirname "$0")"
command -v npm > /dev/null || { echo "npm is missing: run scripts/install-deps.sh --test"; exit 1; }
exec 9< package-lock.json
flock 9
stamp=node_modules/.shoal-lock-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ -f $stamp && "$(cat "$stamp")" == "$want" ]]; then
  exit 0
fi
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
