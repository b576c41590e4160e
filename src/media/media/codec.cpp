#include "media/codec.hpp"

#include "rtc/rtp/h264_keyframe.hpp"
#include "rtc/rtp/vp8_payload_descriptor.hpp"
#include "rtc/sdp/session_description.hpp"

namespace shoal::media {

Codec codec_from_name(std::string_view encoding_name) {
  if (rtc::sdp::iequals(encoding_name, "opus")) return Codec::Opus;
  if (rtc::sdp::iequals(encoding_name, "VP8")) return Codec::Vp8;
  if (rtc::sdp::iequals(encoding_name, "H264")) return Codec::H264;
  return Codec::Other;
}

bool starts_keyframe(Codec codec, std::span<const std::uint8_t> payload) {
  switch (codec) {
    case Codec::Vp8:
      return rtc::rtp::is_vp8_keyframe(payload);
    case Codec::H264:
      return rtc::rtp::is_h264_keyframe(payload);
    case Codec::Opus:
    case Codec::Other:
      break;
  }
  return true;
}

}  // namespace shoal::media
