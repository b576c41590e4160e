#include "rtc/cc/trendline_detector.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::rtc::cc {

namespace {
constexpr std::chrono::microseconds kBurst{5000};
constexpr double kSmoothing = 0.9;
constexpr double kThresholdGain = 4.0;
constexpr double kMaxDeltas = 60;
constexpr double kOveruseTimeMs = 10;
constexpr double kThresholdUp = 0.0087;    // k_u: the threshold follows a rising trend slowly...
constexpr double kThresholdDown = 0.039;   // k_d: ...and a falling one quickly
constexpr double kMaxThresholdStep = 15;   // a spike this far above the threshold does not move it
}  // namespace

void TrendlineDetector::on_packet(core::Time send, std::chrono::microseconds arrival, core::Time now) {
  if (!has_current_) {
    current_ = Group{send, send, arrival};
    has_current_ = true;
    return;
  }
  if (send < current_.first_send) return;  // reordered across groups: ignore
  if (send - current_.first_send <= kBurst) {
    current_.last_send = std::max(current_.last_send, send);
    current_.last_arrival = std::max(current_.last_arrival, arrival);
    return;
  }
  if (has_previous_) {
    const double send_delta_ms = std::chrono::duration<double, std::milli>(current_.last_send - previous_.last_send).count();
    const double arrival_delta_ms =
        std::chrono::duration<double, std::milli>(current_.last_arrival - previous_.last_arrival).count();
    on_group_delta(send_delta_ms, arrival_delta_ms,
                   std::chrono::duration_cast<std::chrono::milliseconds>(current_.last_arrival), now);
  }
  previous_ = current_;
  has_previous_ = true;
  current_ = Group{send, send, arrival};
}

void TrendlineDetector::on_group_delta(double send_delta_ms, double arrival_delta_ms, std::chrono::milliseconds arrival,
                                       core::Time now) {
  ++deltas_;
  accumulated_delay_ms_ += arrival_delta_ms - send_delta_ms;
  smoothed_delay_ms_ = kSmoothing * smoothed_delay_ms_ + (1 - kSmoothing) * accumulated_delay_ms_;
  if (!first_arrival_) first_arrival_ = arrival;
  window_x_[window_next_] = static_cast<double>((arrival - *first_arrival_).count());
  window_y_[window_next_] = smoothed_delay_ms_;
  window_next_ = (window_next_ + 1) % kWindow;
  window_size_ = std::min(window_size_ + 1, kWindow);
  if (window_size_ == kWindow) {
    double mean_x = 0, mean_y = 0;
    for (std::size_t i = 0; i < kWindow; ++i) {
      mean_x += window_x_[i];
      mean_y += window_y_[i];
    }
    mean_x /= kWindow;
    mean_y /= kWindow;
    double numerator = 0, denominator = 0;
    for (std::size_t i = 0; i < kWindow; ++i) {
      numerator += (window_x_[i] - mean_x) * (window_y_[i] - mean_y);
      denominator += (window_x_[i] - mean_x) * (window_x_[i] - mean_x);
    }
    const double slope = denominator > 0 ? numerator / denominator : 0;
    modified_trend_ = std::min(static_cast<double>(deltas_), kMaxDeltas) * slope * kThresholdGain;
  }
  detect(send_delta_ms, now);
}

void TrendlineDetector::detect(double send_delta_ms, core::Time now) {
  if (window_size_ < kWindow) return;
  if (modified_trend_ > threshold_) {
    time_over_using_ms_ = time_over_using_ms_ < 0 ? send_delta_ms / 2 : time_over_using_ms_ + send_delta_ms;
    ++overuse_count_;
    // Overuse must last, and the trend must not already be falling (the queue then drains).
    if (time_over_using_ms_ > kOveruseTimeMs && overuse_count_ > 1 && modified_trend_ >= previous_trend_) {
      time_over_using_ms_ = 0;
      overuse_count_ = 0;
      state_ = BandwidthUsage::Overusing;
    }
  } else if (modified_trend_ < -threshold_) {
    time_over_using_ms_ = -1;
    overuse_count_ = 0;
    state_ = BandwidthUsage::Underusing;
  } else {
    time_over_using_ms_ = -1;
    overuse_count_ = 0;
    state_ = BandwidthUsage::Normal;
  }
  previous_trend_ = modified_trend_;
  adapt_threshold(now);
}

void TrendlineDetector::adapt_threshold(core::Time now) {
  if (!last_threshold_update_) last_threshold_update_ = now;
  const double magnitude = std::fabs(modified_trend_);
  if (magnitude > threshold_ + kMaxThresholdStep) {
    last_threshold_update_ = now;
    return;
  }
  const double k = magnitude < threshold_ ? kThresholdDown : kThresholdUp;
  const double elapsed_ms = std::chrono::duration<double, std::milli>(
                                std::min<core::Duration>(now - *last_threshold_update_, std::chrono::milliseconds{100}))
                                .count();
  threshold_ = std::clamp(threshold_ + k * (magnitude - threshold_) * elapsed_ms, 6.0, 600.0);
  last_threshold_update_ = now;
}

}  // namespace shoal::rtc::cc
