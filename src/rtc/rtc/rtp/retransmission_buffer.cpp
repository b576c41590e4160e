#include "rtc/rtp/retransmission_buffer.hpp"

#include <algorithm>

namespace shoal::rtc::rtp {

RetransmissionBuffer::RetransmissionBuffer(std::size_t slots, std::size_t slot_size)
    : slot_size_(std::min<std::size_t>(slot_size, 0xFFFF)),
      slots_(std::max<std::size_t>(slots, 1)),
      chunks_((slots_.size() + kSlotsPerChunk - 1) / kSlotsPerChunk) {}

std::uint8_t* RetransmissionBuffer::slot_data(std::size_t index) const {
  const auto& chunk = chunks_[index / kSlotsPerChunk];
  return chunk ? chunk.get() + (index % kSlotsPerChunk) * slot_size_ : nullptr;
}

std::size_t RetransmissionBuffer::allocated_bytes() const {
  std::size_t chunks = 0;
  for (const auto& chunk : chunks_) chunks += chunk != nullptr;
  return chunks * kSlotsPerChunk * slot_size_;
}

bool RetransmissionBuffer::store(std::uint16_t seq, std::span<const std::uint8_t> packet, core::Time now) {
  if (packet.empty() || packet.size() > slot_size_) return false;
  const std::size_t index = seq % slots_.size();
  auto& chunk = chunks_[index / kSlotsPerChunk];
  if (!chunk) chunk = std::make_unique_for_overwrite<std::uint8_t[]>(kSlotsPerChunk * slot_size_);
  std::copy(packet.begin(), packet.end(), slot_data(index));
  slots_[index] = Slot{seq, static_cast<std::uint16_t>(packet.size()), now};
  return true;
}

std::span<const std::uint8_t> RetransmissionBuffer::find(std::uint16_t seq) const {
  const std::size_t index = seq % slots_.size();
  const Slot& slot = slots_[index];
  if (slot.size == 0 || slot.seq != seq) return {};
  return std::span<const std::uint8_t>(slot_data(index), slot.size);
}

std::span<const std::uint8_t> RetransmissionBuffer::find(std::uint16_t seq, core::Time now,
                                                         core::Duration max_age) const {
  auto packet = find(seq);
  if (packet.empty()) return {};
  if (now - slots_[seq % slots_.size()].stored > max_age) return {};
  return packet;
}

RetransmissionBuffer::Resend RetransmissionBuffer::take_for_resend(std::uint16_t seq, core::Time now,
                                                                   core::Duration max_age,
                                                                   core::Duration min_interval) {
  auto packet = find(seq, now, max_age);
  if (packet.empty()) return {};
  Slot& slot = slots_[seq % slots_.size()];
  if (slot.resent != kNeverResent && now - slot.resent < min_interval) return {{}, true};
  slot.resent = now;
  return {packet, false};
}

void RetransmissionBuffer::clear() {
  std::fill(slots_.begin(), slots_.end(), Slot{});
}

}  // namespace shoal::rtc::rtp
