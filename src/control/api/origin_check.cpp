#include "api/origin_check.hpp"

#include <optional>
#include <string>

namespace shoal::api {

namespace {

struct OriginParts {
  std::string scheme;  // may be empty ("//host" allow-list entries)
  std::string host;
  std::string port;    // may be empty
};

std::optional<OriginParts> split_origin(std::string_view origin) {
  OriginParts parts;
  auto scheme_end = origin.find("//");
  if (scheme_end == std::string_view::npos) return std::nullopt;
  auto scheme = origin.substr(0, scheme_end);
  if (!scheme.empty() && scheme.back() == ':') scheme.remove_suffix(1);
  parts.scheme = std::string(scheme);
  auto authority = origin.substr(scheme_end + 2);
  authority = authority.substr(0, authority.find('/'));
  if (!authority.empty() && authority.front() == '[') {  // IPv6 literal
    auto close = authority.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    parts.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size() && authority[close + 1] == ':') {
      parts.port = std::string(authority.substr(close + 2));
    }
  } else {
    auto colon = authority.rfind(':');
    parts.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) parts.port = std::string(authority.substr(colon + 1));
  }
  if (parts.host.empty()) return std::nullopt;
  return parts;
}

std::string default_port(const std::string& scheme) {
  if (scheme == "https" || scheme == "wss") return "443";
  if (scheme == "http" || scheme == "ws") return "80";
  return "";
}

bool host_matches(const std::string& allowed, const std::string& actual) {
  if (allowed.rfind("*.", 0) == 0) {
    auto suffix = allowed.substr(1);  // ".example.com"
    return actual.size() > suffix.size() && actual.compare(actual.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return allowed == actual;
}

}  // namespace

bool origin_allowed(const config::CheckOrigin& policy, std::string_view url_host,
                    std::string_view origin_header, std::string_view host_header) {
  if (policy.policy == config::CheckOriginPolicy::AllowAll || origin_header.empty()) return true;
  auto origin = split_origin(origin_header);
  if (!origin) return false;

  switch (policy.policy) {
    case config::CheckOriginPolicy::AllowAll:
      return true;
    case config::CheckOriginPolicy::MatchHost:
      return origin->host == url_host;
    case config::CheckOriginPolicy::MatchRequest: {
      auto request = split_origin("//" + std::string(host_header));
      if (!request) return false;
      auto origin_port = origin->port.empty() ? default_port(origin->scheme) : origin->port;
      auto request_port = request->port.empty() ? "80" : request->port;
      return origin->scheme == "http" && origin->host == request->host && origin_port == request_port;
    }
    case config::CheckOriginPolicy::AllowList:
      for (const auto& entry : policy.allowed) {
        auto allowed = split_origin(entry);
        if (!allowed) continue;
        if (!allowed->scheme.empty() && allowed->scheme != origin->scheme) continue;
        if (!host_matches(allowed->host, origin->host)) continue;
        if (!allowed->port.empty()) {
          auto origin_port = origin->port.empty() ? default_port(origin->scheme) : origin->port;
          if (allowed->port != origin_port) continue;
        }
        return true;
      }
      return false;
  }
  return false;
}

}  // namespace shoal::api
