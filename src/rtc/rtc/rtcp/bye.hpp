#pragma once
// BYE, packet type 203 (RFC 3550 6.6): the sources that are leaving; the optional reason is ignored.
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class Bye {
 public:
  static std::optional<Bye> parse(const RtcpPacketView& view);

  std::size_t ssrc_count() const { return ssrcs_.size() / 4; }
  std::uint32_t ssrc(std::size_t index) const;  // index < ssrc_count()

 private:
  std::span<const std::uint8_t> ssrcs_;
};

}  // namespace shoal::rtc::rtcp
