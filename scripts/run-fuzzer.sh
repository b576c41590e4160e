#!/usr/bin/env bash
# Runs one fuzzer for SHOAL_FUZZ_SECONDS (default 20) on a copy of its seed corpus, so the
# repository is never written. On a finding, prints the input in hex for the CI log.
# Usage: scripts/run-fuzzer.sh BUILD_DIR NAME CORPUS_DIR
set -uo pipefail
build_dir=$1
name=$2
corpus=$3
binary=$(find "$build_dir" -type f -name "$name" -perm -u+x | head -n 1)
[[ -n "$binary" ]] || { echo "fuzzer $name not built in $build_dir"; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
[[ -d "$corpus" ]] && cp -r "$corpus"/. "$work/corpus/"
"$binary" "$work/corpus" -max_total_time="${SHOAL_FUZZ_SECONDS:-20}" -max_len=65536 -rss_limit_mb=2048 \
  -timeout=10 -print_final_stats=1 -artifact_prefix="$work/artifacts/" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
if [[ $status -ne 0 ]]; then
  for finding in "$work"/artifacts/*; do
    [[ -f "$finding" ]] || continue
    echo "finding: $(basename "$finding")"
    od -A x -t x1z "$finding" | head -n 40
  done
fi
exit "$status"
