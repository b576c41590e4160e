#include "rtc/sdp/header_extension.hpp"

namespace shoal::rtc::sdp {

bool is_allowed_extension(std::string_view uri, bool codec_is_opus) {
  if (uri == kExtAudioLevel) return codec_is_opus;
  return uri == kExtMid || uri == kExtRid || uri == kExtRepairedRid || uri == kExtTwcc;
}

std::string_view answer_extension_attributes(std::string_view uri) {
  // The original asks the publisher for voice-activity flags so it can tell speakers apart.
  return uri == kExtAudioLevel ? std::string_view{"vad=on"} : std::string_view{};
}

}  // namespace shoal::rtc::sdp
