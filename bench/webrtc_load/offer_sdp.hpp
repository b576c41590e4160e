#pragma once
// SDP offers shaped like Chrome's under membrane-webrtc-js: BUNDLE, rtcp-mux, setup:actpass,
// one VP8(+rtx) m-line per transceiver; the publisher's own track first (sendonly, a=ssrc),
// then one recvonly m-line per track it receives.
#include <cstdint>
#include <optional>
#include <string>

namespace shoal::bench {

struct OfferShape {
  std::string ice_ufrag;
  std::string ice_pwd;
  std::string fingerprint_sha256;
  std::uint64_t session_version = 0;
  // Publisher's own video: mid "0".
  bool publishes = false;
  std::uint32_t ssrc = 0;
  std::uint32_t rtx_ssrc = 0;
  std::string stream_id;
  std::string track_id;
  std::size_t receive_video = 0;  // recvonly m-lines after the sendonly one
};

std::string build_offer(const OfferShape& shape);

// The first a=ice-ufrag / a=ice-pwd of an answer.
struct AnswerIce {
  std::string ufrag;
  std::string pwd;
};
std::optional<AnswerIce> parse_answer_ice(const std::string& sdp);

}  // namespace shoal::bench
