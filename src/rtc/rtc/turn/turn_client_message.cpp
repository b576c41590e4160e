#include "rtc/turn/turn_client_message.hpp"

#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/packet_kind.hpp"

namespace shoal::rtc::turn {

TurnClientMessage classify_client_message(std::span<const std::uint8_t> message) {
  using Kind = TurnClientMessage::Kind;
  TurnClientMessage classified;
  if (message.empty()) return classified;
  if (stun::classify_first_byte(message[0]) == stun::PacketKind::Stun) {
    classified.stun = stun::StunMessage::parse(message);
    if (!classified.stun) return classified;
    if (classified.stun->fingerprint_offset() && !stun::verify_fingerprint(*classified.stun)) {
      classified.stun.reset();
      classified.kind = Kind::NotStun;
      return classified;
    }
    classified.kind = Kind::Stun;
    return classified;
  }
  // Channel numbers 0x4000..0x7FFF: the top two bits are 01.
  if ((message[0] & 0xC0) == 0x40) {
    classified.channel_data = stun::ChannelData::parse(message);
    if (classified.channel_data) classified.kind = Kind::ChannelData;
  }
  return classified;
}

}  // namespace shoal::rtc::turn
