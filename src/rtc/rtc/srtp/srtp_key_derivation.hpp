#pragma once

#include "rtc/srtp/srtp_ciphers.hpp"
#include "rtc/srtp/srtp_profile.hpp"

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::srtp {

inline constexpr std::size_t kMaxSaltLength = 14;

// The session keys of one of SRTP or SRTCP in one direction.
struct SessionKeys {
  AesKey cipher_key{};
  std::array<std::uint8_t, kSha1Length> auth_key{};  // AES-CM + HMAC-SHA1 profiles only
  std::array<std::uint8_t, kMaxSaltLength> salt{};   // 14 bytes for AES-CM, the first 12 for GCM
};

// Derives the session keys from the master key and salt (RFC 3711 §4.3 with a key derivation rate of
// zero, as DTLS-SRTP uses; RFC 7714 §11 for GCM's 96-bit salt, padded with zeros).
struct DerivedKeys {
  SessionKeys rtp;
  SessionKeys rtcp;
};
std::optional<DerivedKeys> derive_session_keys(SrtpProfile profile, std::span<const std::uint8_t> key_salt);

}  // namespace shoal::rtc::srtp
