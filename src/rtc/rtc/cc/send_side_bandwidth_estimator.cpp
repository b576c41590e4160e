#include "rtc/cc/send_side_bandwidth_estimator.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::rtc::cc {

namespace {
constexpr std::chrono::microseconds kMaxAckSpan = std::chrono::seconds{1};
// A keyframe burst over a few milliseconds is not a rate: measure over half a second at least.
constexpr std::chrono::microseconds kMinAckSpan = std::chrono::milliseconds{500};
constexpr double kDecreaseFactor = 0.85;
constexpr double kIncreasePerSecond = 1.08;
constexpr double kAdditiveBpsPerSecond = 40'000;  // about one 1200-byte packet per 250 ms
constexpr std::chrono::milliseconds kMinDecreaseInterval{200};
constexpr std::size_t kMinLossSample = 20;
constexpr std::chrono::milliseconds kLossUpdateInterval{200};
constexpr std::chrono::milliseconds kLossDecreaseInterval{300};
}  // namespace

void SendSideBandwidthEstimator::on_feedback(const rtcp::TransportCc& feedback, core::Time now) {
  // Decoding space is shared by every estimator of the loop (rooms on a loop never interleave).
  thread_local std::array<rtcp::TransportCc::PacketResult, 2048> results;
  auto count = feedback.packet_results(results);
  if (!count) return;
  // The rules below were tuned on whole milliseconds.
  const core::Time now_ms = std::chrono::time_point_cast<std::chrono::milliseconds>(now);
  // The reference time counts 64 ms units, the deltas 250 us ticks (draft-holmer-rmcat-transport-wide-cc-extensions-01).
  std::chrono::microseconds arrival = std::chrono::milliseconds{static_cast<std::int64_t>(feedback.reference_time()) * 64};
  std::size_t lost = 0, total = 0;
  for (std::size_t i = 0; i < *count; ++i) {
    const auto& result = results[i];
    if (result.received) arrival += std::chrono::microseconds{static_cast<std::int64_t>(result.delta_ticks) * 250};
    const auto sent = history_.find(result.sequence_number);
    if (!sent) continue;
    ++total;
    if (!result.received) {
      ++lost;
      continue;
    }
    on_acknowledged(arrival, sent->bytes);
    detector_.on_packet(sent->send, arrival, now_ms);
  }
  if (total == 0) return;
  ++feedback_count_;
  update_delay_based(now_ms);
  update_loss_based(lost, total, now_ms);
  estimate_bps_ = std::clamp(std::min(delay_based_bps_, loss_based_bps_), kMinBps, kMaxBps);
}

void SendSideBandwidthEstimator::on_acknowledged(std::chrono::microseconds arrival, std::uint32_t bytes) {
  if (acked_size_ == kAckWindow) {
    acked_bytes_ -= acked_[acked_head_].bytes;
    acked_head_ = (acked_head_ + 1) % kAckWindow;
    --acked_size_;
  }
  acked_[(acked_head_ + acked_size_) % kAckWindow] = Acked{arrival, bytes};
  ++acked_size_;
  acked_bytes_ += bytes;
  while (acked_size_ > 1 && arrival - acked_[acked_head_].arrival > kMaxAckSpan) {
    acked_bytes_ -= acked_[acked_head_].bytes;
    acked_head_ = (acked_head_ + 1) % kAckWindow;
    --acked_size_;
  }
  // Until a whole second has been seen, divide by what has: a rate, not a ramp.
  const std::chrono::microseconds span = std::clamp(arrival - acked_[acked_head_].arrival, kMinAckSpan, kMaxAckSpan);
  acknowledged_bps_ = static_cast<double>(acked_bytes_) * 8.0 * 1e6 / static_cast<double>(span.count());
}

void SendSideBandwidthEstimator::update_delay_based(core::Time now) {
  const core::Duration elapsed =
      last_delay_update_ ? std::min<core::Duration>(now - *last_delay_update_, std::chrono::seconds{1}) : core::Duration{0};
  last_delay_update_ = now;
  switch (detector_.state()) {
    case BandwidthUsage::Overusing: {
      if (last_decrease_ && now - *last_decrease_ < kMinDecreaseInterval) return;
      const double decreased = kDecreaseFactor * acknowledged_bps_;
      if (acknowledged_bps_ <= 0 || decreased >= delay_based_bps_) return;
      delay_based_bps_ = decreased;
      last_decrease_bps_ = acknowledged_bps_;
      last_decrease_ = now;
      ++decreases_;
      return;
    }
    case BandwidthUsage::Underusing:
      return;  // queues drain: hold until they have
    case BandwidthUsage::Normal:
      break;
  }
  const double seconds = std::chrono::duration<double>(elapsed).count();
  const bool near_congestion = last_decrease_bps_ > 0 && delay_based_bps_ > 0.8 * last_decrease_bps_ &&
                               delay_based_bps_ < 1.2 * last_decrease_bps_;
  double increased = near_congestion ? delay_based_bps_ + kAdditiveBpsPerSecond * seconds
                                     : delay_based_bps_ * std::pow(kIncreasePerSecond, seconds);
  // Growth is bounded by what the path has shown it carries (but a quiet sender is not a reason
  // to lower the estimate).
  if (acknowledged_bps_ > 0) {
    const double bound = 1.5 * acknowledged_bps_ + 10'000;
    if (increased > bound) increased = std::max(delay_based_bps_, bound);
    // What the receiver just took in without queues building is no overuse: never estimate
    // below what a decrease would have left.
    increased = std::max(increased, kDecreaseFactor * acknowledged_bps_);
  }
  delay_based_bps_ = std::clamp(increased, kMinBps, kMaxBps);
}

void SendSideBandwidthEstimator::update_loss_based(std::size_t lost, std::size_t total, core::Time now) {
  loss_window_lost_ += lost;
  loss_window_total_ += total;
  if (!last_loss_update_) last_loss_update_ = now;
  if (loss_window_total_ < kMinLossSample || now - *last_loss_update_ < kLossUpdateInterval) return;
  const double loss = static_cast<double>(loss_window_lost_) / static_cast<double>(loss_window_total_);
  const double seconds =
      std::chrono::duration<double>(std::min<core::Duration>(now - *last_loss_update_, std::chrono::seconds{1})).count();
  loss_window_lost_ = loss_window_total_ = 0;
  last_loss_update_ = now;
  if (loss > 0.10) {
    if (last_loss_decrease_ && now - *last_loss_decrease_ < kLossDecreaseInterval) return;
    // Half of what still gets through is a floor: repeated cuts on a lossy path would otherwise
    // take the estimate far below the rate the receiver demonstrably gets.
    loss_based_bps_ = std::max({kMinBps, std::min(loss_based_bps_, estimate_bps_) * (1 - 0.5 * loss),
                                0.5 * acknowledged_bps_});
    last_loss_decrease_ = now;
    ++decreases_;
  } else if (loss < 0.02) {
    loss_based_bps_ = std::min(std::max(loss_based_bps_ * std::pow(kIncreasePerSecond, seconds), acknowledged_bps_),
                               kMaxBps);
  }
}

}  // namespace shoal::rtc::cc
