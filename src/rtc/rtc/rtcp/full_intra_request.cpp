#include "rtc/rtcp/full_intra_request.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<FullIntraRequest> FullIntraRequest::parse(const RtcpPacketView& view) {
  if (view.type != kPayloadFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header || header->fci.empty() || header->fci.size() % kEntrySize != 0) return std::nullopt;
  FullIntraRequest fir;
  fir.header_ = *header;
  return fir;
}

FullIntraRequest::Entry FullIntraRequest::entry(std::size_t index) const {
  if (index >= entry_count()) return {};
  return Entry{load_u32(header_.fci, index * kEntrySize), header_.fci[index * kEntrySize + 4]};
}

std::optional<std::size_t> write_fir(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                     std::uint32_t media_ssrc, std::uint8_t command_sequence_number) {
  constexpr std::size_t kTotal = FeedbackHeader::kSize + FullIntraRequest::kEntrySize;
  if (out.size() < kTotal) return std::nullopt;
  write_header(out, FullIntraRequest::kFormat, kPayloadFeedback, kTotal);
  store_u32(out, 4, sender_ssrc);
  store_u32(out, 8, 0);
  store_u32(out, 12, media_ssrc);
  store_u32(out, 16, std::uint32_t{command_sequence_number} << 24);
  return kTotal;
}

}  // namespace shoal::rtc::rtcp
