#pragma once
// The room-side handle of an HLS component: owns the pipeline's thread and the queues into it.
// Called on the room's loop only; what the pipeline reports back (a keyframe needed, the
// stream playable, the component crashed) arrives through `Notices`, on the pipeline's thread,
// for the room to post to its loop.
#include "components/hls/hls_live_index.hpp"
#include "components/hls/track_packet.hpp"

#include <boost/lockfree/spsc_queue.hpp>

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace shoal::components::hls {

struct HlsNotice {
  enum class Kind { KeyframeNeeded, Playable, Crashed };
  Kind kind;
  std::uint32_t track_key = 0;  // KeyframeNeeded
  std::string reason;           // Crashed
};

struct HlsComponentSettings {
  std::string room_id;
  std::string component_id;  // with room_id, the fields of every log line of its thread
  std::filesystem::path directory;
  bool low_latency = false;
  HlsLiveIndex* live_index = nullptr;
  std::optional<int> window_seconds;  // see HlsPipelineSettings
  std::uint64_t min_free_bytes = 0;
  bool persistent = false;  // false: the output directory is deleted when the component ends
  std::function<void(HlsNotice)> notices;  // called on the pipeline's thread
};

class HlsComponent {
 public:
  explicit HlsComponent(HlsComponentSettings settings);
  ~HlsComponent();  // ends the stream (last segment, closed playlist) and joins the thread
  HlsComponent(const HlsComponent&) = delete;
  HlsComponent& operator=(const HlsComponent&) = delete;

  // A track to put in the broadcast; returns the key its packets are pushed with.
  std::uint32_t add_track(bool video);
  void remove_track(std::uint32_t key);
  // Hands one packet to the pipeline without locking or allocating; a full queue (a pipeline
  // that cannot keep up) drops it, and the decoder recovers at the next keyframe.
  void push(std::uint32_t key, std::uint32_t ssrc, std::uint16_t sequence_number, std::uint32_t timestamp,
            bool marker, std::span<const std::uint8_t> payload);
  std::uint64_t dropped_packets() const { return dropped_; }

 private:
  struct Control {
    bool add = false;
    bool video = false;
    std::uint32_t key = 0;
  };
  void run() noexcept;

  HlsComponentSettings settings_;
  boost::lockfree::spsc_queue<TrackPacket> packets_;
  std::mutex control_mutex_;
  std::vector<Control> control_;
  std::atomic<bool> stopping_{false};
  std::uint32_t next_key_ = 1;
  std::uint64_t dropped_ = 0;
  TrackPacket staging_;
  std::thread thread_;  // last: started once everything above exists
};

}  // namespace shoal::components::hls
