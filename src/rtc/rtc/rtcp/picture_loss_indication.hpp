#pragma once
// PLI, PSFB FMT 1 (RFC 4585 6.3.1): "send a keyframe" for media_ssrc; no FCI.
#include "rtc/rtcp/feedback_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class PictureLossIndication {
 public:
  static constexpr std::uint8_t kFormat = 1;
  static constexpr std::size_t kSize = FeedbackHeader::kSize;

  static std::optional<PictureLossIndication> parse(const RtcpPacketView& view);
  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  std::uint32_t media_ssrc() const { return header_.media_ssrc; }

 private:
  FeedbackHeader header_;
};

// 12 bytes, or nullopt when out is smaller.
std::optional<std::size_t> write_pli(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                     std::uint32_t media_ssrc);

}  // namespace shoal::rtc::rtcp
