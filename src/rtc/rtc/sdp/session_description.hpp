#pragma once
// Typed model of an SDP offer as far as a WebRTC SFU needs it (RFC 8866 + the WebRTC
// attributes browsers emit). Filled by parse_sdp(); unknown attributes are not represented.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::sdp {

enum class MediaKind { Audio, Video, Application, Other };
enum class Direction { SendRecv, SendOnly, RecvOnly, Inactive };

struct Codec {
  int payload_type = -1;
  std::string name;  // as written in a=rtpmap (case preserved: "VP8", "opus", "rtx")
  int clock_rate = 0;
  int channels = 0;  // 0 when the rtpmap has no channel part
  std::string fmtp;  // parameters of a=fmtp, verbatim; empty when absent
  std::vector<std::string> rtcp_fb;  // "nack", "nack pli", "ccm fir", "transport-cc", ...
};

struct Extmap {
  int id = 0;
  std::string uri;
  std::string attributes;  // text after the URI, empty when none
};

struct MediaSection {
  MediaKind kind = MediaKind::Other;
  std::string kind_text;  // the m= media token verbatim ("audio", "video", "application", ...)
  std::uint16_t port = 0;
  std::string protocol;
  std::string formats;              // the m= format list verbatim (needed to echo rejected lines)
  std::vector<int> payload_types;   // m-line order = browser preference (RTP protocols only)
  std::vector<Codec> codecs;        // one per payload type that has an a=rtpmap, in m-line order
  std::string mid;                  // empty when the section has no a=mid
  Direction direction = Direction::SendRecv;
  std::vector<Extmap> extmaps;
  std::string ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint, setup;
  std::vector<std::string> msid;                            // a=msid values
  std::vector<std::uint32_t> ssrcs;                         // distinct a=ssrc ids in order
  std::vector<std::vector<std::uint32_t>> ssrc_groups_fid;  // a=ssrc-group:FID <media> <rtx>
  std::vector<std::string> rids_send;                       // a=rid:<r> send, in offer order
  bool rtcp_mux = false;
};

struct SessionDescription {
  // Session-level values; parse_sdp() has already copied them into every media section
  // that does not set its own (Firefox writes them here, Chrome per m-line).
  std::string ice_ufrag, ice_pwd, fingerprint_algorithm, fingerprint, setup;
  std::vector<std::string> bundle_mids;
  std::vector<MediaSection> media;
};

std::string_view to_string(MediaKind kind);
std::string_view to_string(Direction direction);

// Case-insensitive ASCII comparison; codec names in SDP are case-insensitive (RFC 4855).
bool iequals(std::string_view a, std::string_view b);

const Codec* find_codec(const MediaSection& section, int payload_type);

// The payload type of the rtx codec whose fmtp says apt=<payload_type> (RFC 4588).
std::optional<int> rtx_payload_type_for(const MediaSection& section, int payload_type);

}  // namespace shoal::rtc::sdp
