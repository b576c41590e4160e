#!/usr/bin/env bash
# Installs the example's dependencies (once), bundles main.js and serves the page on
# http://127.0.0.1:${PORT:-8000}/ (esbuild rebuilds the bundle after edits).
# Usage: examples/videoroom/serve.sh [PORT]
set -euo pipefail
cd "$(dirname "$0")"
port=${1:-${PORT:-8000}}
command -v npm > /dev/null || { echo "npm is missing (Debian: apt-get install nodejs npm)"; exit 1; }
stamp=node_modules/.lock-stamp
want=$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" > "$stamp"
fi
exec node serve.mjs "$port"
