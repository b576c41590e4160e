#!/usr/bin/env bash
# Playlist work per low-latency HLS part, old against new, interleaved in one sitting.
# Usage: bench/hls_playlist_ab.sh BASE_COMMIT   (run from the repository root; needs g++)
set -euo pipefail
base=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# The folder moved under src/media/ when the build got its layers; older commits have it at src/.
dir=src/media/components/hls
git cat-file -e "$base:$dir/hls_playlist.cpp" 2>/dev/null || dir=src/components/hls
git show "$base:$dir/hls_playlist.hpp" > "$work/old_hls_playlist.hpp"
git show "$base:$dir/hls_playlist.cpp" | sed 's#components/hls/hls_playlist.hpp#old_hls_playlist.hpp#' \
  > "$work/old_hls_playlist.cpp"
g++ -std=c++20 -O2 -I"$work" -DPLAYLIST_HEADER='"old_hls_playlist.hpp"' bench/hls_playlist_parts.cpp \
  "$work/old_hls_playlist.cpp" -o "$work/old"
g++ -std=c++20 -O2 -Isrc/media -DSPLIT -DPLAYLIST_HEADER='"components/hls/hls_playlist.hpp"' bench/hls_playlist_parts.cpp \
  src/media/components/hls/hls_playlist.cpp -o "$work/new"
for round in 1 2 3; do
  echo "round $round, $base:"; "$work/old"
  echo "round $round, working tree:"; "$work/new"
done
