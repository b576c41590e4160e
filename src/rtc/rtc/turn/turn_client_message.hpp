#pragma once
// What one datagram (UDP) or stream frame (TCP) from a TURN client is: a STUN message or a
// ChannelData frame, told apart by the first byte (RFC 8656 12, RFC 7983) and parsed, before the
// server touches any state. Apart from TurnServer so the transport's demultiplexing can be
// fuzzed on its own.
#include <cstdint>
#include <optional>
#include <span>

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/stun_message.hpp"

namespace shoal::rtc::turn {

struct TurnClientMessage {
  enum class Kind : std::uint8_t {
    Stun,         // `stun` is set
    ChannelData,  // `channel_data` is set
    NotStun,      // STUN framing, but a FINGERPRINT that does not match (RFC 8489 7.3)
    Malformed,    // empty, neither kind, or does not parse as its kind
  };
  Kind kind = Kind::Malformed;
  std::optional<stun::StunMessage> stun;          // a view into the classified bytes
  std::optional<stun::ChannelData> channel_data;  // a view into the classified bytes
};

TurnClientMessage classify_client_message(std::span<const std::uint8_t> message);

}  // namespace shoal::rtc::turn
