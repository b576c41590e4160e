#include "rtc/rtcp/receiver_report.hpp"

#include "rtc/common/big_endian.hpp"

namespace shoal::rtc::rtcp {

namespace {
constexpr std::size_t kMaxReports = 31;
}

std::optional<ReceiverReport> ReceiverReport::parse(const RtcpPacketView& view) {
  if (view.type != kReceiverReport) return std::nullopt;
  if (view.body.size() < 4 + view.count * ReportBlock::kSize) return std::nullopt;
  ReceiverReport report;
  report.sender_ssrc_ = load_u32(view.body, 0);
  report.report_count_ = view.count;
  report.blocks_ = view.body.subspan(4, view.count * ReportBlock::kSize);
  return report;
}

ReportBlock ReceiverReport::report(std::size_t index) const {
  if (index >= report_count_) return {};
  return ReportBlock::read(blocks_.subspan(index * ReportBlock::kSize, ReportBlock::kSize));
}

std::optional<std::size_t> write_receiver_report(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                                 std::span<const ReportBlock> reports) {
  if (reports.size() > kMaxReports) return std::nullopt;
  const std::size_t total = 8 + reports.size() * ReportBlock::kSize;
  if (out.size() < total) return std::nullopt;
  write_header(out, static_cast<std::uint8_t>(reports.size()), kReceiverReport, total);
  store_u32(out, 4, sender_ssrc);
  for (std::size_t i = 0; i < reports.size(); ++i) {
    reports[i].write(out.subspan(8 + i * ReportBlock::kSize, ReportBlock::kSize));
  }
  return total;
}

}  // namespace shoal::rtc::rtcp
