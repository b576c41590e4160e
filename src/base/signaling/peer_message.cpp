#include "signaling/peer_message.hpp"

#include "jellyfish/peer_notifications.pb.h"

namespace shoal::signaling {

std::optional<PeerMessageIn> decode_peer_message(std::string_view bytes) {
  if (bytes.size() > kMaxPeerMessageBytes) return std::nullopt;
  jellyfish::PeerMessage message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return std::nullopt;
  switch (message.content_case()) {
    case jellyfish::PeerMessage::kAuthRequest:
      return AuthRequestMessage{message.auth_request().token()};
    case jellyfish::PeerMessage::kMediaEvent:
      return MediaEventMessage{message.media_event().data()};
    case jellyfish::PeerMessage::kAuthenticated:
      return AuthenticatedMessage{};
    case jellyfish::PeerMessage::CONTENT_NOT_SET:
      break;
  }
  return std::nullopt;
}

std::string encode_authenticated() {
  jellyfish::PeerMessage message;
  message.mutable_authenticated();
  return message.SerializeAsString();
}

std::string encode_media_event(std::string_view json) {
  jellyfish::PeerMessage message;
  message.mutable_media_event()->set_data(std::string(json));
  return message.SerializeAsString();
}

std::string encode_auth_request(std::string_view token) {
  jellyfish::PeerMessage message;
  message.mutable_auth_request()->set_token(std::string(token));
  return message.SerializeAsString();
}

}  // namespace shoal::signaling
