#include "rtc/rtcp/transport_cc.hpp"

#include "rtc/rtcp/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<TransportCc> TransportCc::parse(const RtcpPacketView& view) {
  if (view.type != kTransportFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header || header->fci.size() < 8) return std::nullopt;
  TransportCc cc;
  cc.header_ = *header;
  cc.base_sequence_number_ = load_u16(header->fci, 0);
  cc.packet_status_count_ = load_u16(header->fci, 2);
  std::uint32_t reference = load_u24(header->fci, 4);
  if (reference & 0x800000) reference |= 0xFF000000;
  cc.reference_time_ = static_cast<std::int32_t>(reference);
  cc.feedback_packet_count_ = header->fci[7];
  return cc;
}

}  // namespace shoal::rtc::rtcp
