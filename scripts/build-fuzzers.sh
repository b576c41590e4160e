#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz/*_fuzzer.cpp) with clang (ASan + UBSan) into BUILD_DIR.
# Usage: scripts/build-fuzzers.sh SOURCE_DIR BUILD_DIR
set -euo pipefail
source_dir=$1
build_dir=$2
flags="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -g -O1"
CC=clang CXX=clang++ cmake -S "$source_dir" -B "$build_dir" -DSHOAL_FUZZ=ON -DCMAKE_BUILD_TYPE=Debug \
  -DCMAKE_CXX_FLAGS="$flags" > "$build_dir.configure.log" 2>&1 || { cat "$build_dir.configure.log"; exit 1; }
targets=()
for source in "$source_dir"/tests/fuzz/*_fuzzer.cpp; do
  targets+=("$(basename "$source" .cpp)")
done
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"
