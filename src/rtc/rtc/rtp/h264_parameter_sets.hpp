#pragma once
// Puts an H264 stream's parameter sets (SPS, PPS) in band right before each IDR picture whose
// first packet does not carry them. RTSP sources often announce them only in the SDP
// (sprop-parameter-sets, RFC 6184 §8.1), but a WebRTC subscriber or the HLS decoder that starts
// at an IDR needs them in the stream. Sets the source sends in separate packets ahead of the IDR
// do not count: a subscriber whose media starts between those packets and the IDR would miss
// them, so the sets go in a STAP-A of the IDR's timestamp in the same turn as the IDR. Sets seen
// in band replace the announced ones of their type, so a source that changes resolution keeps
// decoding. Every later packet's sequence number moves up by one per inserted packet so the
// receivers see no gap. Works on untrusted payloads: bounded reads, no exceptions, no allocation
// per packet.
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
  // Sets of the packet's access unit seen in band (single NAL units or STAP-A members).
  void learn(std::span<const std::uint8_t> payload, std::uint32_t timestamp);
  // Replaces the sets of the types learned in band, keeping the announced sets of other types.
  void adopt_learned();
  // Makes merged_ (units after a placeholder header byte) the inserted STAP-A.
  void finish_merged();

  std::vector<std::uint8_t> stap_a_;   // the STAP-A payload carrying every set
  std::vector<std::uint8_t> learned_;  // STAP-A units (size, NAL) seen in band at learned_timestamp_
  std::vector<std::uint8_t> merged_;   // where the next stap_a_ is built
  std::uint32_t learned_types_ = 0;
  std::uint32_t learned_timestamp_ = 0;
  std::uint16_t sequence_offset_ = 0;
  std::uint32_t covered_timestamp_ = 0;  // the access unit whose IDR was handled
  bool covered_ = false;
  std::uint64_t inserted_count_ = 0;
};

// The NAL unit types a payload starts or carries: single NAL unit packets, every unit of a
// STAP-A, the original type of an FU-A start fragment. Bit n set: type n present.
std::uint32_t h264_nal_types(std::span<const std::uint8_t> payload);

}  // namespace shoal::rtc::rtp
