#pragma once
// One RTP stream a producer receives: its track's only stream, or one simulcast layer. It keeps
// what the server has to know and tell the publisher about that stream: losses to request again
// (NACK), keyframe requests and their retries, reception statistics for receiver reports,
// whether the stream is active, and its bitrate. Time is passed in; nothing here does I/O.
#include "rtc/rtp/nack_generator.hpp"
#include "rtc/rtp/receive_statistics.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace shoal::media {

class ReceiveStream {
 public:
  static constexpr std::int64_t kNackIntervalMs = 20;     // at most one NACK per stream this often
  static constexpr std::int64_t kKeyframeRetryMs = 500;   // a PLI unanswered this long is repeated

  std::uint32_t ssrc() const { return ssrc_; }          // 0 until learned
  std::uint32_t rtx_ssrc() const { return rtx_ssrc_; }  // its retransmissions (RFC 4588), 0 until learned
  // A (new) SSRC for the stream: its statistics and loss tracking start over.
  void bind(std::uint32_t ssrc, std::uint32_t clock_rate);
  void bind_rtx(std::uint32_t ssrc) { rtx_ssrc_ = ssrc; }

  struct Arrival {
    bool fresh = false;            // to be counted and forwarded (not a duplicate retransmission)
    bool nack_due = false;         // losses are outstanding and the NACK interval has passed
    bool keyframe_needed = false;  // losses NACK cannot repair: ask for a keyframe instead
  };
  // A packet of the stream (an RTX one already restored to its original form). `track_losses`:
  // video, whose losses are worth requesting again. A retransmission is fresh only when it fills
  // a gap we asked about: browsers also probe bandwidth with RTX copies of old packets.
  Arrival on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, std::size_t bytes, std::int64_t arrival_us,
                    bool retransmitted, bool track_losses);
  // Sequence numbers to request now (see NackGenerator::collect); starts the next interval.
  std::size_t collect_nacks(std::int64_t now_ms, std::span<std::uint16_t> out);

  // A keyframe request may go out now: none is pending, or the pending one is due a retry.
  bool keyframe_request_due(std::int64_t now_ms) const {
    return keyframe_requested_ms_ < 0 || now_ms - keyframe_requested_ms_ >= kKeyframeRetryMs;
  }
  void keyframe_requested(std::int64_t now_ms) { keyframe_requested_ms_ = now_ms; }
  void keyframe_received() { keyframe_requested_ms_ = -1; }

  // Active: packets seen within the window. Returns true when the stream just became active.
  bool mark_active();
  // Returns true when the stream just became inactive.
  bool expire(std::int64_t now_ms, std::int64_t window_ms);
  bool active() const { return active_; }
  std::int64_t last_packet_ms() const { return last_packet_ms_; }

  // Smooths the bytes since the last call into bitrate_bps(). A silent stream keeps its last
  // rate: that is what it costs when it returns.
  void update_rate(double window_seconds);
  double bitrate_bps() const { return bitrate_bps_; }

  rtc::rtp::ReceiveStatistics& statistics() { return statistics_; }

 private:
  std::uint32_t ssrc_ = 0;
  std::uint32_t rtx_ssrc_ = 0;
  std::int64_t last_packet_ms_ = -1;
  std::int64_t keyframe_requested_ms_ = -1;
  std::int64_t last_nack_ms_ = -1;
  bool active_ = false;
  rtc::rtp::ReceiveStatistics statistics_;
  rtc::rtp::NackGenerator nacks_;
  std::uint64_t bytes_ = 0;
  std::uint64_t bytes_at_last_rate_ = 0;
  double bitrate_bps_ = 0;
};

}  // namespace shoal::media
