#pragma once
// Parser for the SDP offers browsers send in `sdpOffer` (RFC 8866 text, CRLF or LF lines).
// Input is untrusted: sizes are bounded, malformed known lines reject the whole offer,
// unknown lines and attributes are ignored.
#include "core/result.hpp"
#include "rtc/sdp/session_description.hpp"

#include <cstddef>
#include <string_view>

namespace shoal::rtc::sdp {

inline constexpr std::size_t kMaxSdpBytes = 64 * 1024;
inline constexpr std::size_t kMaxSdpLines = 4096;
inline constexpr std::size_t kMaxSdpLineBytes = 4096;
inline constexpr std::size_t kMaxMediaSections = 64;

enum class ParseError {
  TooLarge,            // text over kMaxSdpBytes
  TooManyLines,        // over kMaxSdpLines
  LineTooLong,         // a line over kMaxSdpLineBytes
  TooManyMedia,        // over kMaxMediaSections m-lines
  MissingVersion,      // first line is not v=0
  MalformedLine,       // not "<letter>=<value>" or contains control characters
  MalformedMedia,      // bad m= line
  MalformedAttribute,  // a known a= attribute with an invalid value
  DuplicateMid,        // two m-lines share an a=mid
};

std::string_view to_string(ParseError error);

core::Result<SessionDescription, ParseError> parse_sdp(std::string_view text);

}  // namespace shoal::rtc::sdp
