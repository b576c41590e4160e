#pragma once
// SR, packet type 200 (RFC 3550 6.4.1).
#include "rtc/rtcp/report_block.hpp"
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

struct SenderInfo {
  std::uint32_t ssrc = 0;
  std::uint64_t ntp_timestamp = 0;  // seconds since 1900 in the high 32 bits, fraction in the low
  std::uint32_t rtp_timestamp = 0;
  std::uint32_t packet_count = 0;
  std::uint32_t octet_count = 0;
  bool operator==(const SenderInfo&) const = default;
};

class SenderReport {
 public:
  static std::optional<SenderReport> parse(const RtcpPacketView& view);

  const SenderInfo& sender() const { return sender_; }
  std::uint32_t sender_ssrc() const { return sender_.ssrc; }
  std::size_t report_count() const { return report_count_; }
  ReportBlock report(std::size_t index) const;  // index < report_count()

 private:
  SenderInfo sender_;
  std::size_t report_count_ = 0;
  std::span<const std::uint8_t> blocks_;
};

// Returns the bytes written, or nullopt when out is too small or there are more than 31 blocks.
std::optional<std::size_t> write_sender_report(std::span<std::uint8_t> out, const SenderInfo& sender,
                                               std::span<const ReportBlock> reports = {});

}  // namespace shoal::rtc::rtcp
