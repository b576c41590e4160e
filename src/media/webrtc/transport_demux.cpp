#include "webrtc/transport_demux.hpp"

#include "rtc/rtcp/rtcp_header.hpp"
#include "rtc/stun/packet_kind.hpp"

namespace shoal::webrtc {

RelayedPayload demux_relayed_payload(std::span<const std::uint8_t> payload) {
  RelayedPayload demuxed;
  if (payload.empty()) return demuxed;
  switch (rtc::stun::classify_first_byte(payload[0])) {
    case rtc::stun::PacketKind::Stun:
      demuxed.stun = rtc::stun::StunMessage::parse(payload);
      if (demuxed.stun) demuxed.kind = RelayedKind::Stun;
      break;
    case rtc::stun::PacketKind::Dtls:
      demuxed.kind = RelayedKind::Dtls;
      break;
    case rtc::stun::PacketKind::RtpRtcp:
      demuxed.kind = rtc::rtcp::is_rtcp(payload) ? RelayedKind::Rtcp : RelayedKind::Rtp;
      break;
    case rtc::stun::PacketKind::Zrtp:
    case rtc::stun::PacketKind::TurnChannel:
    case rtc::stun::PacketKind::Unknown:
      break;
  }
  return demuxed;
}

}  // namespace shoal::webrtc
