#include "rtc/rtp/h264_parameter_sets.hpp"

#include "rtc/rtp/h264_nal.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::rtc::rtp {

std::uint32_t h264_nal_types(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return 0;
  const std::uint8_t type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) return 1u << type;
  if (type == h264::kStapA) {
    std::uint32_t types = 0;
    std::size_t at = 1;
    while (at + 2 < payload.size()) {
      const std::size_t size = std::size_t{payload[at]} << 8 | payload[at + 1];
      at += 2;
      if (size == 0 || size > payload.size() - at) break;
      const std::uint8_t inner = payload[at] & 0x1f;
      if (inner >= 1 && inner <= 23) types |= 1u << inner;
      at += size;
    }
    return types;
  }
  if (type == h264::kFuA && payload.size() >= 2 && (payload[1] & 0x80) != 0) {
    const std::uint8_t original = payload[1] & 0x1f;
    if (original >= 1 && original <= 23) return 1u << original;
  }
  return 0;
}

H264ParameterSetInserter::H264ParameterSetInserter(const std::vector<std::vector<std::uint8_t>>& parameter_sets) {
  std::vector<std::uint8_t> payload{0};
  std::uint8_t nri = 0;
  for (const auto& set : parameter_sets) {
    if (set.empty() || set.size() > 0xffff) return;
    nri = std::max<std::uint8_t>(nri, set[0] & 0x60);
    payload.push_back(static_cast<std::uint8_t>(set.size() >> 8));
    payload.push_back(static_cast<std::uint8_t>(set.size()));
    payload.insert(payload.end(), set.begin(), set.end());
  }
  if (payload.size() == 1 || payload.size() + RtpPacket::kFixedHeaderSize > kMaxPacket) return;
  payload[0] = static_cast<std::uint8_t>(nri | h264::kStapA);
  stap_a_ = std::move(payload);
}

std::size_t H264ParameterSetInserter::process(RtpPacket& packet, std::span<std::uint8_t> inserted) {
  const std::uint16_t original_sequence = packet.sequence_number();
  const std::uint32_t timestamp = packet.timestamp();
  const std::uint32_t types = h264_nal_types(packet.payload());
  std::size_t length = 0;
  if ((types & (1u << h264::kNalSps)) != 0) {
    covered_timestamp_ = timestamp;
    covered_ = true;
  } else if ((types & (1u << h264::kNalIdr)) != 0 && !(covered_ && covered_timestamp_ == timestamp) && !stap_a_.empty() &&
             inserted.size() >= RtpPacket::kFixedHeaderSize + stap_a_.size()) {
    // A fixed header like the IDR packet's (no CSRCs, no extensions, no marker): same PT, SSRC
    // and timestamp, the sequence number just before it.
    std::memcpy(inserted.data(), packet.bytes().data(), 8);
    inserted[0] = 0x80;
    inserted[1] = packet.payload_type();
    const std::uint16_t sequence = static_cast<std::uint16_t>(original_sequence + sequence_offset_);
    inserted[2] = static_cast<std::uint8_t>(sequence >> 8);
    inserted[3] = static_cast<std::uint8_t>(sequence);
    const std::uint32_t ssrc = packet.ssrc();
    for (int i = 0; i < 4; ++i) inserted[8 + i] = static_cast<std::uint8_t>(ssrc >> (24 - 8 * i));
    std::memcpy(inserted.data() + RtpPacket::kFixedHeaderSize, stap_a_.data(), stap_a_.size());
    length = RtpPacket::kFixedHeaderSize + stap_a_.size();
    ++sequence_offset_;
    ++inserted_count_;
    covered_timestamp_ = timestamp;
    covered_ = true;
  }
  packet.set_sequence_number(static_cast<std::uint16_t>(original_sequence + sequence_offset_));
  return length;
}

}  // namespace shoal::rtc::rtp
