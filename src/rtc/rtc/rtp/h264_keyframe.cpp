#include "rtc/rtp/h264_keyframe.hpp"

#include "rtc/rtp/h264_nal.hpp"

namespace shoal::rtc::rtp {

namespace {

bool is_key_nal_type(std::uint8_t type) { return type == h264::kNalIdr || type == h264::kNalSps; }
}  // namespace

bool is_h264_keyframe(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return false;
  const std::uint8_t type = payload[0] & 0x1F;
  if (is_key_nal_type(type)) return true;
  if (type == h264::kStapA) {
    // 1-byte STAP-A header, then (16-bit size, NAL unit)*; a truncated unit ends the scan.
    std::size_t pos = 1;
    while (payload.size() - pos >= 3) {
      const std::size_t nal_size = static_cast<std::size_t>((payload[pos] << 8) | payload[pos + 1]);
      pos += 2;
      if (nal_size == 0 || nal_size > payload.size() - pos) return false;
      if (is_key_nal_type(payload[pos] & 0x1F)) return true;
      pos += nal_size;
    }
    return false;
  }
  if (type == h264::kFuA) {
    if (payload.size() < 2) return false;
    const std::uint8_t fu_header = payload[1];
    const bool start = (fu_header & 0x80) != 0;
    return start && is_key_nal_type(fu_header & 0x1F);
  }
  return false;
}

}  // namespace shoal::rtc::rtp
