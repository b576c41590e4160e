#include "rtc/rtcp/bye.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

std::optional<Bye> Bye::parse(const RtcpPacketView& view) {
  if (view.type != kBye) return std::nullopt;
  const std::size_t size = std::size_t{view.count} * 4;
  if (view.body.size() < size) return std::nullopt;
  Bye bye;
  bye.ssrcs_ = view.body.first(size);
  return bye;
}

std::uint32_t Bye::ssrc(std::size_t index) const {
  if (index >= ssrc_count()) return 0;
  return load_u32(ssrcs_, index * 4);
}

}  // namespace shoal::rtc::rtcp
