#pragma once
// Recently sent packets of one outgoing stream, keyed by the output sequence number, so NACKs
// from a subscriber can be answered. All storage is allocated once in the constructor; store()
// copies into a slot (seq % slots) and overwrites whatever was there.
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shoal::rtc::rtp {

class RetransmissionBuffer {
 public:
  static constexpr std::size_t kDefaultSlots = 512;
  static constexpr std::size_t kDefaultSlotSize = 1500;

  explicit RetransmissionBuffer(std::size_t slots = kDefaultSlots, std::size_t slot_size = kDefaultSlotSize);

  // False (nothing stored) when the packet is empty or larger than a slot.
  bool store(std::uint16_t seq, std::span<const std::uint8_t> packet, std::int64_t now_ms = 0);
  // The stored bytes for seq, or empty when never stored / already overwritten. The span stays
  // valid until the next store() into the same slot.
  std::span<const std::uint8_t> find(std::uint16_t seq) const;
  // Same, but also empty when stored more than max_age_ms before now_ms (too old to help).
  std::span<const std::uint8_t> find(std::uint16_t seq, std::int64_t now_ms, std::int64_t max_age_ms) const;
  void clear();

  std::size_t slots() const { return slots_.size(); }
  std::size_t slot_size() const { return slot_size_; }

 private:
  struct Slot {
    std::uint16_t seq = 0;
    std::uint16_t size = 0;  // 0 = empty
    std::int64_t stored_ms = 0;
  };
  std::size_t slot_size_;
  std::vector<Slot> slots_;
  std::vector<std::uint8_t> storage_;
};

}  // namespace shoal::rtc::rtp
