#include "notifications/http_url.hpp"

#include <charconv>

namespace shoal::notifications {

std::optional<HttpUrl> parse_http_url(std::string_view url) {
  constexpr std::string_view kHttp = "http://";
  constexpr std::string_view kHttps = "https://";
  if (url.size() > 2048) return std::nullopt;
  HttpUrl out;
  std::string_view rest;
  if (url.substr(0, kHttp.size()) == kHttp) {
    rest = url.substr(kHttp.size());
  } else if (url.substr(0, kHttps.size()) == kHttps) {
    rest = url.substr(kHttps.size());
    out.tls = true;
    out.port = 443;
  } else {
    return std::nullopt;
  }
  auto slash = rest.find_first_of("/?");
  auto authority = rest.substr(0, slash);
  if (slash != std::string_view::npos) {
    out.target = std::string(rest.substr(slash));
    if (out.target.front() == '?') out.target.insert(out.target.begin(), '/');
  }
  if (authority.find('@') != std::string_view::npos) return std::nullopt;
  std::string_view host = authority;
  if (!authority.empty() && authority.front() == '[') {  // [IPv6]:port
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    host = authority.substr(1, close - 1);
    auto after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return std::nullopt;
      authority = after;
    } else {
      authority = {};
    }
  } else if (auto colon = authority.rfind(':'); colon != std::string_view::npos) {
    host = authority.substr(0, colon);
    authority = authority.substr(colon);
  } else {
    authority = {};
  }
  if (!authority.empty()) {  // ":port"
    auto digits = authority.substr(1);
    unsigned value = 0;
    auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (ec != std::errc() || end != digits.data() + digits.size() || value == 0 || value > 65535) {
      return std::nullopt;
    }
    out.port = static_cast<std::uint16_t>(value);
  }
  if (host.empty() || host.find_first_of(" \t\r\n/") != std::string_view::npos) return std::nullopt;
  if (out.target.find_first_of(" \t\r\n") != std::string::npos) return std::nullopt;
  out.host = std::string(host);
  return out;
}

}  // namespace shoal::notifications
