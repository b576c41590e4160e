#pragma once
// Wire constants shared by the STUN parser and builder (RFC 8489, TURN RFC 8656, ICE RFC 8445).
#include <array>
#include <cstdint>

namespace shoal::rtc::stun {

inline constexpr std::uint32_t kMagicCookie = 0x2112A442;
inline constexpr std::size_t kHeaderSize = 20;
inline constexpr std::size_t kAttributeHeaderSize = 4;

using TransactionId = std::array<std::uint8_t, 12>;

enum class StunClass : std::uint8_t { Request = 0, Indication = 1, SuccessResponse = 2, ErrorResponse = 3 };

enum class StunMethod : std::uint16_t {
  Binding = 0x001,
  Allocate = 0x003,
  Refresh = 0x004,
  Send = 0x006,
  Data = 0x007,
  CreatePermission = 0x008,
  ChannelBind = 0x009,
};

enum class StunAttr : std::uint16_t {
  MappedAddress = 0x0001,
  Username = 0x0006,
  MessageIntegrity = 0x0008,
  ErrorCode = 0x0009,
  UnknownAttributes = 0x000A,
  ChannelNumber = 0x000C,
  Lifetime = 0x000D,
  XorPeerAddress = 0x0012,
  Data = 0x0013,
  Realm = 0x0014,
  Nonce = 0x0015,
  XorRelayedAddress = 0x0016,
  RequestedAddressFamily = 0x0017,
  EvenPort = 0x0018,
  RequestedTransport = 0x0019,
  DontFragment = 0x001A,
  MessageIntegritySha256 = 0x001C,
  PasswordAlgorithm = 0x001D,
  Userhash = 0x001E,
  XorMappedAddress = 0x0020,
  ReservationToken = 0x0022,
  Priority = 0x0024,
  UseCandidate = 0x0025,
  PasswordAlgorithms = 0x8002,
  AlternateDomain = 0x8003,
  Software = 0x8022,
  AlternateServer = 0x8023,
  Fingerprint = 0x8028,
  IceControlled = 0x8029,
  IceControlling = 0x802A,
};

// The 14-bit method and 2-bit class are interleaved in the 16-bit type field (RFC 8489 5).
constexpr std::uint16_t compose_message_type(StunMethod method, StunClass cls) {
  const auto m = static_cast<std::uint16_t>(method);
  const auto c = static_cast<std::uint16_t>(cls);
  return static_cast<std::uint16_t>((m & 0x000F) | ((m & 0x0070) << 1) | ((m & 0x0F80) << 2) |
                                    ((c & 0x1) << 4) | ((c & 0x2) << 7));
}

constexpr std::uint16_t method_of(std::uint16_t type) {
  return static_cast<std::uint16_t>((type & 0x000F) | ((type & 0x00E0) >> 1) | ((type & 0x3E00) >> 2));
}

constexpr StunClass class_of(std::uint16_t type) {
  return static_cast<StunClass>(((type >> 4) & 0x1) | ((type >> 7) & 0x2));
}

// Attributes below 0x8000 must be understood or the request rejected with 420.
constexpr bool is_comprehension_required(std::uint16_t type) { return type < 0x8000; }

}  // namespace shoal::rtc::stun
