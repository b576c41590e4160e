#pragma once
// One RTP stream a producer receives: its track's only stream, or one simulcast layer. It keeps
// what the server has to know and tell the publisher about that stream: losses to request again
// (NACK), keyframe requests and their retries, reception statistics for receiver reports,
// whether the stream is active, and its bitrate. Time is passed in; nothing here does I/O.
#include "core/time.hpp"
#include "rtc/rtp/nack_generator.hpp"
#include "rtc/rtp/receive_statistics.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::media {

class ReceiveStream {
 public:
  static constexpr std::chrono::milliseconds kNackInterval{20};   // at most one NACK per stream this often
  static constexpr std::chrono::milliseconds kKeyframeRetry{500};  // a PLI unanswered this long is repeated

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
  Arrival on_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, std::size_t bytes, core::Time arrival,
                    bool retransmitted, bool track_losses);
  // A packet the stream's origin (the producer on the room's home loop) accepted: counted, its
  // freshness and losses already settled there.
  void on_relayed_packet(std::uint16_t seq, std::uint32_t rtp_timestamp, std::size_t bytes, core::Time arrival,
                         bool retransmitted);
  // Sequence numbers to request now (see NackGenerator::collect); starts the next interval.
  std::size_t collect_nacks(core::Time now, std::span<std::uint16_t> out);

  // A keyframe request may go out now: none is pending, or the pending one is due a retry.
  bool keyframe_request_due(core::Time now) const {
    return !keyframe_requested_ || now - *keyframe_requested_ >= kKeyframeRetry;
  }
  void keyframe_requested(core::Time now) { keyframe_requested_ = now; }
  void keyframe_received() { keyframe_requested_.reset(); }

  // Active: packets seen within the window. Returns true when the stream just became active.
  bool mark_active();
  // Returns true when the stream just became inactive.
  bool expire(core::Time now, core::Duration window);
  bool active() const { return active_; }
  std::optional<core::Time> last_packet() const { return last_packet_; }

  // Smooths the bytes since the last call into bitrate_bps(). A silent stream keeps its last
  // rate: that is what it costs when it returns.
  void update_rate(double window_seconds);
  double bitrate_bps() const { return bitrate_bps_; }

  rtc::rtp::ReceiveStatistics& statistics() { return statistics_; }

 private:
  std::uint32_t ssrc_ = 0;
  std::uint32_t rtx_ssrc_ = 0;
  // None: no packet yet, no keyframe request pending, no NACK sent yet.
  std::optional<core::Time> last_packet_;
  std::optional<core::Time> keyframe_requested_;
  std::optional<core::Time> last_nack_;
  bool active_ = false;
  rtc::rtp::ReceiveStatistics statistics_;
  rtc::rtp::NackGenerator nacks_;
  std::uint64_t bytes_ = 0;
  std::uint64_t bytes_at_last_rate_ = 0;
  double bitrate_bps_ = 0;
};

}  // namespace shoal::media
