#pragma once
// Stateless NONCE values for the long-term credential mechanism: "<8 hex issue time><16 hex MAC>"
// where the MAC (HMAC-SHA1 with a per-server random key, truncated) covers the issue time and
// the client's identity. Nothing is stored per client, so unauthenticated traffic costs no memory.
#include <array>
#include <chrono>
#include <string>
#include <string_view>

#include "core/time.hpp"
#include "rtc/turn/turn_client.hpp"

namespace shoal::rtc::turn {

class TurnNonce {
 public:
  enum class Check { Valid, Stale, Invalid };

  explicit TurnNonce(std::chrono::seconds lifetime);

  std::string issue(const TurnClient& client, core::Time now) const;
  Check check(std::string_view nonce, const TurnClient& client, core::Time now) const;

 private:
  std::array<unsigned char, 8> mac(std::uint32_t issued, const TurnClient& client) const;

  std::array<unsigned char, 20> key_{};
  std::chrono::seconds lifetime_;
};

}  // namespace shoal::rtc::turn
