#pragma once
// MESSAGE-INTEGRITY (HMAC-SHA1) and FINGERPRINT (CRC-32) computation and checks, RFC 8489 14.5/14.7.
#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include "rtc/stun/stun_message.hpp"

namespace shoal::rtc::stun {

inline constexpr std::uint32_t kFingerprintXor = 0x5354554E;
using IntegrityTag = std::array<std::uint8_t, 20>;

// True only when the message carries MESSAGE-INTEGRITY and the HMAC over everything before it
// (header length adjusted to end right after MESSAGE-INTEGRITY) matches, compared in constant time.
bool verify_message_integrity(const StunMessage& message, std::span<const std::uint8_t> key);

// True only when FINGERPRINT is present (last) and matches.
bool verify_fingerprint(const StunMessage& message);

// HMAC-SHA1 over `header` (the 20 header bytes, length already adjusted) followed by `body`.
// nullopt only if OpenSSL fails.
std::optional<IntegrityTag> compute_integrity(std::span<const std::uint8_t> header, std::span<const std::uint8_t> body,
                                              std::span<const std::uint8_t> key);

// CRC-32 (ISO HDLC, as zlib) of `bytes`, not yet xored with kFingerprintXor.
std::uint32_t crc32(std::span<const std::uint8_t> bytes);

}  // namespace shoal::rtc::stun
