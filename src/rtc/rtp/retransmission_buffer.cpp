#include "rtc/rtp/retransmission_buffer.hpp"

#include <algorithm>

namespace shoal::rtc::rtp {

RetransmissionBuffer::RetransmissionBuffer(std::size_t slots, std::size_t slot_size)
    : slot_size_(std::min<std::size_t>(slot_size, 0xFFFF)),
      slots_(std::max<std::size_t>(slots, 1)),
      storage_(slots_.size() * slot_size_) {}

bool RetransmissionBuffer::store(std::uint16_t seq, std::span<const std::uint8_t> packet, std::int64_t now_ms) {
  if (packet.empty() || packet.size() > slot_size_) return false;
  const std::size_t index = seq % slots_.size();
  std::copy(packet.begin(), packet.end(), storage_.begin() + static_cast<std::ptrdiff_t>(index * slot_size_));
  slots_[index] = Slot{seq, static_cast<std::uint16_t>(packet.size()), now_ms};
  return true;
}

std::span<const std::uint8_t> RetransmissionBuffer::find(std::uint16_t seq) const {
  const std::size_t index = seq % slots_.size();
  const Slot& slot = slots_[index];
  if (slot.size == 0 || slot.seq != seq) return {};
  return std::span<const std::uint8_t>(storage_.data() + index * slot_size_, slot.size);
}

std::span<const std::uint8_t> RetransmissionBuffer::find(std::uint16_t seq, std::int64_t now_ms,
                                                         std::int64_t max_age_ms) const {
  auto packet = find(seq);
  if (packet.empty()) return {};
  if (now_ms - slots_[seq % slots_.size()].stored_ms > max_age_ms) return {};
  return packet;
}

void RetransmissionBuffer::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
}

}  // namespace shoal::rtc::rtp
