#pragma once
// Bounded decoding and encoding of jellyfish.PeerMessage frames.
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace shoal::signaling {

struct AuthRequestMessage {
  std::string token;
};
struct MediaEventMessage {
  std::string data;
};
struct AuthenticatedMessage {};

using PeerMessageIn = std::variant<AuthRequestMessage, MediaEventMessage, AuthenticatedMessage>;

inline constexpr std::size_t kMaxPeerMessageBytes = 1 << 20;

// nullopt for undecodable bytes or a message with no content set.
std::optional<PeerMessageIn> decode_peer_message(std::string_view bytes);

std::string encode_authenticated();
std::string encode_media_event(std::string_view json);
std::string encode_auth_request(std::string_view token);

}  // namespace shoal::signaling
