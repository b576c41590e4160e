#include "rtc/rtcp/generic_nack.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<GenericNack> GenericNack::parse(const RtcpPacketView& view) {
  if (view.type != kTransportFeedback || view.count != kFormat) return std::nullopt;
  auto header = FeedbackHeader::parse(view);
  if (!header || header->fci.empty() || header->fci.size() % 4 != 0) return std::nullopt;
  GenericNack nack;
  nack.header_ = *header;
  return nack;
}

GenericNack::Item GenericNack::item(std::size_t index) const {
  if (index >= item_count()) return {};
  return Item{load_u16(header_.fci, index * 4), load_u16(header_.fci, index * 4 + 2)};
}

std::size_t GenericNack::lost_sequence_numbers(std::span<std::uint16_t> out) const {
  std::size_t written = 0;
  for_each_lost([&](std::uint16_t seq) {
    if (written < out.size()) out[written++] = seq;
  });
  return written;
}

std::optional<std::size_t> write_generic_nack(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                              std::uint32_t media_ssrc, std::span<const std::uint16_t> seqs) {
  if (seqs.empty() || out.size() < FeedbackHeader::kSize + 4) return std::nullopt;
  std::size_t pos = FeedbackHeader::kSize;
  std::uint16_t pid = seqs[0];
  std::uint16_t blp = 0;
  auto flush = [&]() -> bool {
    if (out.size() - pos < 4) return false;
    store_u16(out, pos, pid);
    store_u16(out, pos + 2, blp);
    pos += 4;
    return true;
  };
  for (std::size_t i = 1; i < seqs.size(); ++i) {
    const auto distance = static_cast<std::uint16_t>(seqs[i] - pid);
    if (distance == 0) continue;
    if (distance <= 16) {
      blp = static_cast<std::uint16_t>(blp | (1u << (distance - 1)));
      continue;
    }
    if (!flush()) return std::nullopt;
    pid = seqs[i];
    blp = 0;
  }
  if (!flush()) return std::nullopt;
  // The length field counts 32-bit words; 0xFFFF words is the most it can describe.
  if (pos / 4 - 1 > 0xFFFF) return std::nullopt;
  write_header(out, GenericNack::kFormat, kTransportFeedback, pos);
  store_u32(out, 4, sender_ssrc);
  store_u32(out, 8, media_ssrc);
  return pos;
}

}  // namespace shoal::rtc::rtcp
