#pragma once

#include "core/time.hpp"
#include "rtc/srtp/srtp_packet_index.hpp"
#include "rtc/srtp/srtp_profile.hpp"
#include "rtc/srtp/srtp_transform.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <unordered_map>

namespace shoal::rtc::srtp {

// One direction of an SRTP/SRTCP association (RFC 3711, RFC 7714) keyed from DTLS-SRTP, over OpenSSL's
// ciphers. Covers every SSRC of the 5-tuple (BUNDLE), so a peer needs exactly two: Inbound with the remote
// key, Outbound with the local key. Keeps per SSRC the rollover counter, the replay windows and the SRTCP
// index. All operations work in place on the caller's buffer and allocate only for an SSRC never seen
// before; not thread-safe (one per peer loop).
class SrtpSession {
 public:
  enum class Direction { Inbound, Outbound };

  // key_salt is master key || master salt, master_key_salt_length(profile) bytes. nullopt if the length is
  // wrong or a cipher cannot be set up.
  static std::optional<SrtpSession> create(Direction direction, SrtpProfile profile,
                                           std::span<const std::uint8_t> key_salt);

  // `buffer` holds `length` bytes of plaintext and must have room for the trailer
  // (length + rtp_trailer_length / rtcp_trailer_length, or kMaxTrailerLength for any profile).
  // Returns the protected length, or nullopt (malformed packet, no room, wrong direction). Resending
  // an already protected sequence number (a retransmission) is allowed.
  std::optional<std::size_t> protect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

  // Returns the plaintext length, or nullopt if the packet is malformed, fails authentication or is a replay.
  std::optional<std::size_t> unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  std::optional<std::size_t> unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

  // Inbound: a stream's state is kept per SSRC that authenticated, so a peer sending from ever new
  // SSRCs would grow memory without bound. At most kMaxInboundStreams are kept; when full, a new SSRC
  // takes the place of one idle for kIdleStream, or is refused.
  static constexpr std::size_t kMaxInboundStreams = 64;
  static constexpr std::chrono::milliseconds kIdleStream{5000};
  // Late and reordered video over a lossy path needs a wide window; 128 (libsrtp's default) drops too much.
  static constexpr std::size_t kRtpReplayWindow = 1024;
  static constexpr std::size_t kRtcpReplayWindow = 128;
  // Drops the stream of an SSRC that went away (its track was unpublished).
  void forget_ssrc(std::uint32_t ssrc);
  std::size_t inbound_streams() const { return direction_ == Direction::Inbound ? streams_.size() : 0; }
  std::uint64_t refused_ssrc_packets() const { return refused_ssrc_packets_; }

  Direction direction() const { return direction_; }
  SrtpProfile profile() const { return profile_; }

 private:
  SrtpSession(Direction direction, SrtpProfile profile, SrtpTransform rtp, SrtpTransform rtcp)
      : direction_(direction), profile_(profile), rtp_(std::move(rtp)), rtcp_(std::move(rtcp)) {
    if (direction == Direction::Inbound) streams_.reserve(kMaxInboundStreams);
  }

  struct Stream {
    core::Time last_used;
    ReplayWindow<kRtpReplayWindow> rtp;    // outbound: only the highest index sent
    ReplayWindow<kRtcpReplayWindow> rtcp;  // inbound
    std::uint32_t rtcp_sent = 0;           // outbound: the last SRTCP index used
  };

  // Inbound: the stream a packet of `ssrc` is checked against, the known one or a new one made in
  // `candidate`; nullptr (counted) when the table is full and no stream has been idle long enough.
  Stream* inbound_stream(std::uint32_t ssrc, core::Time now, std::optional<Stream>& candidate);
  // After the packet authenticated: the stream to advance, the candidate now kept in the table.
  Stream& keep(std::uint32_t ssrc, Stream* checked, std::optional<Stream>& candidate, core::Time now);
  std::unordered_map<std::uint32_t, Stream>::iterator idlest_stream();

  Direction direction_;
  SrtpProfile profile_;
  SrtpTransform rtp_;
  SrtpTransform rtcp_;
  std::unordered_map<std::uint32_t, Stream> streams_;
  std::uint64_t refused_ssrc_packets_ = 0;
};

}  // namespace shoal::rtc::srtp
