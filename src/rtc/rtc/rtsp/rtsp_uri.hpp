#pragma once
// The source address of an RTSP component (RFC 2326 §3.2): rtsp://[user:password@]host[:port]/path.
// Requests name the URI without its credentials; host and port are where the TCP connection
// goes; the credentials (percent-decoded) answer the source's authentication challenge.
#include "core/result.hpp"
#include "rtc/rtsp/rtsp_auth.hpp"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::rtc::rtsp {

struct RtspUri {
  std::string uri;   // as given without user information: the Request-URI of DESCRIBE, safe to log
  std::string host;  // without brackets for an IPv6 literal
  std::uint16_t port = 554;
  std::optional<Credentials> credentials;  // from user[:password]@
};

enum class UriError {
  NotRtsp,         // another scheme, or no scheme
  TlsUnsupported,  // rtsps://: this client speaks RTSP over plain TCP only
  Malformed,       // empty host, bad port, control characters (also percent-encoded ones in the
                   // credentials), a bad percent escape
};

core::Result<RtspUri, UriError> parse_rtsp_uri(std::string_view text);
std::string_view to_string(UriError error);

// A media's a=control value resolved against the base URI (RFC 2326 C.1.1): "*" or empty is
// the base itself, an absolute rtsp:// URI stands alone, anything else is appended below the base.
std::string resolve_control(std::string_view base, std::string_view control);

}  // namespace shoal::rtc::rtsp
