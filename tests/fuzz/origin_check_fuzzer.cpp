// WebSocket origin checks (JF_CHECK_ORIGIN) on hostile Origin and Host headers, under every
// policy, including allow-lists with wildcards taken from the input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "api/origin_check.hpp"

using namespace shoal;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Origin | Host | allowed origin, split at the first two newlines.
  const auto first = text.find('\n');
  const auto second = first == std::string_view::npos ? std::string_view::npos : text.find('\n', first + 1);
  const std::string_view origin = text.substr(0, first);
  const std::string_view host = first == std::string_view::npos ? "" : text.substr(first + 1, second - first - 1);
  const std::string_view listed = second == std::string_view::npos ? "//*.example.com" : text.substr(second + 1);
  config::CheckOrigin policy;
  for (auto kind : {config::CheckOriginPolicy::AllowAll, config::CheckOriginPolicy::MatchHost,
                    config::CheckOriginPolicy::MatchRequest, config::CheckOriginPolicy::AllowList}) {
    policy.policy = kind;
    policy.allowed = {std::string(listed), "//a.com:888", "https://b.org"};
    (void)api::origin_allowed(policy, "room.example.com", origin, host);
  }
  return 0;
}
