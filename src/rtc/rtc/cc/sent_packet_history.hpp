#pragma once
// What we sent on one transport, by transport-wide sequence number: the send time and size that
// transport-cc feedback is matched against. A fixed ring, so recording a packet never allocates;
// feedback about a number that has since been overwritten (over 2048 packets ago, seconds at any video rate) is ignored.

#include "core/time.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::rtc::cc {

class SentPacketHistory {
 public:
  static constexpr std::size_t kCapacity = 2048;

  struct Sent {
    core::Time send;
    std::uint32_t bytes = 0;
  };

  void on_sent(std::uint16_t sequence_number, std::uint32_t bytes, core::Time now) {
    slots_[sequence_number % kCapacity] = Slot{now, bytes, sequence_number, true};
  }

  std::optional<Sent> find(std::uint16_t sequence_number) const {
    const Slot& slot = slots_[sequence_number % kCapacity];
    if (!slot.used || slot.sequence_number != sequence_number) return std::nullopt;
    return Sent{slot.send, slot.bytes};
  }

 private:
  struct Slot {
    core::Time send;
    std::uint32_t bytes = 0;
    std::uint16_t sequence_number = 0;
    bool used = false;
  };
  std::array<Slot, kCapacity> slots_{};
};

}  // namespace shoal::rtc::cc
