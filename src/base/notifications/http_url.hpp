#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::notifications {

struct HttpUrl {
  std::string host;
  std::uint16_t port = 80;
  std::string target = "/";  // path and query
  bool tls = false;          // https: certificate checked against the system trust store
};

// http[s]://host[:port][/path[?query]]; nullopt for anything else (userinfo is refused so
// no credentials end up in logs).
std::optional<HttpUrl> parse_http_url(std::string_view url);

}  // namespace shoal::notifications
