#pragma once
// The outcome for one m-line of an answer: what the forwarding layer needs to receive or
// send that stream.
#include "rtc/sdp/session_description.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace shoal::rtc::sdp {

// Why an m-line was answered inactive or rejected, so the caller can log it. The original
// server crashes the peer in several of these cases; shoal answers gracefully instead.
enum class InactiveReason {
  None,                 // active
  Rejected,             // port 0: data channel, unknown media, no mid, or the browser set port 0
  OfferedInactive,      // the browser offered it inactive (e.g. a removed track)
  NoTrack,              // no track in the plan for this mid
  KindMismatch,         // outbound plan's kind differs from the m-line's
  NoCodec,              // nothing the room's codec filter / the publisher's codec allows
  SimulcastNotAllowed,  // simulcast offered while the room/peer disables it
  UnsupportedRid,       // a rid other than l/m/h
};

std::string_view to_string(InactiveReason reason);

struct NegotiatedMedia {
  std::string mid;
  MediaKind kind = MediaKind::Other;
  // RecvOnly: server receives the browser's track; SendOnly: server sends a remote track.
  Direction answer_direction = Direction::Inactive;
  bool rejected = false;  // answered with port 0 (not part of the BUNDLE group)
  InactiveReason inactive_reason = InactiveReason::None;
  std::optional<std::string> track_id;  // set whenever the plan had a track for the mid
  int payload_type = -1;
  std::optional<int> rtx_payload_type;
  std::string codec_name;
  int clock_rate = 0;
  int channels = 0;
  std::string fmtp;
  std::vector<Extmap> extensions;  // kept ones, with the browser's ids
  // Inbound: the browser's media SSRCs (empty for simulcast, which is identified by rid)
  // and its RTX SSRC from a=ssrc-group:FID. Outbound: the plan's server SSRC.
  std::vector<std::uint32_t> ssrcs;
  std::optional<std::uint32_t> rtx_ssrc;
  std::vector<std::string> rids;     // inbound simulcast rids accepted, offer order
  std::vector<std::string> rtcp_fb;  // kept feedback: nack, nack pli, ccm fir, transport-cc
};

}  // namespace shoal::rtc::sdp
