#pragma once
// What an RTSP client needs from the SDP a DESCRIBE returns (RFC 2326 C.1, RFC 6184 §8.1): the
// first video stream, its payload type, encoding and clock, its a=control URI and the H264
// parameter sets of sprop-parameter-sets. The SDP comes from the source and is untrusted.
#include "core/result.hpp"

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::rtc::rtsp {

struct VideoStream {
  std::uint8_t payload_type = 0;
  std::string encoding;  // as the rtpmap names it, e.g. "H264"
  std::uint32_t clock_rate = 90000;
  std::string control;   // a=control of the video media ("" when absent)
  std::string content_base;  // session-level a=control, when absolute
  std::vector<std::vector<std::uint8_t>> parameter_sets;  // decoded sprop-parameter-sets, in order
};

enum class SdpError {
  NoVideo,            // no m=video line with a payload type
  BadPayloadType,
  NoRtpmap,           // a dynamic payload type without a=rtpmap
  BadParameterSets,   // sprop-parameter-sets that are not base64
};
std::string_view to_string(SdpError error);

core::Result<VideoStream, SdpError> parse_video_stream(std::string_view sdp);

// Standard base64 (RFC 4648 §4), padding optional; nullopt on any other character.
bool decode_base64(std::string_view text, std::vector<std::uint8_t>& out);

}  // namespace shoal::rtc::rtsp
