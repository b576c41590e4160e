#pragma once
// REMB, PSFB FMT 15 with the "REMB" identifier (draft-alvestrand-rmcat-remb-03 2.2):
//   'R''E''M''B' | Num SSRC(8) | BR Exp(6) | BR Mantissa(18) | SSRC feedback...
// Jellyfish does not use REMB (TWCC instead); this view lets the server recognise and ignore it.
#include "rtc/rtcp/feedback_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class ReceiverEstimatedMaxBitrate {
 public:
  static constexpr std::uint8_t kFormat = 15;

  static std::optional<ReceiverEstimatedMaxBitrate> parse(const RtcpPacketView& view);
  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  // mantissa * 2^exp bits per second, saturated at UINT64_MAX.
  std::uint64_t bitrate_bps() const { return bitrate_bps_; }
  std::size_t ssrc_count() const { return ssrc_count_; }
  std::uint32_t ssrc(std::size_t index) const;  // index < ssrc_count()

 private:
  FeedbackHeader header_;
  std::uint64_t bitrate_bps_ = 0;
  std::size_t ssrc_count_ = 0;
};

}  // namespace shoal::rtc::rtcp
