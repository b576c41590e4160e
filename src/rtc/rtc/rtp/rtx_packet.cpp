#include "rtc/rtp/rtx_packet.hpp"

#include "rtc/common/big_endian.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <algorithm>
#include <cstring>

namespace shoal::rtc::rtp {

std::optional<std::span<std::uint8_t>> rtx_unwrap(std::span<std::uint8_t> rtx, std::uint8_t original_payload_type,
                                                  std::uint32_t original_ssrc) {
  auto packet = RtpPacket::parse(rtx);
  if (!packet || packet->payload().size() < 2) return std::nullopt;
  const std::size_t header = packet->header_size();
  const std::uint16_t osn = load_u16(rtx, header);
  std::memmove(rtx.data() + 2, rtx.data(), header);
  auto restored = RtpPacket::parse(rtx.subspan(2));
  if (!restored) return std::nullopt;  // unreachable: same header, same padding
  restored->set_sequence_number(osn);
  restored->set_payload_type(original_payload_type);
  restored->set_ssrc(original_ssrc);
  return rtx.subspan(2);
}

std::optional<std::size_t> rtx_wrap(std::span<const std::uint8_t> original, std::span<std::uint8_t> out,
                                    std::uint8_t rtx_payload_type, std::uint32_t rtx_ssrc,
                                    std::uint16_t rtx_sequence_number) {
  if (original.size() < RtpPacket::kFixedHeaderSize) return std::nullopt;
  // RtpPacket::parse takes a mutable span; nothing is written through this view.
  auto view = RtpPacket::parse(std::span(const_cast<std::uint8_t*>(original.data()), original.size()));
  if (!view) return std::nullopt;
  const std::size_t header = view->header_size();
  const auto payload = view->payload();
  const std::size_t total = header + 2 + payload.size();
  if (out.size() < total) return std::nullopt;
  std::copy_n(original.begin(), header, out.begin());
  std::copy(payload.begin(), payload.end(), out.begin() + static_cast<std::ptrdiff_t>(header + 2));
  store_u16(out, header, view->sequence_number());
  out[0] &= static_cast<std::uint8_t>(~0x20);  // padding is not carried over
  auto rtx = RtpPacket::parse(out.first(total));
  if (!rtx) return std::nullopt;
  rtx->set_payload_type(rtx_payload_type);
  rtx->set_ssrc(rtx_ssrc);
  rtx->set_sequence_number(rtx_sequence_number);
  return total;
}

}  // namespace shoal::rtc::rtp
