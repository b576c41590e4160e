#pragma once
// Ephemeral TURN credentials as Jellyfish v0.2.1 issues them (TURN REST API style):
// username "<unix seconds at issue>:<peer id>", password base64(HMAC-SHA1(secret, username)).
// The timestamp is never checked, matching the original (its intended +24 h expiry was lost).
#include <chrono>
#include <string>
#include <string_view>

namespace shoal::rtc::turn {

struct TurnCredentials {
  std::string username;
  std::string password;
};

std::string turn_password(std::string_view secret, std::string_view username);

TurnCredentials issue_turn_credentials(std::string_view secret, std::string_view peer_id,
                                       std::chrono::system_clock::time_point now);

// 20 lowercase hex characters from the OpenSSL CSPRNG; empty only if the CSPRNG fails.
std::string random_turn_secret();

}  // namespace shoal::rtc::turn
