#include "rtc/rtp/h264_keyframe.hpp"

#include "rtc/rtp/h264_nal.hpp"

namespace shoal::rtc::rtp {

namespace {

// A NAL unit a decoder can start at: an SPS, or the first slice of an IDR picture. A picture may
// be cut into several slices (x264 with sliced threads makes one per thread), each its own NAL
// unit and often its own packet; a subscriber started at the second would miss the picture's top
// and the parameter sets sent before the first. `slice_header` is the byte after the NAL header:
// first_mb_in_slice is its first field, ue(v) coded, so 0 (the first slice) is a leading 1 bit.
bool starts_decoding(std::uint8_t type, std::span<const std::uint8_t> slice_header) {
  if (type == h264::kNalSps) return true;
  return type == h264::kNalIdr && !slice_header.empty() && (slice_header[0] & 0x80) != 0;
}
}  // namespace

bool is_h264_keyframe(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return false;
  const std::uint8_t type = payload[0] & 0x1F;
  if (type == h264::kNalSps || type == h264::kNalIdr) return starts_decoding(type, payload.subspan(1));
  if (type == h264::kStapA) {
    // 1-byte STAP-A header, then (16-bit size, NAL unit)*; a truncated unit ends the scan.
    std::size_t pos = 1;
    while (payload.size() - pos >= 3) {
      const std::size_t nal_size = static_cast<std::size_t>((payload[pos] << 8) | payload[pos + 1]);
      pos += 2;
      if (nal_size == 0 || nal_size > payload.size() - pos) return false;
      if (starts_decoding(payload[pos] & 0x1F, payload.subspan(pos + 1, nal_size - 1))) return true;
      pos += nal_size;
    }
    return false;
  }
  if (type == h264::kFuA) {
    if (payload.size() < 2) return false;
    const std::uint8_t fu_header = payload[1];
    const bool start = (fu_header & 0x80) != 0;
    return start && starts_decoding(fu_header & 0x1F, payload.subspan(2));
  }
  return false;
}

}  // namespace shoal::rtc::rtp
