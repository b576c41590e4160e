#pragma once
// How far each room's live low-latency HLS stream has got: written by HLS pipelines on their
// threads, read by HTTP handlers answering blocking playlist reloads (_HLS_msn/_HLS_part), which
// wait to be woken by the next update instead of polling. It also holds each stream's current
// media playlist, which changes with every part: served from here, it is never rewritten on
// disk per part (that cost grew with the stream's length), only per segment.
#include "components/hls/hls_playlist.hpp"

#include <cstddef>
#include <cstdint>
#include <functional>
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
  // Blocking reloads waiting at once, node-wide; each holds a connection and a timer.
  static constexpr std::size_t kMaxWaiters = 2048;

  // Both wake the room's waiters. `playlist_name` is the media playlist's file name.
  void update(const std::string& room_id, LivePosition position, std::string playlist_name = {},
              SplitPlaylist playlist = {});
  void remove(const std::string& room_id);
  std::optional<LivePosition> position(const std::string& room_id) const;
  // The room's live media playlist when `file_name` names it, else nullopt (read the disk).
  std::optional<std::string> playlist(const std::string& room_id, const std::string& file_name) const;

  // A blocking reload waits for the room's next update: `wake` is called once per update (on
  // the updating thread, so it must only post). nullopt when kMaxWaiters are waiting already.
  std::optional<std::uint64_t> add_waiter(const std::string& room_id, std::function<void()> wake);
  void remove_waiter(std::uint64_t id);
  std::size_t waiters() const;

 private:
  void wake(const std::string& room_id);

  struct Waiter {
    std::string room_id;
    std::function<void()> wake;
  };
  struct Stream {
    LivePosition position;
    std::string playlist_name;
    SplitPlaylist playlist;
  };
  mutable std::mutex mutex_;
  std::map<std::string, Stream, std::less<>> streams_;
  std::map<std::uint64_t, Waiter> waiters_;
  std::uint64_t next_waiter_ = 1;
};

// Whether the playlist at `position` already holds part `part` of segment `sequence`
// (a request for part 0 of a segment is also met once that segment is listed whole).
inline bool reached(const LivePosition& position, std::uint64_t sequence, std::uint64_t part) {
  return position.sequence > sequence || (position.sequence == sequence && position.parts > part);
}

}  // namespace shoal::components::hls
