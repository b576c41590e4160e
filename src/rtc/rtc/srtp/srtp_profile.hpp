#pragma once

#include <cstddef>

namespace shoal::rtc::srtp {

// DTLS-SRTP protection profiles (RFC 5764 / RFC 7714) this server negotiates. Lives in the srtp package so
// that dtls (which negotiates it) and srtp (which applies it) share one definition without a cycle.
enum class SrtpProfile { Aes128CmSha1_80, AeadAes128Gcm };

constexpr std::size_t master_key_length(SrtpProfile) { return 16; }

constexpr std::size_t master_salt_length(SrtpProfile profile) {
  return profile == SrtpProfile::AeadAes128Gcm ? 12 : 14;
}

constexpr std::size_t master_key_salt_length(SrtpProfile profile) {
  return master_key_length(profile) + master_salt_length(profile);
}

// Bytes protect_rtp appends (auth tag, no MKI).
constexpr std::size_t rtp_trailer_length(SrtpProfile profile) {
  return profile == SrtpProfile::AeadAes128Gcm ? 16 : 10;
}

// SRTCP also appends the 4-byte E-flag/index word.
constexpr std::size_t rtcp_trailer_length(SrtpProfile profile) { return rtp_trailer_length(profile) + 4; }

// A buffer with this much room past the plaintext fits the trailer of any profile.
inline constexpr std::size_t kMaxTrailerLength = 16 + 4;

}  // namespace shoal::rtc::srtp
