#pragma once
// Peer tokens in the format of Phoenix.Token as used by Jellyfish v0.2.1, so tokens are
// interchangeable with an Elixir node sharing JF_SECRET_KEY_BASE:
//   "SFMyNTY." + b64url(term_to_binary({%{peer_id: P, room_id: R}, signed_at_ms, 86400}))
//   + "." + b64url(HMAC-SHA256(key, "SFMyNTY." + b64url(payload)))
// with key = PBKDF2-HMAC-SHA256(secret, salt = secret, 1000 iterations, 32 bytes).
#include "core/result.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace shoal::auth {

struct PeerIdentity {
  std::string room_id;
  std::string peer_id;
  bool operator==(const PeerIdentity&) const = default;
};

enum class TokenError { Invalid, Missing, Expired };

// The close reason the peer socket sends for each error ("invalid token", ...).
std::string_view close_reason(TokenError error);

class PeerTokenSigner {
 public:
  static constexpr std::int64_t kMaxAgeSeconds = 86400;

  // Derives the signing key once; signing and verifying are then cheap.
  explicit PeerTokenSigner(std::string_view secret_key_base);

  // Times are wall-clock: the token carries Unix milliseconds that another node checks.
  std::string sign(const PeerIdentity& identity, std::chrono::system_clock::time_point now) const;

  // Constant-time signature check; Missing only for an absent token (nullopt-like: empty view
  // with `present == false`), Expired when signed_at + max_age < now.
  core::Result<PeerIdentity, TokenError> verify(std::string_view token, std::chrono::system_clock::time_point now) const;

 private:
  std::array<unsigned char, 32> key_{};
};

}  // namespace shoal::auth
