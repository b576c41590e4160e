#pragma once
// What the room layer decides before an offer is answered: server credentials, the room's
// codec policy and which browser m-line carries which track.
#include "rtc/sdp/session_description.hpp"

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace shoal::rtc::sdp {

enum class VideoCodecFilter { Any, Vp8, H264 };  // room videoCodec null / "vp8" / "h264"

// A sendonly m-line of the browser that publishes a track (key: mid, from midToTrackId).
struct InboundTrackPlan {
  std::string track_id;
};

// A recvonly m-line of the browser that will carry another peer's track (key: mid).
struct OutboundTrackPlan {
  std::string track_id;
  MediaKind kind = MediaKind::Audio;
  std::string codec_name;                   // "VP8", "H264", "opus" (case-insensitive match)
  std::vector<std::string> extension_uris;  // extensions the publisher's track carries
  std::string stream_id;
  std::uint32_t ssrc = 0;                   // server-chosen SSRC for the forwarded stream
};

struct AnswerPlan {
  std::string ice_ufrag, ice_pwd;  // server's, fresh on every renegotiation (ICE restart)
  std::string fingerprint_sha256;  // "AB:CD:..." uppercase, of the server's DTLS certificate
  VideoCodecFilter video_filter = VideoCodecFilter::Any;
  bool simulcast_allowed = true;
  std::map<std::string, InboundTrackPlan> inbound;    // by mid
  std::map<std::string, OutboundTrackPlan> outbound;  // by mid
  // o= line values; browsers do not check them, but bumping the version per answer is polite.
  std::uint64_t session_id = 1;
  std::uint64_t session_version = 0;
};

}  // namespace shoal::rtc::sdp
