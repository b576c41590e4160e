#pragma once
// RR, packet type 201 (RFC 3550 6.4.2).
#include "rtc/rtcp/report_block.hpp"
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class ReceiverReport {
 public:
  static std::optional<ReceiverReport> parse(const RtcpPacketView& view);

  std::uint32_t sender_ssrc() const { return sender_ssrc_; }
  std::size_t report_count() const { return report_count_; }
  ReportBlock report(std::size_t index) const;  // index < report_count()

 private:
  std::uint32_t sender_ssrc_ = 0;
  std::size_t report_count_ = 0;
  std::span<const std::uint8_t> blocks_;
};

// Returns the bytes written, or nullopt when out is too small or there are more than 31 blocks.
std::optional<std::size_t> write_receiver_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                                 std::span<const ReportBlock> reports);

}  // namespace shoal::rtc::rtcp
