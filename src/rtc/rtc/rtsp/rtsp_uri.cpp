#include "rtc/rtsp/rtsp_uri.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shoal::rtc::rtsp {

namespace {

bool starts_with_nocase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
         });
}

// RFC 3986 §2.1; false on a bad escape or a control character (the result goes into headers).
bool percent_decode(std::string_view text, std::string& out) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  out.clear();
  for (std::size_t at = 0; at < text.size(); ++at) {
    char c = text[at];
    if (c == '%') {
      if (at + 2 >= text.size()) return false;
      const int high = hex(text[at + 1]);
      const int low = hex(text[at + 2]);
      if (high < 0 || low < 0) return false;
      c = static_cast<char>(high * 16 + low);
      at += 2;
    }
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
    out += c;
  }
  return true;
}

}  // namespace

core::Result<RtspUri, UriError> parse_rtsp_uri(std::string_view text) {
  if (starts_with_nocase(text, "rtsps://")) return UriError::TlsUnsupported;
  if (!starts_with_nocase(text, "rtsp://")) return UriError::NotRtsp;
  // The URI goes verbatim into request lines: anything that could end or split one is refused.
  if (std::any_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) <= 0x20 || c == 0x7f; })) {
    return UriError::Malformed;
  }
  std::string_view rest = text.substr(7);
  std::string_view authority = rest.substr(0, rest.find_first_of("/?#"));
  RtspUri out;
  out.uri = std::string(text);
  if (auto at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    const auto colon = userinfo.find(':');
    Credentials credentials;
    if (!percent_decode(userinfo.substr(0, colon), credentials.user)) return UriError::Malformed;
    if (colon != std::string_view::npos && !percent_decode(userinfo.substr(colon + 1), credentials.password)) {
      return UriError::Malformed;
    }
    out.credentials = std::move(credentials);
    out.uri = std::string(text.substr(0, 7)) + std::string(rest.substr(at + 1));
    authority = authority.substr(at + 1);
  }
  std::string_view port_text;
  if (authority.starts_with('[')) {
    const auto close = authority.find(']');
    if (close == std::string_view::npos) return UriError::Malformed;
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return UriError::Malformed;
      port_text = after.substr(1);
    }
  } else {
    const auto colon = authority.find(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return UriError::Malformed;
  if (!port_text.empty()) {
    unsigned port = 0;
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc{} || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return UriError::Malformed;
    }
    out.port = static_cast<std::uint16_t>(port);
  }
  return out;
}

std::string_view to_string(UriError error) {
  switch (error) {
    case UriError::NotRtsp:
      return "not an rtsp:// URI";
    case UriError::TlsUnsupported:
      return "rtsps:// (RTSP over TLS) is not supported";
    case UriError::Malformed:
      return "malformed URI";
  }
  return "invalid URI";
}

std::string resolve_control(std::string_view base, std::string_view control) {
  if (control.empty() || control == "*") return std::string(base);
  if (starts_with_nocase(control, "rtsp://")) return std::string(control);
  std::string out(base);
  if (!out.ends_with('/')) out += '/';
  out += control.starts_with('/') ? control.substr(1) : control;
  return out;
}

}  // namespace shoal::rtc::rtsp
