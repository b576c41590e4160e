#pragma once

#include "rtc/srtp/srtp_ciphers.hpp"
#include "rtc/srtp/srtp_key_derivation.hpp"
#include "rtc/srtp/srtp_profile.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::srtp {

// The per-packet cryptography of SRTP or of SRTCP for one profile and one set of session keys:
// forms the IV from SSRC and index, encrypts, authenticates (RFC 3711 §4, RFC 7714 §8–9). It knows
// nothing of sequence numbers or replays; the session decides the index. Works in place.
class SrtpTransform {
 public:
  static std::optional<SrtpTransform> create(SrtpProfile profile, const SessionKeys& keys);

  // packet[0, header) is authenticated, packet[header, length) encrypted; the tag goes at packet[length]
  // (the caller checked there is room for rtp_trailer_length).
  bool seal_rtp(std::span<std::uint8_t> packet, std::size_t header, std::size_t length, std::uint32_t ssrc,
                std::uint64_t index);
  // `length` excludes the tag, which follows it. Authenticates before it decrypts.
  bool open_rtp(std::span<std::uint8_t> packet, std::size_t header, std::size_t length, std::uint32_t ssrc,
                std::uint64_t index);

  // Encrypts after the first 8 bytes and appends the E flag with `index`, and the tag, in the profile's
  // order. Returns the protected length.
  std::optional<std::size_t> seal_rtcp(std::span<std::uint8_t> packet, std::size_t length, std::uint32_t ssrc,
                                       std::uint32_t index);
  // Where the E|index word of a protected SRTCP packet of `length` bytes sits (length is at least
  // 8 + rtcp_trailer_length).
  std::size_t rtcp_index_offset(std::size_t length) const;
  // Returns the plaintext length.
  std::optional<std::size_t> open_rtcp(std::span<std::uint8_t> packet, std::size_t length, std::uint32_t ssrc);

 private:
  SrtpTransform(SrtpProfile profile, const SessionKeys& keys) : profile_(profile), salt_(keys.salt) {}

  std::array<std::uint8_t, kCounterBlockLength> counter_iv(std::uint32_t ssrc, std::uint64_t index) const;
  AesGcm::Iv gcm_iv(std::uint32_t ssrc, std::uint64_t low48) const;
  // AES-CM profile: the truncated HMAC-SHA1 of `authenticated` then `suffix`, written to the
  // start of `out`, or compared with the start of `tag` in constant time.
  bool write_tag(std::span<const std::uint8_t> authenticated, std::span<const std::uint8_t> suffix,
                 std::span<std::uint8_t> out);
  bool tag_matches(std::span<const std::uint8_t> authenticated, std::span<const std::uint8_t> suffix,
                   std::span<const std::uint8_t> tag);

  SrtpProfile profile_;
  std::array<std::uint8_t, kMaxSaltLength> salt_;
  std::optional<AesCounterMode> counter_mode_;  // AES-CM profile
  std::optional<HmacSha1> hmac_;                // AES-CM profile
  std::optional<AesGcm> gcm_;                   // GCM profile
};

}  // namespace shoal::rtc::srtp
