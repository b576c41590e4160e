#pragma once
// Puts an H264 stream's parameter sets (SPS, PPS) in band before each IDR picture that does not
// carry them. RTSP sources often announce them only in the SDP (sprop-parameter-sets, RFC 6184
// §8.1), but a WebRTC subscriber or the HLS decoder that starts at an IDR needs them in the
// stream. The sets go in a STAP-A packet of the IDR's timestamp sent just before it; every later
// packet's sequence number moves up by one per inserted packet so the receivers see no gap.
// Works on untrusted payloads: bounded reads, no exceptions, no allocation per packet.
#include "rtc/rtp/rtp_packet.hpp"

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace shoal::rtc::rtp {

class H264ParameterSetInserter {
 public:
  static constexpr std::size_t kMaxPacket = 1200;

  // `parameter_sets`: NAL units (no start codes), e.g. the decoded sprop-parameter-sets. Sets
  // that do not fit one packet together are not inserted at all.
  explicit H264ParameterSetInserter(const std::vector<std::vector<std::uint8_t>>& parameter_sets);

  // One packet of the stream: its sequence number is rewritten in place. Returns the length of
  // a packet written to `inserted` that must be sent before it (0: none).
  std::size_t process(RtpPacket& packet, std::span<std::uint8_t> inserted);

  std::uint64_t inserted_count() const { return inserted_count_; }

 private:
  std::vector<std::uint8_t> stap_a_;  // the STAP-A payload carrying every set
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t covered_timestamp_ = 0;  // the access unit whose parameter sets were seen/sent
  bool covered_ = false;
  std::uint64_t inserted_count_ = 0;
};

// The NAL unit types a payload starts or carries: single NAL unit packets, every unit of a
// STAP-A, the original type of an FU-A start fragment. Bit n set: type n present.
std::uint32_t h264_nal_types(std::span<const std::uint8_t> payload);

}  // namespace shoal::rtc::rtp
