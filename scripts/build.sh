#!/usr/bin/env bash
# Configures and builds shoal into build/ (the server lands at build/shoal).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE="${SHOAL_BUILD_TYPE:-RelWithDebInfo}" -DSHOAL_WERROR=ON > build.log 2>&1 || { cat build.log; exit 1; }
rm -f build.log
cmake --build build -j"$(nproc)" "$@"
