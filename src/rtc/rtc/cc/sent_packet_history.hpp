#pragma once
// What we sent on one transport, by transport-wide sequence number: the send time and size that
// transport-cc feedback is matched against. A fixed ring, so recording a packet never allocates;
// feedback about a number that has since been overwritten (over 2048 packets ago, seconds at any video rate) is ignored.
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>

namespace shoal::rtc::cc {

class SentPacketHistory {
 public:
  static constexpr std::size_t kCapacity = 2048;

  struct Sent {
    std::int64_t send_us = 0;
    std::uint32_t bytes = 0;
  };

  void on_sent(std::uint16_t sequence_number, std::uint32_t bytes, std::int64_t now_us) {
    slots_[sequence_number % kCapacity] = Slot{now_us, bytes, sequence_number, true};
  }

  std::optional<Sent> find(std::uint16_t sequence_number) const {
    const Slot& slot = slots_[sequence_number % kCapacity];
    if (!slot.used || slot.sequence_number != sequence_number) return std::nullopt;
    return Sent{slot.send_us, slot.bytes};
  }

 private:
  struct Slot {
    std::int64_t send_us = 0;
    std::uint32_t bytes = 0;
    std::uint16_t sequence_number = 0;
    bool used = false;
  };
  std::array<Slot, kCapacity> slots_{};
};

}  // namespace shoal::rtc::cc
