#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::rtc::srtp {

// Which packet indices of one SSRC were already seen, for the highest index and the Bits below it
// (RFC 3711 §3.3.2). Bit i of the ring stands for every index congruent to i modulo Bits, which is
// unambiguous because only the last Bits indices are kept.
template <std::size_t Bits>
class ReplayWindow {
  static_assert(Bits % 64 == 0);

 public:
  bool started() const { return started_; }
  std::uint64_t highest() const { return highest_; }

  // Whether `index` may still be accepted: newer than the highest, or inside the window and unseen.
  bool fresh(std::uint64_t index) const {
    if (!started_ || index > highest_) return true;
    if (highest_ - index >= Bits) return false;
    return !test(index);
  }
  // Whether `index` is too far behind the highest to be told apart from a replay.
  bool too_old(std::uint64_t index) const { return started_ && index < highest_ && highest_ - index >= Bits; }

  void mark(std::uint64_t index) {
    if (!started_) {
      started_ = true;
      highest_ = index;
    } else if (index > highest_) {
      const std::uint64_t advance = index - highest_;
      if (advance >= Bits) {
        seen_.fill(0);
      } else {
        for (std::uint64_t i = highest_ + 1; i < index; ++i) clear(i);
      }
      highest_ = index;
    }
    set(index);
  }

 private:
  bool test(std::uint64_t index) const { return (seen_[(index % Bits) / 64] >> (index % 64)) & 1U; }
  void set(std::uint64_t index) { seen_[(index % Bits) / 64] |= std::uint64_t{1} << (index % 64); }
  void clear(std::uint64_t index) { seen_[(index % Bits) / 64] &= ~(std::uint64_t{1} << (index % 64)); }

  bool started_ = false;
  std::uint64_t highest_ = 0;
  std::array<std::uint64_t, Bits / 64> seen_{};
};

// The 48-bit SRTP packet index (rollover counter << 16 | sequence number) a packet most likely has,
// given the highest index of its SSRC so far (RFC 3711 Appendix A). Until the first half of the
// first cycle has passed the rollover counter is taken as zero, as libsrtp and the browsers do, so
// an early reordered packet is not mistaken for one from before the stream began. nullopt when the
// rollover counter would pass 2^32 (the stream must be rekeyed first).
inline std::optional<std::uint64_t> estimate_rtp_index(std::optional<std::uint64_t> highest, std::uint16_t seq) {
  constexpr std::uint32_t kHalf = 1U << 15;
  if (!highest || *highest <= kHalf) return seq;
  const std::uint64_t roc = *highest >> 16;
  const std::uint32_t last_seq = static_cast<std::uint16_t>(*highest);
  std::uint64_t guess = roc;
  if (last_seq < kHalf) {
    if (seq > last_seq + kHalf) guess = roc - 1;  // roc >= 1 here: highest > 2^15 with a low sequence number
  } else if (seq < last_seq - kHalf) {
    guess = roc + 1;
  }
  if (guess > 0xFFFF'FFFFULL) return std::nullopt;
  return guess << 16 | seq;
}

}  // namespace shoal::rtc::srtp
