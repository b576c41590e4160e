#pragma once
// A token bucket: holds at most `capacity` tokens and gains `per_second` of them as time passes;
// taking more than it holds is refused. Time is passed in by the caller, so tests can drive it
// without sleeping. Starts full.

#include "core/time.hpp"

#include <algorithm>
#include <chrono>
#include <optional>

namespace shoal::core {

class TokenBucket {
 public:
  TokenBucket(double capacity, double per_second) : capacity_(capacity), per_second_(per_second), tokens_(capacity) {}

  bool try_take(double tokens, Time now) {
    refill(now);
    if (tokens_ < tokens) return false;
    tokens_ -= tokens;
    return true;
  }

  // How long until `tokens` can be taken (zero: now; milliseconds::max(): never).
  std::chrono::milliseconds wait(double tokens, Time now) {
    refill(now);
    if (tokens_ >= tokens) return std::chrono::milliseconds{0};
    if (per_second_ <= 0) return std::chrono::milliseconds::max();
    return std::chrono::milliseconds{static_cast<std::int64_t>((tokens - tokens_) * 1000.0 / per_second_) + 1};
  }

 private:
  void refill(Time now) {
    if (last_ && now > *last_) {
      tokens_ = std::min(capacity_, tokens_ + std::chrono::duration<double, std::milli>(now - *last_).count() * per_second_ / 1000.0);
    }
    last_ = last_ ? std::max(*last_, now) : now;
  }

  double capacity_;
  double per_second_;
  double tokens_;
  std::optional<Time> last_;  // none until the first call: the bucket starts full, not refilled
};

}  // namespace shoal::core
