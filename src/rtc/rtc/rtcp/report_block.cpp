#include "rtc/rtcp/report_block.hpp"

#include "rtc/common/big_endian.hpp"

#include <algorithm>

namespace shoal::rtc::rtcp {

ReportBlock ReportBlock::read(std::span<const std::uint8_t> in) {
  ReportBlock block;
  block.ssrc = load_u32(in, 0);
  block.fraction_lost = in[4];
  std::uint32_t lost = load_u24(in, 5);
  if (lost & 0x800000) lost |= 0xFF000000;  // sign-extend
  block.cumulative_lost = static_cast<std::int32_t>(lost);
  block.extended_highest_sequence = load_u32(in, 8);
  block.jitter = load_u32(in, 12);
  block.last_sender_report = load_u32(in, 16);
  block.delay_since_last_sender_report = load_u32(in, 20);
  return block;
}

void ReportBlock::write(std::span<std::uint8_t> out) const {
  store_u32(out, 0, ssrc);
  const std::int32_t lost = std::clamp<std::int32_t>(cumulative_lost, -0x800000, 0x7FFFFF);
  store_u32(out, 4, (std::uint32_t{fraction_lost} << 24) | (static_cast<std::uint32_t>(lost) & 0xFFFFFF));
  store_u32(out, 8, extended_highest_sequence);
  store_u32(out, 12, jitter);
  store_u32(out, 16, last_sender_report);
  store_u32(out, 20, delay_since_last_sender_report);
}

}  // namespace shoal::rtc::rtcp
