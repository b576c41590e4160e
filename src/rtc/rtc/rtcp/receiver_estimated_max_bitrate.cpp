#include "rtc/rtcp/receiver_estimated_max_bitrate.hpp"

#include "rtc/common/big_endian.hpp"

#include <limits>

namespace shoal::rtc::rtcp {

std::optional<ReceiverEstimatedMaxBitrate> ReceiverEstimatedMaxBitrate::parse(const RtcpPacketView& view) {
  if (view.type != kPayloadFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header || header->fci.size() < 8) return std::nullopt;
  const auto& fci = header->fci;
  if (fci[0] != 'R' || fci[1] != 'E' || fci[2] != 'M' || fci[3] != 'B') return std::nullopt;
  const std::size_t count = fci[4];
  if ((fci.size() - 8) / 4 < count) return std::nullopt;
  ReceiverEstimatedMaxBitrate remb;
  remb.header_ = *header;
  remb.ssrc_count_ = count;
  const unsigned exponent = fci[5] >> 2;
  const std::uint64_t mantissa = load_u24(fci, 5) & 0x3FFFF;
  // An 18-bit mantissa shifted by more than 46 can overflow 64 bits.
  if (mantissa != 0 && exponent > 46 && (mantissa >> (64 - exponent)) != 0) {
    remb.bitrate_bps_ = std::numeric_limits<std::uint64_t>::max();
  } else {
    remb.bitrate_bps_ = mantissa << exponent;
  }
  return remb;
}

std::uint32_t ReceiverEstimatedMaxBitrate::ssrc(std::size_t index) const {
  if (index >= ssrc_count_) return 0;
  return load_u32(header_.fci, 8 + index * 4);
}

}  // namespace shoal::rtc::rtcp
