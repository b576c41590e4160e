#include "webrtc/tcp_turn_handshake.hpp"

#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/turn/turn_credentials.hpp"

namespace shoal::webrtc {

HandshakeDecision decide_handshake_frame(std::span<const std::uint8_t> frame, const rtc::turn::TurnServer& turn,
                                         const rtc::turn::TurnClient& client,
                                         core::Time now) {
  if (frame.empty() || rtc::stun::classify_first_byte(frame[0]) != rtc::stun::PacketKind::Stun) return {};
  const auto message = rtc::stun::StunMessage::parse(frame);
  if (!message || message->message_class() != rtc::stun::StunClass::Request) return {};
  const auto username = message->username();
  const auto realm = message->realm();
  const auto& config = turn.config();
  if (!username || !realm || *realm != config.realm || !message->message_integrity_offset()) return {};
  const auto colon = username->find(':');
  if (colon == std::string_view::npos) return {};
  // Wrong credentials are not ours to judge here: the TurnServer answers them with 401.
  const auto key = rtc::stun::long_term_key(*username, *realm, rtc::turn::turn_password(config.secret, *username));
  if (!rtc::stun::verify_message_integrity(*message, key)) return {};
  // A request recorded on another connection and replayed here would otherwise be handed to the
  // peer (and could push out its live connection); the TurnServer answers it with 438 and a
  // fresh nonce instead.
  const auto nonce = message->nonce();
  if (!nonce || !turn.nonce_valid(client, *nonce, now)) return {HandshakeVerdict::RefusedNonce, {}};
  return {HandshakeVerdict::Authenticated, username->substr(colon + 1)};
}

}  // namespace shoal::webrtc
