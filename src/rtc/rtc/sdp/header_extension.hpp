#pragma once
// RTP header extensions the Jellyfish v0.2.1 endpoint enables (Mid, Rid, RepairedRid, TWCC,
// VAD); every other extension is left out of the answer.
#include <string_view>

namespace shoal::rtc::sdp {

inline constexpr std::string_view kExtMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
inline constexpr std::string_view kExtRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
inline constexpr std::string_view kExtRepairedRid =
    "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
inline constexpr std::string_view kExtTwcc =
    "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
inline constexpr std::string_view kExtAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

// Whether an offered extension may be kept on an m-line whose chosen codec is (not) opus.
// Audio level is only meaningful for opus, which is what the original's VAD extension checks.
bool is_allowed_extension(std::string_view uri, bool codec_is_opus);

// The attribute text the answer carries for a kept extension (" vad=on" for audio level).
std::string_view answer_extension_attributes(std::string_view uri);

}  // namespace shoal::rtc::sdp
