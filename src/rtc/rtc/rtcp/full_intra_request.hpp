#pragma once
// FIR, PSFB FMT 4 (RFC 5104 4.3.1). The header's media SSRC is 0; each 8-byte FCI entry names
// the target SSRC and a command sequence number that the sender increments per new request
// (a repeated number is a retransmission of the same request, not a new one).
#include "rtc/rtcp/feedback_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class FullIntraRequest {
 public:
  static constexpr std::uint8_t kFormat = 4;
  static constexpr std::size_t kEntrySize = 8;
  struct Entry {
    std::uint32_t ssrc = 0;
    std::uint8_t sequence_number = 0;
    bool operator==(const Entry&) const = default;
  };

  static std::optional<FullIntraRequest> parse(const RtcpPacketView& view);
  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  std::uint32_t media_ssrc() const { return header_.media_ssrc; }  // normally 0, see entries
  std::size_t entry_count() const { return header_.fci.size() / kEntrySize; }
  Entry entry(std::size_t index) const;  // index < entry_count()

 private:
  FeedbackHeader header_;
};

// One entry for media_ssrc: 20 bytes, or nullopt when out is smaller.
std::optional<std::size_t> write_fir(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                     std::uint32_t media_ssrc, std::uint8_t command_sequence_number);

}  // namespace shoal::rtc::rtcp
