#include "rtc/rtp/vp8_payload_descriptor.hpp"

namespace shoal::rtc::rtp {

std::optional<Vp8PayloadDescriptor> Vp8PayloadDescriptor::parse(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return std::nullopt;
  Vp8PayloadDescriptor d;
  const std::uint8_t first = payload[0];
  const bool extended = (first & 0x80) != 0;
  d.non_reference = (first & 0x20) != 0;
  d.start_of_partition = (first & 0x10) != 0;
  d.partition_id = first & 0x07;
  std::size_t pos = 1;
  if (extended) {
    if (pos >= payload.size()) return std::nullopt;
    const std::uint8_t ext = payload[pos++];
    const bool has_picture_id = (ext & 0x80) != 0;
    const bool has_tl0 = (ext & 0x40) != 0;
    const bool has_tid = (ext & 0x20) != 0;
    const bool has_keyidx = (ext & 0x10) != 0;
    if (has_picture_id) {
      if (pos >= payload.size()) return std::nullopt;
      d.picture_id_offset = pos;
      if (payload[pos] & 0x80) {
        if (payload.size() - pos < 2) return std::nullopt;
        d.picture_id_15bit = true;
        d.picture_id = static_cast<std::uint16_t>(((payload[pos] & 0x7F) << 8) | payload[pos + 1]);
        pos += 2;
      } else {
        d.picture_id = payload[pos] & 0x7F;
        pos += 1;
      }
    }
    if (has_tl0) {
      if (pos >= payload.size()) return std::nullopt;
      d.tl0_pic_idx_offset = pos;
      d.tl0_pic_idx = payload[pos++];
    }
    if (has_tid || has_keyidx) {
      if (pos >= payload.size()) return std::nullopt;
      d.tid_key_idx_offset = pos;
      const std::uint8_t b = payload[pos++];
      if (has_tid) {
        d.temporal_id = static_cast<std::uint8_t>(b >> 6);
        d.layer_sync = (b & 0x20) != 0;
      }
      if (has_keyidx) d.key_idx = b & 0x1F;
    }
  }
  d.size = pos;
  return d;
}

bool Vp8PayloadDescriptor::starts_keyframe(std::span<const std::uint8_t> payload) const {
  if (!start_of_partition || partition_id != 0) return false;
  if (payload.size() <= size) return false;
  return (payload[size] & 0x01) == 0;
}

bool Vp8PayloadDescriptor::write_picture_id(std::span<std::uint8_t> payload, std::uint16_t value) const {
  if (!picture_id || picture_id_offset == 0) return false;
  if (picture_id_15bit) {
    if (payload.size() < picture_id_offset + 2) return false;
    payload[picture_id_offset] = static_cast<std::uint8_t>(0x80 | ((value >> 8) & 0x7F));
    payload[picture_id_offset + 1] = static_cast<std::uint8_t>(value);
  } else {
    if (payload.size() < picture_id_offset + 1) return false;
    payload[picture_id_offset] = static_cast<std::uint8_t>(value & 0x7F);
  }
  return true;
}

bool Vp8PayloadDescriptor::write_tl0_pic_idx(std::span<std::uint8_t> payload, std::uint8_t value) const {
  if (!tl0_pic_idx || tl0_pic_idx_offset == 0 || payload.size() <= tl0_pic_idx_offset) return false;
  payload[tl0_pic_idx_offset] = value;
  return true;
}

bool Vp8PayloadDescriptor::write_key_idx(std::span<std::uint8_t> payload, std::uint8_t value) const {
  if (!key_idx || tid_key_idx_offset == 0 || payload.size() <= tid_key_idx_offset) return false;
  payload[tid_key_idx_offset] = static_cast<std::uint8_t>((payload[tid_key_idx_offset] & 0xE0) | (value & 0x1F));
  return true;
}

bool is_vp8_keyframe(std::span<const std::uint8_t> payload) {
  auto descriptor = Vp8PayloadDescriptor::parse(payload);
  return descriptor && descriptor->starts_keyframe(payload);
}

}  // namespace shoal::rtc::rtp
