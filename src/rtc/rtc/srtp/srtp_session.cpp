#include "rtc/srtp/srtp_session.hpp"

#include <openssl/crypto.h>

#include <algorithm>
#include <chrono>

namespace shoal::rtc::srtp {
namespace {

constexpr std::size_t kRtpHeaderLength = 12;
constexpr std::size_t kRtcpHeaderLength = 8;
constexpr std::uint32_t kMaxSrtcpIndex = 0x7FFF'FFFFU;

// The length of the RTP header with its CSRCs and extension, or nullopt if the packet cannot hold them.
std::optional<std::size_t> rtp_header_length(std::span<const std::uint8_t> packet) {
  if (packet.size() < kRtpHeaderLength || (packet[0] >> 6) != 2) return std::nullopt;
  std::size_t header = kRtpHeaderLength + 4 * static_cast<std::size_t>(packet[0] & 0x0F);
  if (packet[0] & 0x10) {
    if (packet.size() < header + 4) return std::nullopt;
    std::size_t words = (static_cast<std::size_t>(packet[header + 2]) << 8) | packet[header + 3];
    header += 4 + 4 * words;
  }
  if (header > packet.size()) return std::nullopt;
  return header;
}

bool rtcp_header_fits(std::span<const std::uint8_t> packet) {
  return packet.size() >= kRtcpHeaderLength && (packet[0] >> 6) == 2;
}

std::uint32_t read_u32(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint32_t>(bytes[at]) << 24 | static_cast<std::uint32_t>(bytes[at + 1]) << 16 |
         static_cast<std::uint32_t>(bytes[at + 2]) << 8 | bytes[at + 3];
}

std::uint16_t read_u16(std::span<const std::uint8_t> bytes, std::size_t at) {
  return static_cast<std::uint16_t>(bytes[at] << 8 | bytes[at + 1]);
}

std::optional<std::uint64_t> highest_of(const ReplayWindow<SrtpSession::kRtpReplayWindow>& window) {
  if (!window.started()) return std::nullopt;
  return window.highest();
}

}  // namespace

std::optional<SrtpSession> SrtpSession::create(Direction direction, SrtpProfile profile,
                                               std::span<const std::uint8_t> key_salt) {
  std::optional<DerivedKeys> keys = derive_session_keys(profile, key_salt);
  if (!keys) return std::nullopt;
  std::optional<SrtpTransform> rtp = SrtpTransform::create(profile, keys->rtp);
  std::optional<SrtpTransform> rtcp = SrtpTransform::create(profile, keys->rtcp);
  OPENSSL_cleanse(&*keys, sizeof(DerivedKeys));
  if (!rtp || !rtcp) return std::nullopt;
  return SrtpSession(direction, profile, std::move(*rtp), std::move(*rtcp));
}

std::optional<std::size_t> SrtpSession::protect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Outbound || length > buffer.size()) return std::nullopt;
  if (buffer.size() - length < rtp_trailer_length(profile_)) return std::nullopt;
  std::optional<std::size_t> header = rtp_header_length(buffer.first(length));
  if (!header) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 8);
  Stream& stream = streams_[ssrc];
  std::optional<std::uint64_t> index = estimate_rtp_index(highest_of(stream.rtp), read_u16(buffer, 2));
  // A packet further behind than the window cannot be told from a reuse of its keystream.
  if (!index || stream.rtp.too_old(*index)) return std::nullopt;
  if (!rtp_.seal_rtp(buffer, *header, length, ssrc, *index)) return std::nullopt;
  stream.rtp.mark(*index);
  return length + rtp_trailer_length(profile_);
}

std::optional<std::size_t> SrtpSession::protect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Outbound || length > buffer.size()) return std::nullopt;
  if (buffer.size() - length < rtcp_trailer_length(profile_)) return std::nullopt;
  if (!rtcp_header_fits(buffer.first(length))) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 4);
  Stream& stream = streams_[ssrc];
  // RFC 3711 §9.2: the 31-bit index must not wrap under one key.
  if (stream.rtcp_sent >= kMaxSrtcpIndex) return std::nullopt;
  std::optional<std::size_t> sealed = rtcp_.seal_rtcp(buffer, length, ssrc, stream.rtcp_sent + 1);
  if (sealed) ++stream.rtcp_sent;
  return sealed;
}

std::optional<std::size_t> SrtpSession::unprotect_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Inbound || length > buffer.size()) return std::nullopt;
  const std::size_t trailer = rtp_trailer_length(profile_);
  if (length < kRtpHeaderLength + trailer) return std::nullopt;
  const std::size_t body = length - trailer;
  std::optional<std::size_t> header = rtp_header_length(buffer.first(body));
  if (!header) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 8);
  const core::Time now = core::now();

  std::optional<Stream> candidate;
  Stream* checked = inbound_stream(ssrc, now, candidate);
  if (!checked) return std::nullopt;
  std::optional<std::uint64_t> index = estimate_rtp_index(highest_of(checked->rtp), read_u16(buffer, 2));
  if (!index || !checked->rtp.fresh(*index)) return std::nullopt;
  if (!rtp_.open_rtp(buffer, *header, body, ssrc, *index)) return std::nullopt;
  keep(ssrc, checked, candidate, now).rtp.mark(*index);
  return body;
}

std::optional<std::size_t> SrtpSession::unprotect_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  if (direction_ != Direction::Inbound || length > buffer.size()) return std::nullopt;
  if (length < kRtcpHeaderLength + rtcp_trailer_length(profile_)) return std::nullopt;
  if (!rtcp_header_fits(buffer.first(length))) return std::nullopt;
  const std::uint32_t ssrc = read_u32(buffer, 4);
  const core::Time now = core::now();

  std::optional<Stream> candidate;
  Stream* checked = inbound_stream(ssrc, now, candidate);
  if (!checked) return std::nullopt;
  const std::uint32_t index = read_u32(buffer, rtcp_.rtcp_index_offset(length)) & kMaxSrtcpIndex;
  if (!checked->rtcp.fresh(index)) return std::nullopt;
  std::optional<std::size_t> plain = rtcp_.open_rtcp(buffer, length, ssrc);
  if (!plain) return std::nullopt;
  keep(ssrc, checked, candidate, now).rtcp.mark(index);
  return plain;
}

SrtpSession::Stream* SrtpSession::inbound_stream(std::uint32_t ssrc, core::Time now,
                                                std::optional<Stream>& candidate) {
  if (auto known = streams_.find(ssrc); known != streams_.end()) return &known->second;
  if (streams_.size() >= kMaxInboundStreams && now - idlest_stream()->second.last_used < kIdleStream) {
    ++refused_ssrc_packets_;
    return nullptr;
  }
  return &candidate.emplace();
}

SrtpSession::Stream& SrtpSession::keep(std::uint32_t ssrc, Stream* checked, std::optional<Stream>& candidate,
                                       core::Time now) {
  Stream* stream = checked;
  if (candidate && checked == &*candidate) {
    // Only an authenticated packet creates a stream, and only then may it take an idle one's place.
    if (streams_.size() >= kMaxInboundStreams) streams_.erase(idlest_stream());
    stream = &streams_.emplace(ssrc, *candidate).first->second;
  }
  stream->last_used = now;
  return *stream;
}

std::unordered_map<std::uint32_t, SrtpSession::Stream>::iterator SrtpSession::idlest_stream() {
  return std::min_element(streams_.begin(), streams_.end(),
                          [](const auto& a, const auto& b) { return a.second.last_used < b.second.last_used; });
}

void SrtpSession::forget_ssrc(std::uint32_t ssrc) { streams_.erase(ssrc); }

}  // namespace shoal::rtc::srtp
