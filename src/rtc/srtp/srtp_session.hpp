#pragma once

#include "rtc/srtp/srtp_profile.hpp"

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

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

  // Inbound: libsrtp keeps a stream (keys, replay window) per SSRC it authenticated, so a peer
  // sending from ever new SSRCs would grow memory without bound. At most kMaxInboundStreams are
  // kept; when full, a new SSRC takes the place of one idle for kIdleStreamMs, or is refused.
  static constexpr std::size_t kMaxInboundStreams = 64;
  static constexpr std::int64_t kIdleStreamMs = 5000;
  // Drops the stream of an SSRC that went away (its track was unpublished).
  void forget_ssrc(std::uint32_t ssrc);
  std::size_t inbound_streams() const { return known_.size(); }
  std::uint64_t refused_ssrc_packets() const { return refused_ssrc_packets_; }

  Direction direction() const { return direction_; }
  SrtpProfile profile() const { return profile_; }

 private:
  struct ContextDeleter {
    void operator()(srtp_ctx_t_* context) const;
  };

  SrtpSession(Direction direction, SrtpProfile profile, srtp_ctx_t_* context)
      : direction_(direction), profile_(profile), context_(context) {
    if (direction == Direction::Inbound) known_.reserve(kMaxInboundStreams);
  }

  struct KnownSsrc {
    std::uint32_t ssrc;
    std::int64_t last_ms;
  };
  // Whether a packet of `ssrc` may reach libsrtp; `fresh` when it would create a stream.
  bool admit(std::uint32_t ssrc, std::int64_t now_ms, bool& fresh);
  void remember(std::uint32_t ssrc, std::int64_t now_ms);

  Direction direction_;
  SrtpProfile profile_;
  std::unique_ptr<srtp_ctx_t_, ContextDeleter> context_;
  std::vector<KnownSsrc> known_;  // inbound: the SSRCs libsrtp has a stream for
  std::uint64_t refused_ssrc_packets_ = 0;
};

}  // namespace shoal::rtc::srtp
