#pragma once
// The 4-byte header every RTCP packet starts with (RFC 3550 6.4) and the demultiplexing rule
// for RTP and RTCP sharing one transport (RFC 5761).
//
//  V=2|P|RC/SC/FMT(5) | PT(8) | length in 32-bit words minus one (16)
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

enum PacketType : std::uint8_t {
  kSenderReport = 200,
  kReceiverReport = 201,
  kSourceDescription = 202,
  kBye = 203,
  kApp = 204,
  kTransportFeedback = 205,  // RTPFB
  kPayloadFeedback = 206,    // PSFB
};

// RFC 5761 section 4: with rtcp-mux, an RTCP packet's second byte (PT) lies in 192..223, which
// maps to RTP payload types 64..95 (M bit set) that WebRTC never assigns to media.
bool is_rtcp(std::span<const std::uint8_t> datagram);

// One packet inside a compound packet.
struct RtcpPacketView {
  std::uint8_t count = 0;  // RC / SC / FMT: the low 5 bits of the first byte
  std::uint8_t type = 0;
  std::size_t offset = 0;              // of `packet` inside the compound buffer, for in-place edits
  std::span<const std::uint8_t> packet;  // header + body + padding, exactly as the length field says
  std::span<const std::uint8_t> body;    // after the 4-byte header, padding removed
};

// Writes a header for a packet of `total_size` bytes (a multiple of 4, at least 4) into out[0..4).
// The caller has checked that out holds total_size bytes.
void write_header(std::span<std::uint8_t> out, std::uint8_t count, std::uint8_t type, std::size_t total_size);

}  // namespace shoal::rtc::rtcp
