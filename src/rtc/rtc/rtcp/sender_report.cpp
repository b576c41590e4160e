#include "rtc/rtcp/sender_report.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

namespace {
constexpr std::size_t kSenderInfoSize = 24;  // ssrc + ntp(8) + rtp ts + packets + octets
constexpr std::size_t kMaxReports = 31;
}  // namespace

std::optional<SenderReport> SenderReport::parse(const RtcpPacketView& view) {
  if (view.type != kSenderReport) return std::nullopt;
  // Profile-specific extensions may follow the blocks; they are ignored.
  if (view.body.size() < kSenderInfoSize + view.count * ReportBlock::kSize) return std::nullopt;
  SenderReport report;
  report.sender_.ssrc = load_u32(view.body, 0);
  report.sender_.ntp_timestamp = (std::uint64_t{load_u32(view.body, 4)} << 32) | load_u32(view.body, 8);
  report.sender_.rtp_timestamp = load_u32(view.body, 12);
  report.sender_.packet_count = load_u32(view.body, 16);
  report.sender_.octet_count = load_u32(view.body, 20);
  report.report_count_ = view.count;
  report.blocks_ = view.body.subspan(kSenderInfoSize, view.count * ReportBlock::kSize);
  return report;
}

ReportBlock SenderReport::report(std::size_t index) const {
  if (index >= report_count_) return {};
  return ReportBlock::read(blocks_.subspan(index * ReportBlock::kSize, ReportBlock::kSize));
}

std::optional<std::size_t> write_sender_report(std::span<std::uint8_t> out, const SenderInfo& sender,
                                               std::span<const ReportBlock> reports) {
  if (reports.size() > kMaxReports) return std::nullopt;
  const std::size_t total = 4 + kSenderInfoSize + reports.size() * ReportBlock::kSize;
  if (out.size() < total) return std::nullopt;
  write_header(out, static_cast<std::uint8_t>(reports.size()), kSenderReport, total);
  store_u32(out, 4, sender.ssrc);
  store_u32(out, 8, static_cast<std::uint32_t>(sender.ntp_timestamp >> 32));
  store_u32(out, 12, static_cast<std::uint32_t>(sender.ntp_timestamp));
  store_u32(out, 16, sender.rtp_timestamp);
  store_u32(out, 20, sender.packet_count);
  store_u32(out, 24, sender.octet_count);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    reports[i].write(out.subspan(4 + kSenderInfoSize + i * ReportBlock::kSize, ReportBlock::kSize));
  }
  return total;
}

}  // namespace shoal::rtc::rtcp
