// Binary frames on the peer socket: protobuf PeerMessage, then the token or the media event.
#include "auth/peer_token.hpp"
#include "signaling/media_event.hpp"
#include "signaling/peer_message.hpp"

#include <chrono>
#include <cstddef>
#include <cstdint>

namespace {
// A fixed wall-clock instant, so a run is reproducible.
constexpr std::chrono::system_clock::time_point kNow{std::chrono::milliseconds{1700000000000}};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const shoal::auth::PeerTokenSigner signer("fuzz-secret");
  auto message = shoal::signaling::decode_peer_message(
      std::string_view(reinterpret_cast<const char*>(data), size));
  if (!message) return 0;
  if (auto* auth = std::get_if<shoal::signaling::AuthRequestMessage>(&*message)) {
    signer.verify(auth->token, kNow);
  } else if (auto* event = std::get_if<shoal::signaling::MediaEventMessage>(&*message)) {
    shoal::signaling::parse_client_event(event->data);
  }
  // Tokens are also fuzzed directly, as raw text.
  signer.verify(std::string_view(reinterpret_cast<const char*>(data), size), kNow);
  return 0;
}
