#include "rtc/rtcp/picture_loss_indication.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<PictureLossIndication> PictureLossIndication::parse(const RtcpPacketView& view) {
  if (view.type != kPayloadFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header) return std::nullopt;
  PictureLossIndication pli;
  pli.header_ = *header;
  return pli;
}

std::optional<std::size_t> write_pli(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                     std::uint32_t media_ssrc) {
  if (out.size() < PictureLossIndication::kSize) return std::nullopt;
  write_header(out, PictureLossIndication::kFormat, kPayloadFeedback, PictureLossIndication::kSize);
  store_u32(out, 4, sender_ssrc);
  store_u32(out, 8, media_ssrc);
  return PictureLossIndication::kSize;
}

}  // namespace shoal::rtc::rtcp
