#include "rtc/srtp/srtp_session.hpp"

#include "rtc/srtp/srtp_library.hpp"

#include <srtp2/srtp.h>

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <climits>

namespace shoal::rtc::srtp {
namespace {

constexpr std::size_t kRtpHeaderLength = 12;
constexpr std::size_t kRtcpHeaderLength = 8;
// Big enough for late and reordered video over a lossy path; libsrtp's default of 128 drops too much.
constexpr unsigned long kReplayWindow = 1024;

// libsrtp checks headers too, but a second bounded check keeps hostile lengths away from its pointer math.
bool rtp_header_fits(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpHeaderLength || (packet[0] >> 6) != 2) return false;
  std::size_t header = kRtpHeaderLength + 4 * static_cast<std::size_t>(packet[0] & 0x0F);
  if (packet[0] & 0x10) {
    if (packet.size() < header + 4) return false;
    std::size_t words = (static_cast<std::size_t>(packet[header + 2]) << 8) | packet[header + 3];
    header += 4 + 4 * words;
  }
  return header <= packet.size();
}

bool rtcp_header_fits(std::span<const std::uint8_t> packet) {
  return packet.size() >= kRtcpHeaderLength && (packet[0] >> 6) == 2;
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint32_t>(bytes[at]) << 24 | static_cast<std::uint32_t>(bytes[at + 1]) << 16 |
         static_cast<std::uint32_t>(bytes[at + 2]) << 8 | bytes[at + 3];
}

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool set_crypto_policy(SrtpProfile profile, srtp_policy_t& policy) {
  switch (profile) {
    case SrtpProfile::Aes128CmSha1_80:
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtp);
      srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(&policy.rtcp);
      return true;
    case SrtpProfile::AeadAes128Gcm:
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtp);
      srtp_crypto_policy_set_aes_gcm_128_16_auth(&policy.rtcp);
      return true;
  }
  return false;
}

}  // namespace

void SrtpSession::ContextDeleter::operator()(srtp_ctx_t_* context) const { srtp_dealloc(context); }

std::optional<SrtpSession> SrtpSession::create(Direction direction, SrtpProfile profile,
                                               std::span<const std::uint8_t> key_salt) {
  if (key_salt.size() != master_key_salt_length(profile) || !ensure_srtp_initialized()) return std::nullopt;

  srtp_policy_t policy{};
  if (!set_crypto_policy(profile, policy)) return std::nullopt;
  // libsrtp wants a mutable pointer; it only reads the key during srtp_create (which copies what it needs).
  std::array<unsigned char, SRTP_MAX_KEY_LEN> key{};
  std::copy(key_salt.begin(), key_salt.end(), key.begin());
  policy.key = key.data();
  policy.ssrc.type = direction == Direction::Inbound ? ssrc_any_inbound : ssrc_any_outbound;
  policy.window_size = kReplayWindow;
  // NACK-driven retransmissions re-protect an already sent sequence number.
  policy.allow_repeat_tx = direction == Direction::Outbound ? 1 : 0;

  srtp_t context = nullptr;
  srtp_err_status_t status = srtp_create(&context, &policy);
  std::fill(key.begin(), key.end(), 0);
  if (status != srtp_err_status_ok) {
    if (context) srtp_dealloc(context);
    return std::nullopt;
  }
  return SrtpSession(direction, profile, context);
}

std::optional<std::size_t> SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Outbound || length > buffer.size() || length > INT_MAX / 2) return std::nullopt;
  if (buffer.size() - length < rtp_trailer_length(profile_)) return std::nullopt;
  if (!rtp_header_fits(buffer.first(length))) return std::nullopt;
  int len = static_cast<int>(length);
  if (srtp_protect(context_.get(), buffer.data(), &len) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(len);
}

std::optional<std::size_t> SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Outbound || length > buffer.size() || length > INT_MAX / 2) return std::nullopt;
  if (buffer.size() - length < rtcp_trailer_length(profile_)) return std::nullopt;
  if (!rtcp_header_fits(buffer.first(length))) return std::nullopt;
  int len = static_cast<int>(length);
  if (srtp_protect_rtcp(context_.get(), buffer.data(), &len) != srtp_err_status_ok) return std::nullopt;
  return static_cast<std::size_t>(len);
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Inbound || length > buffer.size() || length > INT_MAX / 2) return std::nullopt;
  if (length < kRtpHeaderLength + rtp_trailer_length(profile_)) return std::nullopt;
  if (!rtp_header_fits(buffer.first(length - rtp_trailer_length(profile_)))) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 8);
  const std::int64_t now = now_ms();
  bool fresh = false;
  if (!admit(ssrc, now, fresh)) return std::nullopt;
  int len = static_cast<int>(length);
  if (srtp_unprotect(context_.get(), buffer.data(), &len) != srtp_err_status_ok) return std::nullopt;
  if (fresh) remember(ssrc, now);
  return static_cast<std::size_t>(len);
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Inbound || length > buffer.size() || length > INT_MAX / 2) return std::nullopt;
  if (length < kRtcpHeaderLength + rtcp_trailer_length(profile_)) return std::nullopt;
  if (!rtcp_header_fits(buffer.first(length))) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 4);
  const std::int64_t now = now_ms();
  bool fresh = false;
  if (!admit(ssrc, now, fresh)) return std::nullopt;
  int len = static_cast<int>(length);
  if (srtp_unprotect_rtcp(context_.get(), buffer.data(), &len) != srtp_err_status_ok) return std::nullopt;
  if (fresh) remember(ssrc, now);
  return static_cast<std::size_t>(len);
}

bool SrtpSession::admit(std::uint32_t ssrc, std::int64_t now, bool& fresh) {
  auto known = std::find_if(known_.begin(), known_.end(), [&](const KnownSsrc& k) { return k.ssrc == ssrc; });
  if (known != known_.end()) {
    known->last_ms = now;
    return true;
  }
  if (known_.size() < kMaxInboundStreams) {
    fresh = true;
    return true;
  }
  auto idle = std::min_element(known_.begin(), known_.end(),
                               [](const KnownSsrc& a, const KnownSsrc& b) { return a.last_ms < b.last_ms; });
  if (now - idle->last_ms < kIdleStreamMs) {
    ++refused_ssrc_packets_;
    return false;
  }
  forget_ssrc(idle->ssrc);
  fresh = true;
  return true;
}

void SrtpSession::remember(std::uint32_t ssrc, std::int64_t now) { known_.push_back({ssrc, now}); }

void SrtpSession::forget_ssrc(std::uint32_t ssrc) {
  auto known = std::find_if(known_.begin(), known_.end(), [&](const KnownSsrc& k) { return k.ssrc == ssrc; });
  if (known == known_.end()) return;
  srtp_remove_stream(context_.get(), htonl(ssrc));
  known_.erase(known);
}

}  // namespace shoal::rtc::srtp
