#pragma once
// A token bucket: holds at most `capacity` tokens and gains `per_second` of them as time passes;
// taking more than it holds is refused. Time is the caller's monotonic milliseconds, so tests can
// drive it without sleeping. Starts full.
#include <algorithm>
#include <cstdint>

namespace shoal::core {

class TokenBucket {
 public:
  TokenBucket(double capacity, double per_second) : capacity_(capacity), per_second_(per_second), tokens_(capacity) {}

  bool try_take(double tokens, std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ < tokens) return false;
    tokens_ -= tokens;
    return true;
  }

  // Milliseconds until `tokens` can be taken (0: now).
  std::int64_t wait_ms(double tokens, std::int64_t now_ms) {
    refill(now_ms);
    if (tokens_ >= tokens) return 0;
    if (per_second_ <= 0) return INT64_MAX;
    return static_cast<std::int64_t>((tokens - tokens_) * 1000.0 / per_second_) + 1;
  }

 private:
  void refill(std::int64_t now_ms) {
    if (last_ms_ >= 0 && now_ms > last_ms_) {
      tokens_ = std::min(capacity_, tokens_ + static_cast<double>(now_ms - last_ms_) * per_second_ / 1000.0);
    }
    last_ms_ = std::max(last_ms_, now_ms);
  }

  double capacity_;
  double per_second_;
  double tokens_;
  std::int64_t last_ms_ = -1;
};

}  // namespace shoal::core
