#pragma once

#include "rtc/srtp/srtp_profile.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>

struct srtp_ctx_t_;

namespace shoal::rtc::srtp {

// One direction of an SRTP/SRTCP association (RFC 3711, RFC 7714) keyed from DTLS-SRTP. Covers every SSRC
// of the 5-tuple (BUNDLE), so a peer needs exactly two: Inbound with the remote key, Outbound with the local key.
// All operations work in place on the caller's buffer and never allocate; not thread-safe (one per peer loop).
class SrtpSession {
 public:
  enum class Direction { Inbound, Outbound };

  // key_salt is master key || master salt, master_key_salt_length(profile) bytes. nullopt if the length is
  // wrong or libsrtp refuses the policy.
  static std::optional<SrtpSession> create(Direction direction, SrtpProfile profile,
                                           std::span<const std::uint8_t> key_salt);

  SrtpSession(SrtpSession&&) noexcept = default;
  SrtpSession& operator=(SrtpSession&&) noexcept = default;
  ~SrtpSession() = default;

  // `buffer` holds `length` bytes of plaintext and must have room for the trailer
  // (length + rtp_trailer_length / rtcp_trailer_length, or kMaxTrailerLength for any profile).
  // Returns the protected length, or nullopt (malformed packet, no room, wrong direction).
  std::optional<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

  // Returns the plaintext length, or nullopt if the packet is malformed, fails authentication or is a replay.
  std::optional<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

  Direction direction() const { return direction_; }
  SrtpProfile profile() const { return profile_; }

 private:
  struct ContextDeleter {
    void operator()(srtp_ctx_t_* context) const;
  };

  SrtpSession(Direction direction, SrtpProfile profile, srtp_ctx_t_* context)
      : direction_(direction), profile_(profile), context_(context) {}

  Direction direction_;
  SrtpProfile profile_;
  std::unique_ptr<srtp_ctx_t_, ContextDeleter> context_;
};

}  // namespace shoal::rtc::srtp
