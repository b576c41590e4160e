#include "rtc/rtp/h264_parameter_sets.hpp"

#include "rtc/rtp/h264_nal.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::rtc::rtp {

namespace {

constexpr std::uint32_t kParameterSetTypes = (1u << h264::kNalSps) | (1u << h264::kNalPps);

// Calls visit(unit) for the NAL unit of a single NAL unit packet or each complete unit of a
// STAP-A; a truncated unit ends the walk.
template <typename Visit>
void for_each_unit(std::span<const std::uint8_t> payload, Visit&& visit) {
  if (payload.empty()) return;
  const std::uint8_t type = payload[0] & 0x1f;
  if (type >= 1 && type <= 23) {
    visit(payload);
    return;
  }
  if (type != h264::kStapA) return;
  std::size_t at = 1;
  while (at + 2 < payload.size()) {
    const std::size_t size = std::size_t{payload[at]} << 8 | payload[at + 1];
    at += 2;
    if (size == 0 || size > payload.size() - at) return;
    visit(payload.subspan(at, size));
    at += size;
  }
}

std::uint8_t unit_type(std::span<const std::uint8_t> unit) { return unit[0] & 0x1f; }

void append_unit(std::vector<std::uint8_t>& stap_a, std::span<const std::uint8_t> unit) {
  stap_a.push_back(static_cast<std::uint8_t>(unit.size() >> 8));
  stap_a.push_back(static_cast<std::uint8_t>(unit.size()));
  stap_a.insert(stap_a.end(), unit.begin(), unit.end());
}

}  // namespace

std::uint32_t h264_nal_types(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return 0;
  if ((payload[0] & 0x1f) == h264::kFuA) {
    if (payload.size() < 2 || (payload[1] & 0x80) == 0) return 0;
    const std::uint8_t original = payload[1] & 0x1f;
    return original >= 1 && original <= 23 ? 1u << original : 0;
  }
  std::uint32_t types = 0;
  for_each_unit(payload, [&](std::span<const std::uint8_t> unit) {
    const std::uint8_t type = unit_type(unit);
    if (type >= 1 && type <= 23) types |= 1u << type;
  });
  return types;
}

H264ParameterSetInserter::H264ParameterSetInserter(const std::vector<std::vector<std::uint8_t>>& parameter_sets) {
  // Capacity for the largest packet up front, so learning sets in band never allocates.
  stap_a_.reserve(kMaxPacket);
  learned_.reserve(kMaxPacket);
  merged_.reserve(kMaxPacket);
  merged_.push_back(0);
  for (const auto& set : parameter_sets) {
    if (set.empty() || merged_.size() + 2 + set.size() + RtpPacket::kFixedHeaderSize > kMaxPacket) return;
    append_unit(merged_, set);
  }
  if (merged_.size() > 1) finish_merged();
}

void H264ParameterSetInserter::finish_merged() {
  merged_[0] = h264::kStapA;
  std::uint8_t nri = 0;
  for_each_unit(merged_, [&](std::span<const std::uint8_t> unit) { nri = std::max<std::uint8_t>(nri, unit[0] & 0x60); });
  merged_[0] |= nri;
  stap_a_.swap(merged_);
}

void H264ParameterSetInserter::learn(std::span<const std::uint8_t> payload, std::uint32_t timestamp) {
  if (learned_types_ == 0 || timestamp != learned_timestamp_) {
    learned_.clear();
    learned_types_ = 0;
    learned_timestamp_ = timestamp;
  }
  for_each_unit(payload, [&](std::span<const std::uint8_t> unit) {
    const std::uint8_t type = unit_type(unit);
    if (((kParameterSetTypes >> type) & 1u) == 0) return;
    if (learned_.size() + 2 + unit.size() + 1 + RtpPacket::kFixedHeaderSize > kMaxPacket) return;
    append_unit(learned_, unit);
    learned_types_ |= 1u << type;
  });
}

void H264ParameterSetInserter::adopt_learned() {
  merged_.clear();
  merged_.push_back(0);
  merged_.insert(merged_.end(), learned_.begin(), learned_.end());
  bool fits = true;
  if (!stap_a_.empty()) {
    for_each_unit(stap_a_, [&](std::span<const std::uint8_t> unit) {
      if (((learned_types_ >> unit_type(unit)) & 1u) != 0) return;
      if (merged_.size() + 2 + unit.size() + RtpPacket::kFixedHeaderSize > kMaxPacket) {
        fits = false;
        return;
      }
      append_unit(merged_, unit);
    });
  }
  learned_.clear();
  learned_types_ = 0;
  if (fits) finish_merged();
}

std::size_t H264ParameterSetInserter::process(RtpPacket& packet, std::span<std::uint8_t> inserted) {
  const std::uint16_t original_sequence = packet.sequence_number();
  const std::uint32_t timestamp = packet.timestamp();
  const std::uint32_t types = h264_nal_types(packet.payload());
  std::size_t length = 0;
  if ((types & kParameterSetTypes) != 0) learn(packet.payload(), timestamp);
  if ((types & (1u << h264::kNalIdr)) != 0 && !(covered_ && covered_timestamp_ == timestamp)) {
    covered_timestamp_ = timestamp;
    covered_ = true;
    if (learned_types_ != 0) adopt_learned();
    const bool self_contained = (types & (1u << h264::kNalSps)) != 0;
    if (!self_contained && !stap_a_.empty() && inserted.size() >= RtpPacket::kFixedHeaderSize + stap_a_.size()) {
      // A fixed header like the IDR packet's (no CSRCs, no extensions, no marker): same PT,
      // SSRC and timestamp, the sequence number just before it.
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
    }
  }
  packet.set_sequence_number(static_cast<std::uint16_t>(original_sequence + sequence_offset_));
  return length;
}

}  // namespace shoal::rtc::rtp
