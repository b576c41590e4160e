#pragma once
// 16-bit RTP sequence arithmetic (RFC 1982 style): "newer" means less than half the space ahead.
#include <cstdint>

namespace shoal::rtc::rtp {

// True when a comes after b in wrap-around order. Exactly half the space apart counts as newer
// only for the numerically larger value, so the relation stays antisymmetric.
constexpr bool seq_newer(std::uint16_t a, std::uint16_t b) {
  const auto diff = static_cast<std::uint16_t>(a - b);
  if (diff == 0x8000) return a > b;
  return diff != 0 && diff < 0x8000;
}

// Extends 16-bit sequence numbers to a monotonic 64-bit counter so that reordering and
// wrap-around can be handled with plain integer comparisons.
class SequenceUnwrapper {
 public:
  std::int64_t unwrap(std::uint16_t seq) {
    if (!started_) {
      started_ = true;
      last_ = seq;
      return last_;
    }
    const auto delta = static_cast<std::int16_t>(static_cast<std::uint16_t>(seq - static_cast<std::uint16_t>(last_)));
    const std::int64_t value = last_ + delta;
    if (value > last_) last_ = value;
    return value;
  }
  // Without moving the reference point (for lookups of values that may never be committed).
  std::int64_t peek(std::uint16_t seq) const {
    if (!started_) return seq;
    const auto delta = static_cast<std::int16_t>(static_cast<std::uint16_t>(seq - static_cast<std::uint16_t>(last_)));
    return last_ + delta;
  }
  bool started() const { return started_; }
  void reset() { started_ = false; last_ = 0; }

 private:
  bool started_ = false;
  std::int64_t last_ = 0;
};

}  // namespace shoal::rtc::rtp
