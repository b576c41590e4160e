#pragma once
// Transport-wide congestion control feedback, RTPFB FMT 15
// (draft-holmer-rmcat-transport-wide-cc-extensions-01 section 3.1):
//   header | sender SSRC | media SSRC | base seq (16) | status count (16) |
//   reference time (24, signed, 64 ms units) | feedback packet count (8) |
//   packet status chunks (16 bits each) | receive deltas (1 or 2 bytes, 250 us units) | padding
// A status chunk is either a run (T=0: 2-bit symbol, 13-bit run length) or a vector (T=1, S=0:
// fourteen 1-bit symbols; S=1: seven 2-bit symbols). Symbols: 0 not received, 1 received with a
// small delta (unsigned byte), 2 received with a large delta (signed 16 bits).
#include "rtc/rtcp/feedback_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

class TransportCc {
 public:
  static constexpr std::uint8_t kFormat = 15;

  // One packet as the feedback reports it: its sequence number and, when received, its arrival
  // delta to the previous received packet (the first one: to the reference time).
  struct PacketResult {
    std::uint16_t sequence_number = 0;
    bool received = false;
    std::int32_t delta_ticks = 0;  // 250 us units; meaningful when received
    bool operator==(const PacketResult&) const = default;
  };

  static std::optional<TransportCc> parse(const RtcpPacketView& view);

  std::uint32_t sender_ssrc() const { return header_.sender_ssrc; }
  std::uint32_t media_ssrc() const { return header_.media_ssrc; }
  std::uint16_t base_sequence_number() const { return base_sequence_number_; }
  std::uint16_t packet_status_count() const { return packet_status_count_; }
  std::int32_t reference_time() const { return reference_time_; }  // signed 24-bit, units of 64 ms
  std::uint8_t feedback_packet_count() const { return feedback_packet_count_; }
  std::span<const std::uint8_t> status_data() const { return header_.fci.subspan(8); }

  // Decodes the status chunks and receive deltas into out (one entry per reported packet, in
  // sequence order). nullopt when the chunks or deltas run past the packet or out is smaller than
  // packet_status_count().
  std::optional<std::size_t> packet_results(std::span<PacketResult> out) const;

 private:
  FeedbackHeader header_;
  std::uint16_t base_sequence_number_ = 0;
  std::uint16_t packet_status_count_ = 0;
  std::int32_t reference_time_ = 0;
  std::uint8_t feedback_packet_count_ = 0;
};

// Arrival of base_sequence + i on a monotonic microsecond clock, or kNotReceived.
inline constexpr std::int64_t kNotReceived = -1;

struct TransportCcWritten {
  std::size_t length = 0;           // bytes written, padded to a multiple of 4
  std::size_t packets_reported = 0;  // a prefix of the arrivals given
};

// Writes one feedback packet reporting arrivals_us[0..n) as sequence numbers base_sequence..,
// where n stops early at the first arrival whose delta does not fit 16 bits, at kMaxReported,
// or when out would overflow; the caller reports the rest in the next packet. arrivals_us[0]
// must be received (feedback starts at a received packet). The reference time is the first
// arrival rounded down to 64 ms. nullopt when arrivals_us is empty, starts with kNotReceived,
// or out cannot hold even one packet.
std::optional<TransportCcWritten> write_transport_cc(std::span<std::uint8_t> out, std::uint32_t sender_ssrc,
                                                     std::uint32_t media_ssrc, std::uint16_t base_sequence,
                                                     std::uint8_t feedback_packet_count,
                                                     std::span<const std::int64_t> arrivals_us);

inline constexpr std::size_t kTransportCcMaxReported = 512;

}  // namespace shoal::rtc::rtcp
