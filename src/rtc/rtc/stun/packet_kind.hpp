#pragma once
// Demultiplexing of packets sharing one 5-tuple by their first byte (RFC 7983 7).
#include <cstdint>

namespace shoal::rtc::stun {

enum class PacketKind : std::uint8_t { Stun, Zrtp, Dtls, TurnChannel, RtpRtcp, Unknown };

constexpr PacketKind classify_first_byte(std::uint8_t b) {
  if (b <= 3) return PacketKind::Stun;
  if (b >= 16 && b <= 19) return PacketKind::Zrtp;
  if (b >= 20 && b <= 63) return PacketKind::Dtls;
  if (b >= 64 && b <= 79) return PacketKind::TurnChannel;
  if (b >= 128 && b <= 191) return PacketKind::RtpRtcp;
  return PacketKind::Unknown;
}

}  // namespace shoal::rtc::stun
