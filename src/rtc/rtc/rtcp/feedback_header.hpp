#pragma once
// Common part of RTPFB (205) and PSFB (206) feedback messages (RFC 4585 6.1):
//   header(FMT, PT) | SSRC of packet sender | SSRC of media source | FCI...
// The media SSRC says which stream the feedback concerns; FIR carries it in its FCI instead
// (the header field is 0, RFC 5104 4.3.1).
#include "rtc/rtcp/rtcp_header.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::rtcp {

struct FeedbackHeader {
  static constexpr std::size_t kSize = 12;  // including the common RTCP header

  std::uint8_t type = 0;    // kTransportFeedback or kPayloadFeedback
  std::uint8_t format = 0;  // FMT
  std::uint32_t sender_ssrc = 0;
  std::uint32_t media_ssrc = 0;
  std::span<const std::uint8_t> fci;

  // nullopt unless the packet is RTPFB/PSFB with room for both SSRCs.
  static std::optional<FeedbackHeader> parse(const RtcpPacketView& view);
};

// In-place SSRC rewriting for one feedback packet (a packet span as found via
// RtcpPacketView::offset/packet.size(), not a whole compound), e.g. when forwarding a
// subscriber's PLI/NACK to the publisher with the subscriber-side SSRC mapped to the
// publisher's. For FIR the SSRCs in every FCI entry are rewritten (the header field stays 0);
// for REMB the listed SSRCs are left alone (nothing to map one-to-one). False when the packet
// is not a well-formed RTPFB/PSFB.
bool rewrite_media_ssrc(std::span<std::uint8_t> packet, std::uint32_t media_ssrc);
bool rewrite_sender_ssrc(std::span<std::uint8_t> packet, std::uint32_t sender_ssrc);

}  // namespace shoal::rtc::rtcp
