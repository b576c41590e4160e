#pragma once
// Reception report block shared by SR and RR (RFC 3550 6.4.1), 24 bytes on the wire.
#include <cstddef>
#include <cstdint>
#include <span>

namespace shoal::rtc::rtcp {

struct ReportBlock {
  static constexpr std::size_t kSize = 24;

  std::uint32_t ssrc = 0;
  std::uint8_t fraction_lost = 0;
  std::int32_t cumulative_lost = 0;  // 24-bit signed on the wire (duplicates can make it negative)
  std::uint32_t extended_highest_sequence = 0;
  std::uint32_t jitter = 0;
  std::uint32_t last_sender_report = 0;  // middle 32 bits of the SR's NTP timestamp
  std::uint32_t delay_since_last_sender_report = 0;  // 1/65536 s

  bool operator==(const ReportBlock&) const = default;

  // `in` must hold at least kSize bytes, `out` too.
  static ReportBlock read(std::span<const std::uint8_t> in);
  void write(std::span<std::uint8_t> out) const;  // cumulative_lost clamped to 24-bit range
};

}  // namespace shoal::rtc::rtcp
