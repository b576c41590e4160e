#!/usr/bin/env bash
# Builds the server alone with AddressSanitizer and UndefinedBehaviorSanitizer into BUILD_DIR
# (BUILD_DIR/shoal), for the integration tests' sanitized stage. -O1 keeps it quick to build and
# close to the real binary's code paths; -g1 is enough for reports with file and line.
# Usage: scripts/build-sanitized.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -O1 -g1"
cmake -S "$source_dir" -B "$build_dir" -DCMAKE_BUILD_TYPE=None -DBUILD_TESTING=OFF \
  -DCMAKE_CXX_FLAGS="$flags" > "$build_dir.configure.log" 2>&1 || { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j"$(nproc)" --target shoal
