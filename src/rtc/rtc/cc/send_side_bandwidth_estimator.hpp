#pragma once
// Send-side bandwidth estimation toward one receiver (Google Congestion Control,
// draft-ietf-rmcat-gcc-02), driven by the transport-cc feedback the receiver sends about the
// packets we stamped with transport-wide sequence numbers:
// - delay-based: the trendline detector's verdict steers an AIMD rate (multiplicative increase
//   of 8 %/s while the path is normal, additive once near the last congestion point, down to
//   85 % of the acknowledged rate on overuse, held on underuse), never above 1.5x what the
//   receiver actually acknowledged;
// - loss-based: more than 10 % loss cuts the rate by half the loss fraction, less than 2 % lets
//   it grow;
// the estimate is the smaller of the two. `congested()` says whether the path has shown a limit
// yet: until it has, the estimate is a guess that nobody should throttle to.
// Plain state machine: no clocks or sockets; times are passed in.
#include "rtc/cc/sent_packet_history.hpp"
#include "rtc/cc/trendline_detector.hpp"
#include "rtc/rtcp/transport_cc.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>

namespace shoal::rtc::cc {

class SendSideBandwidthEstimator {
 public:
  static constexpr double kInitialBps = 1'000'000;
  static constexpr double kMinBps = 30'000;
  static constexpr double kMaxBps = 50'000'000;

  // A packet carrying transport-wide number `sequence_number` left for the receiver.
  void on_sent(std::uint16_t sequence_number, std::uint32_t bytes, core::Time now) {
    history_.on_sent(sequence_number, bytes, now);
  }
  // Feedback from the receiver. Reports about unknown (or long forgotten) numbers are skipped.
  void on_feedback(const rtcp::TransportCc& feedback, core::Time now);

  double estimate_bps() const { return estimate_bps_; }
  bool has_feedback() const { return feedback_count_ > 0; }
  bool congested() const { return decreases_ > 0; }
  std::uint64_t decreases() const { return decreases_; }  // each congestion response so far
  double acknowledged_bps() const { return acknowledged_bps_; }
  BandwidthUsage delay_state() const { return detector_.state(); }

 private:
  // Arrivals are on the receiver's clock (see TrendlineDetector::on_packet).
  void on_acknowledged(std::chrono::microseconds arrival, std::uint32_t bytes);
  void update_delay_based(core::Time now);
  void update_loss_based(std::size_t lost, std::size_t total, core::Time now);

  SentPacketHistory history_;
  TrendlineDetector detector_;
  // Acknowledged rate: received bytes over the last second of the receiver's clock.
  static constexpr std::size_t kAckWindow = 1024;
  struct Acked {
    std::chrono::microseconds arrival{0};
    std::uint32_t bytes = 0;
  };
  std::array<Acked, kAckWindow> acked_{};
  std::size_t acked_head_ = 0, acked_size_ = 0;
  std::uint64_t acked_bytes_ = 0;
  double acknowledged_bps_ = 0;

  double delay_based_bps_ = kInitialBps;
  double loss_based_bps_ = kInitialBps;
  double estimate_bps_ = kInitialBps;
  double last_decrease_bps_ = -1;  // the rate congestion was last seen at
  // None until the first update (or decrease) of each kind.
  std::optional<core::Time> last_delay_update_;
  std::optional<core::Time> last_decrease_;
  std::optional<core::Time> last_loss_update_;
  std::optional<core::Time> last_loss_decrease_;
  std::size_t loss_window_lost_ = 0, loss_window_total_ = 0;
  std::uint64_t feedback_count_ = 0;
  std::uint64_t decreases_ = 0;
};

}  // namespace shoal::rtc::cc
