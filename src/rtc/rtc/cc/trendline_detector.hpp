#pragma once
// Delay-based congestion detection of Google Congestion Control
// (draft-ietf-rmcat-gcc-02, section 5): packets sent within a 5 ms burst form a group; the
// change of one-way delay between consecutive groups is accumulated, smoothed, and the slope of
// a linear fit over the last 20 groups (the trend) is compared with an adaptive threshold. A
// trend above it means queues are building on the path (overuse), below its negative means they
// drain (underuse).

#include "core/time.hpp"

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::rtc::cc {

enum class BandwidthUsage { Normal, Underusing, Overusing };

class TrendlineDetector {
 public:
  // One packet the receiver got, in send order. The arrival is on the receiver's clock, whose
  // epoch we do not know: only differences matter.
  void on_packet(core::Time send, std::chrono::microseconds arrival, core::Time now);

  BandwidthUsage state() const { return state_; }
  double trend() const { return modified_trend_; }
  double threshold() const { return threshold_; }

 private:
  struct Group {
    core::Time first_send;
    core::Time last_send;
    std::chrono::microseconds last_arrival{0};
  };
  void on_group_delta(double send_delta_ms, double arrival_delta_ms, std::chrono::milliseconds arrival,
                      core::Time now);
  void detect(double send_delta_ms, core::Time now);
  void adapt_threshold(core::Time now);

  static constexpr std::size_t kWindow = 20;
  Group current_;
  bool has_current_ = false;
  Group previous_;
  bool has_previous_ = false;
  double accumulated_delay_ms_ = 0;
  double smoothed_delay_ms_ = 0;
  std::optional<std::chrono::milliseconds> first_arrival_;
  std::array<double, kWindow> window_x_{};  // arrival time, ms
  std::array<double, kWindow> window_y_{};  // smoothed accumulated delay, ms
  std::size_t window_size_ = 0;
  std::size_t window_next_ = 0;
  std::size_t deltas_ = 0;
  double modified_trend_ = 0;
  double previous_trend_ = 0;
  double threshold_ = 12.5;
  std::optional<core::Time> last_threshold_update_;
  double time_over_using_ms_ = -1;
  int overuse_count_ = 0;
  BandwidthUsage state_ = BandwidthUsage::Normal;
};

}  // namespace shoal::rtc::cc
