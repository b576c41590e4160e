// The playlist work of one low-latency HLS part at a stream length of N segments (six parts
// each; a segment finishes every sixth part). Built twice by bench/hls_playlist_ab.sh: against
// an older hls_playlist.cpp, whose every part rendered the whole playlist (-DSPLIT unset), and
// against the current one, where a part renders the live tail and the delta playlist.
#include PLAYLIST_HEADER
#include <chrono>
#include <cstdio>
#include <string>
using namespace shoal::components::hls;
int main() {
  for (int n : {100, 600, 1200, 2400}) {
    HlsPlaylist p("h.mp4", 6, 1.1);
    for (int s = 0; s < n; ++s) {
      for (int k = 0; k < 6; ++k) p.add_part({"muxed_segment_" + std::to_string(s) + "_" + std::to_string(k) + "_part.m4s", 1.0, k == 0});
      p.finish_segment("muxed_segment_" + std::to_string(s) + ".m4s", 6.0);
    }
    const int reps = 300;
    std::size_t bytes = 0;
    auto t0 = std::chrono::steady_clock::now();
    for (int r = 0; r < reps; ++r) {
      p.add_part({"muxed_segment_x_part.m4s", 1.0, r % 6 == 0});
      if (r % 6 == 5) p.finish_segment("muxed_segment_y.m4s", 6.0);
#ifdef SPLIT
      auto split = p.render_split();  // what a part now costs: the tail (the head is shared)
      bytes += split.tail.size();
#else
      auto text = p.render();  // what a part cost: the whole playlist
      bytes += text.size();
#endif
      bytes += p.render_delta().size();
    }
    auto us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() / reps;
    std::printf("%5d segments: %8.1f us per part, %8zu bytes produced per part\n", n, us, bytes / reps);
  }
}
