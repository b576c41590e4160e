#pragma once
// What a payload relayed to a peer's candidate is, by its first byte (RFC 7983) and, for media,
// its second (RFC 5761), together with the parse the transport itself does before handing it on:
// STUN is parsed here for the ICE agent; DTLS goes whole to the DTLS transport, which checks its
// records; RTP and RTCP go to SRTP, which checks their headers. Apart from PeerTransport so the
// demultiplexing can be fuzzed without sockets.
#include "rtc/stun/stun_message.hpp"

#include <cstdint>
#include <optional>
#include <span>

namespace shoal::webrtc {

enum class RelayedKind : std::uint8_t {
  Stun,     // `stun` is set
  Dtls,
  Rtp,
  Rtcp,
  Dropped,  // empty, ZRTP, ChannelData inside a relay, unassigned first bytes, or STUN that does not parse
};

struct RelayedPayload {
  RelayedKind kind = RelayedKind::Dropped;
  std::optional<rtc::stun::StunMessage> stun;  // a view into the payload
};

RelayedPayload demux_relayed_payload(std::span<const std::uint8_t> payload);

}  // namespace shoal::webrtc
