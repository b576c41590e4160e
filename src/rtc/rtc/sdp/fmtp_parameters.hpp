#pragma once
// Reading single parameters out of an a=fmtp value ("key=value;key=value", RFC 8866 §6.15
// leaves the format to each codec, but every codec WebRTC negotiates uses this shape).
#include <optional>
#include <string_view>

namespace shoal::rtc::sdp {

// Value of `key` (case-insensitive, surrounding spaces ignored); nullopt when absent.
// A key without '=' yields an empty value.
std::optional<std::string_view> fmtp_parameter(std::string_view fmtp, std::string_view key);

// Same, parsed as a non-negative decimal integer; nullopt when absent or not a number.
std::optional<int> fmtp_parameter_int(std::string_view fmtp, std::string_view key);

}  // namespace shoal::rtc::sdp
