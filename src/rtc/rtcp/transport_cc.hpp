#pragma once
// Transport-wide congestion control feedback, RTPFB FMT 15
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1). Only the fixed fields are
// decoded here; the packet status chunks and receive deltas stay in status_data().
#include "rtc/rtcp/feedback_header.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class TransportCc {
 public:
  static constexpr std::uint8_t kFormat = 15;

  static std::optional<TransportCc> parse(const RtcpPacketView& view);

  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  std::uint32_t media_ssrc() const { return header_.media_ssrc; }
  std::uint16_t base_sequence_number() const { return base_sequence_number_; }
  std::uint16_t packet_status_count() const { return packet_status_count_; }
  std::int32_t reference_time() const { return reference_time_; }  // signed 24-bit, units of 64 ms
  std::uint8_t feedback_packet_count() const { return feedback_packet_count_; }
  std::span<const std::uint8_t> status_data() const { return header_.fci.subspan(8); }

 private:
  FeedbackHeader header_;
  std::uint16_t base_sequence_number_ = 0;
  std::uint16_t packet_status_count_ = 0;
  std::int32_t reference_time_ = 0;
  std::uint8_t feedback_packet_count_ = 0;
};

}  // namespace shoal::rtc::rtcp
