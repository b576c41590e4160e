#!/usr/bin/env bash
# Playlist work per low-latency HLS part, old against new, interleaved in one sitting.
# Usage: bench/hls_playlist_ab.sh BASE_COMMIT   (run from the repository root; needs g++)
set -euo pipefail
base=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
git show "$base:src/components/hls/hls_playlist.hpp" > "$work/old_hls_playlist.hpp"
git show "$base:src/components/hls/hls_playlist.cpp" | sed 's#components/hls/hls_playlist.hpp#old_hls_playlist.hpp#' \
  > "$work/old_hls_playlist.cpp"
g++ -std=c++20 -O2 -I"$work" -DPLAYLIST_HEADER='"old_hls_playlist.hpp"' bench/hls_playlist_parts.cpp \
  "$work/old_hls_playlist.cpp" -o "$work/old"
g++ -std=c++20 -O2 -Isrc -DSPLIT -DPLAYLIST_HEADER='"components/hls/hls_playlist.hpp"' bench/hls_playlist_parts.cpp \
  src/components/hls/hls_playlist.cpp -o "$work/new"
for round in 1 2 3; do
  echo "round $round, $base:"; "$work/old"
  echo "round $round, working tree:"; "$work/new"
done
