#pragma once
// How far each room's live low-latency HLS stream has got: written by HLS pipelines on their
// threads, read by HTTP handlers answering blocking playlist reloads (_HLS_msn/_HLS_part).
#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>

namespace shoal::components::hls {

struct LivePosition {
  std::uint64_t sequence = 0;  // media sequence number of the segment being built
  std::size_t parts = 0;       // parts of it already listed in the playlist
  int target_duration = 6;
};

class HlsLiveIndex {
 public:
  void update(const std::string& room_id, LivePosition position);
  void remove(const std::string& room_id);
  std::optional<LivePosition> position(const std::string& room_id) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, LivePosition, std::less<>> positions_;
};

// Whether the playlist at `position` already holds part `part` of segment `sequence`
// (a request for part 0 of a segment is also met once that segment is listed whole).
inline bool reached(const LivePosition& position, std::uint64_t sequence, std::uint64_t part) {
  return position.sequence > sequence || (position.sequence == sequence && position.parts > part);
}

}  // namespace shoal::components::hls
