#include "rtc/rtcp/rtcp_header.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

bool is_rtcp(std::span<const std::uint8_t> datagram) {
  if (datagram.size() < 4) return false;
  if ((datagram[0] >> 6) != 2) return false;
  return datagram[1] >= 192 && datagram[1] <= 223;
}

void write_header(std::span<std::uint8_t> out, std::uint8_t count, std::uint8_t type, std::size_t total_size) {
  out[0] = static_cast<std::uint8_t>(0x80 | (count & 0x1F));
  out[1] = type;
  store_u16(out, 2, static_cast<std::uint16_t>(total_size / 4 - 1));
}

}  // namespace shoal::rtc::rtcp
