#pragma once
// Keys for MESSAGE-INTEGRITY (RFC 8489 9.1.2 / 9.2.2). Passwords must already be SASLprep'd /
// OpaqueString-prepared by the caller; our own credentials are ASCII so preparation is identity.
#include <array>
#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::rtc::stun {

using LongTermKey = std::array<std::uint8_t, 16>;

// Short-term credentials (ICE): the key is the password bytes themselves; this is a view.
inline std::span<const std::uint8_t> short_term_key(std::string_view password) {
  return {reinterpret_cast<const std::uint8_t*>(password.data()), password.size()};
}

// Long-term credentials (TURN): MD5(username ":" realm ":" password).
LongTermKey long_term_key(std::string_view username, std::string_view realm, std::string_view password);

}  // namespace shoal::rtc::stun
