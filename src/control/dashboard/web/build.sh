#!/usr/bin/env bash
# Builds the dashboard into OUT/dist: the pages and styles as they are, the scripts bundled by
# esbuild (join.js with the Jellyfish client SDK). The pinned npm packages are installed into
# OUT/node_modules with `npm ci`, again only when package-lock.json changes.
# Usage: build.sh OUT
set -euo pipefail
web=$(cd "$(dirname "$0")" && pwd)
out=$1
mkdir -p "$out"
command -v npm > /dev/null || { echo "npm is missing (Debian: apt-get install nodejs npm), or configure with -DSHOAL_DASHBOARD=OFF"; exit 1; }
stamp=$out/node_modules/.shoal-lock-stamp
want=$(cat "$web/package.json" "$web/package-lock.json" | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  cp "$web/package.json" "$web/package-lock.json" "$out/"
  (cd "$out" && npm ci --no-audit --no-fund --loglevel=error)
  echo "$want" > "$stamp"
fi
rm -rf "$out/dist.new"
mkdir -p "$out/dist.new"
cp "$web"/*.html "$web"/*.css "$out/dist.new/"
for entry in overview join; do
  NODE_PATH="$out/node_modules" "$out/node_modules/.bin/esbuild" "$web/$entry.js" --bundle --minify \
    --format=esm --target=es2020 --log-level=warning --outfile="$out/dist.new/$entry.js"
done
rm -rf "$out/dist"
mv "$out/dist.new" "$out/dist"
