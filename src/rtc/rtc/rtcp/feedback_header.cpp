#include "rtc/rtcp/feedback_header.hpp"

#include "rtc/common/big_endian.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"

namespace shoal::rtc::rtcp {

namespace {
constexpr std::uint8_t kFirFormat = 4;
constexpr std::uint8_t kRembFormat = 15;
constexpr std::size_t kFirEntrySize = 8;

// Validates `packet` as exactly one feedback packet and returns its view.
std::optional<RtcpPacketView> feedback_view(std::span<const std::uint8_t> packet) {
  auto view = read_packet(packet, 0);
  if (!view || view->packet.size() != packet.size()) return std::nullopt;
  if (view->type != kTransportFeedback && view->type != kPayloadFeedback) return std::nullopt;
  if (view->body.size() < 8) return std::nullopt;
  return view;
}
}  // namespace

std::optional<FeedbackHeader> FeedbackHeader::parse(const RtcpPacketView& view) {
  if (view.type != kTransportFeedback && view.type != kPayloadFeedback) return std::nullopt;
  if (view.body.size() < 8) return std::nullopt;
  FeedbackHeader header;
  header.type = view.type;
  header.format = view.count;
  header.sender_ssrc = load_u32(view.body, 0);
  header.media_ssrc = load_u32(view.body, 4);
  header.fci = view.body.subspan(8);
  return header;
}

bool rewrite_media_ssrc(std::span<std::uint8_t> packet, std::uint32_t media_ssrc) {
  auto view = feedback_view(packet);
  if (!view) return false;
  if (view->type == kPayloadFeedback && view->count == kFirFormat) {
    const std::size_t entries = (view->body.size() - 8) / kFirEntrySize;
    for (std::size_t i = 0; i < entries; ++i) store_u32(packet, FeedbackHeader::kSize + i * kFirEntrySize, media_ssrc);
    return true;
  }
  if (view->type == kPayloadFeedback && view->count == kRembFormat) return true;
  store_u32(packet, 8, media_ssrc);
  return true;
}

bool rewrite_sender_ssrc(std::span<std::uint8_t> packet, std::uint32_t sender_ssrc) {
  if (!feedback_view(packet)) return false;
  store_u32(packet, 4, sender_ssrc);
  return true;
}

}  // namespace shoal::rtc::rtcp
