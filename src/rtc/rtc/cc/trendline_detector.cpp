#include "rtc/cc/trendline_detector.hpp"

#include <algorithm>
#include <cmath>

namespace shoal::rtc::cc {

namespace {
constexpr std::int64_t kBurstUs = 5000;
constexpr double kSmoothing = 0.9;
constexpr double kThresholdGain = 4.0;
constexpr double kMaxDeltas = 60;
constexpr double kOveruseTimeMs = 10;
constexpr double kThresholdUp = 0.0087;    // k_u: the threshold follows a rising trend slowly...
constexpr double kThresholdDown = 0.039;   // k_d: ...and a falling one quickly
constexpr double kMaxThresholdStep = 15;   // a spike this far above the threshold does not move it
}  // namespace

void TrendlineDetector::on_packet(std::int64_t send_us, std::int64_t arrival_us, std::int64_t now_ms) {
  if (current_.first_send_us < 0) {
    current_ = Group{send_us, send_us, arrival_us};
    return;
  }
  if (send_us < current_.first_send_us) return;  // reordered across groups: ignore
  if (send_us - current_.first_send_us <= kBurstUs) {
    current_.last_send_us = std::max(current_.last_send_us, send_us);
    current_.last_arrival_us = std::max(current_.last_arrival_us, arrival_us);
    return;
  }
  if (has_previous_) {
    const double send_delta_ms = static_cast<double>(current_.last_send_us - previous_.last_send_us) / 1000.0;
    const double arrival_delta_ms = static_cast<double>(current_.last_arrival_us - previous_.last_arrival_us) / 1000.0;
    on_group_delta(send_delta_ms, arrival_delta_ms, current_.last_arrival_us / 1000, now_ms);
  }
  previous_ = current_;
  has_previous_ = true;
  current_ = Group{send_us, send_us, arrival_us};
}

void TrendlineDetector::on_group_delta(double send_delta_ms, double arrival_delta_ms, std::int64_t arrival_ms,
                                       std::int64_t now_ms) {
  ++deltas_;
  accumulated_delay_ms_ += arrival_delta_ms - send_delta_ms;
  smoothed_delay_ms_ = kSmoothing * smoothed_delay_ms_ + (1 - kSmoothing) * accumulated_delay_ms_;
  if (first_arrival_ms_ < 0) first_arrival_ms_ = arrival_ms;
  window_x_[window_next_] = static_cast<double>(arrival_ms - first_arrival_ms_);
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
  detect(send_delta_ms, now_ms);
}

void TrendlineDetector::detect(double send_delta_ms, std::int64_t now_ms) {
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
  adapt_threshold(now_ms);
}

void TrendlineDetector::adapt_threshold(std::int64_t now_ms) {
  if (last_threshold_update_ms_ < 0) last_threshold_update_ms_ = now_ms;
  const double magnitude = std::fabs(modified_trend_);
  if (magnitude > threshold_ + kMaxThresholdStep) {
    last_threshold_update_ms_ = now_ms;
    return;
  }
  const double k = magnitude < threshold_ ? kThresholdDown : kThresholdUp;
  const double elapsed = static_cast<double>(std::min<std::int64_t>(now_ms - last_threshold_update_ms_, 100));
  threshold_ = std::clamp(threshold_ + k * (magnitude - threshold_) * elapsed, 6.0, 600.0);
  last_threshold_update_ms_ = now_ms;
}

}  // namespace shoal::rtc::cc
