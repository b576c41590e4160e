#pragma once
// SDES, packet type 202 (RFC 3550 6.5). Only CNAME is of interest; other items are skipped.
// Each chunk: SSRC, items (type, length, text), a zero type byte, zero padding to a word.
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace shoal::rtc::rtcp {

struct SdesCname {
  std::uint32_t ssrc = 0;
  std::string_view cname;  // points into the packet
};

class SourceDescription {
 public:
  // Validates every chunk, so next_cname cannot run off the end.
  static std::optional<SourceDescription> parse(const RtcpPacketView& view);

  std::size_t chunk_count() const { return chunk_count_; }
  // Iteration: start with cursor = 0; returns the next chunk that has a CNAME, advancing cursor.
  std::optional<SdesCname> next_cname(std::size_t& cursor) const;

 private:
  std::span<const std::uint8_t> body_;
  std::size_t chunk_count_ = 0;
};

}  // namespace shoal::rtc::rtcp
