#pragma once
// Recently sent packets of one outgoing stream, keyed by the output sequence number, so NACKs
// from a subscriber can be answered. store() copies into a slot (seq % slots) and overwrites
// whatever was there. Slot storage is allocated in chunks on first use, so a subscription that
// never carries media costs a few hundred bytes, not slots x slot_size.

#include "core/time.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace shoal::rtc::rtp {

class RetransmissionBuffer {
 public:
  static constexpr std::size_t kDefaultSlots = 512;
  static constexpr std::size_t kDefaultSlotSize = 1500;

  explicit RetransmissionBuffer(std::size_t slots = kDefaultSlots, std::size_t slot_size = kDefaultSlotSize);

  // False (nothing stored) when the packet is empty or larger than a slot.
  bool store(std::uint16_t seq, std::span<const std::uint8_t> packet, core::Time now = core::Time{});
  // The stored bytes for seq, or empty when never stored / already overwritten. The span stays
  // valid until the next store() into the same slot.
  std::span<const std::uint8_t> find(std::uint16_t seq) const;
  // Same, but also empty when stored more than max_age before now (too old to help).
  std::span<const std::uint8_t> find(std::uint16_t seq, core::Time now, core::Duration max_age) const;
  // For a NACK: the stored bytes for seq when it may be resent now, and marks it resent. Empty
  // when missing or older than max_age, or (too_recent set) when it was already resent less
  // than min_interval ago: a repeated NACK within one RTT cannot have seen the first resend.
  struct Resend {
    std::span<const std::uint8_t> packet;
    bool too_recent = false;
  };
  Resend take_for_resend(std::uint16_t seq, core::Time now, core::Duration max_age, core::Duration min_interval);
  void clear();

  std::size_t slots() const { return slots_.size(); }
  std::size_t slot_size() const { return slot_size_; }
  std::size_t allocated_bytes() const;

  static constexpr std::size_t kSlotsPerChunk = 32;

 private:
  static constexpr core::Time kNeverResent = core::Time::min();
  struct Slot {
    std::uint16_t seq = 0;
    std::uint16_t size = 0;  // 0 = empty
    core::Time stored;
    // kNeverResent rather than an optional keeps the slot at 24 bytes (there are 512 per stream).
    core::Time resent = kNeverResent;
  };
  std::uint8_t* slot_data(std::size_t index) const;

  std::size_t slot_size_;
  std::vector<Slot> slots_;
  std::vector<std::unique_ptr<std::uint8_t[]>> chunks_;  // kSlotsPerChunk slots each, or null
};

}  // namespace shoal::rtc::rtp
