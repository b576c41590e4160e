#pragma once
// RTP packets as bytes for tests of the packet path, with one-byte header extensions (RFC 8285).
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace shoal::testing {

struct RtpPacketSpec {
  std::uint8_t payload_type = 96;
  std::uint16_t sequence_number = 0;
  std::uint32_t timestamp = 0;
  std::uint32_t ssrc = 0;
  bool marker = false;
  std::vector<std::pair<int, std::string>> extensions{};  // id (1..14) -> value (1..16 bytes)
  std::vector<std::uint8_t> payload = {0x00};
};

inline std::vector<std::uint8_t> build_rtp(const RtpPacketSpec& spec) {
  std::vector<std::uint8_t> out;
  const bool extended = !spec.extensions.empty();
  out.push_back(static_cast<std::uint8_t>(0x80 | (extended ? 0x10 : 0)));
  out.push_back(static_cast<std::uint8_t>((spec.marker ? 0x80 : 0) | (spec.payload_type & 0x7F)));
  out.push_back(static_cast<std::uint8_t>(spec.sequence_number >> 8));
  out.push_back(static_cast<std::uint8_t>(spec.sequence_number));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(spec.timestamp >> shift));
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(spec.ssrc >> shift));
  if (extended) {
    std::vector<std::uint8_t> elements;
    for (const auto& [id, value] : spec.extensions) {
      elements.push_back(static_cast<std::uint8_t>(id << 4 | (value.size() - 1)));
      elements.insert(elements.end(), value.begin(), value.end());
    }
    while (elements.size() % 4 != 0) elements.push_back(0);
    const std::size_t words = elements.size() / 4;
    out.insert(out.end(), {0xBE, 0xDE, static_cast<std::uint8_t>(words >> 8), static_cast<std::uint8_t>(words)});
    out.insert(out.end(), elements.begin(), elements.end());
  }
  out.insert(out.end(), spec.payload.begin(), spec.payload.end());
  return out;
}

}  // namespace shoal::testing
