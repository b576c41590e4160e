// The first bytes of a new TCP TURN connection, handled as TcpTurnConnection handles them on the
// listener's loop: the stream is cut into frames by the TURN framer, each frame is judged by
// decide_handshake_frame against the connection's own TurnServer, and each frame that does not
// authenticate goes to that TurnServer, whose 401 answers carry the nonce a client signs with.
//
// Input: byte 0 sets how many bytes each read returns (1..256), byte 1 is flags, the rest is the
// stream. With flag 1 the fuzzer is a client that holds the credentials: once the server gave it
// a nonce, it re-signs every STUN request frame it reads (same method, transaction and
// attributes; the frame's USERNAME, or one naming the registered peer; the listener's realm and
// the latest nonce, unless flags 4 and 8 keep the frame's own), so the authenticated path runs
// with fuzzer-chosen requests and peer ids. Nonces come from a fresh random key per connection, so a frame that arrives already
// signed (the corpus holds some, signed with this secret) can only ever be refused.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rtc/stun/packet_kind.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_credentials.hpp"
#include "rtc/turn/turn_server.hpp"
#include "rtc/turn/turn_stream_framer.hpp"
#include "webrtc/tcp_turn_connection.hpp"
#include "webrtc/tcp_turn_handshake.hpp"

using namespace shoal;
using boost::asio::ip::make_address;
using boost::asio::ip::udp;

namespace {

constexpr std::string_view kSecret = "0f1e2d3c4b5a69788796";
constexpr std::string_view kDefaultUsername = "1733400000:peer-1";

enum Flags : std::uint8_t {
  kSign = 1,
  kKeepOwnRealm = 4,
  kKeepOwnNonce = 8,
  kAddFingerprint = 16,
};

struct Connection : rtc::turn::TurnServerHandler {
  std::string nonce;  // the latest NONCE the server handed this client
  void send_to_client(const rtc::turn::TurnClient&, std::span<const std::uint8_t> bytes) override {
    const auto answer = rtc::stun::StunMessage::parse(bytes);
    if (answer && answer->nonce()) nonce.assign(*answer->nonce());
  }
  void send_to_client(const rtc::turn::TurnClient&, std::span<const std::uint8_t>, std::span<const std::uint8_t>,
                      std::size_t) override {}
  void on_peer_data(const rtc::turn::TurnClient&, const udp::endpoint&, std::span<const std::uint8_t>) override {}
};

bool carries_credentials(std::uint16_t type) {
  switch (static_cast<rtc::stun::StunAttr>(type)) {
    case rtc::stun::StunAttr::Username:
    case rtc::stun::StunAttr::Realm:
    case rtc::stun::StunAttr::Nonce:
    case rtc::stun::StunAttr::MessageIntegrity:
    case rtc::stun::StunAttr::MessageIntegritySha256:
    case rtc::stun::StunAttr::Userhash:
    case rtc::stun::StunAttr::Fingerprint:
      return true;
    default:
      return false;
  }
}

// What a client holding the credentials would have sent instead of `request`; false if it is no
// request or the signed message would not fit.
bool sign_as_client(const rtc::stun::StunMessage& request, std::uint8_t flags,
                    const rtc::turn::TurnServerConfig& config, const std::string& server_nonce,
                    std::vector<std::uint8_t>& out) {
  if (request.message_class() != rtc::stun::StunClass::Request) return false;
  rtc::stun::StunMessageBuilder builder(out, static_cast<rtc::stun::StunMethod>(request.method()),
                                        rtc::stun::StunClass::Request, request.transaction_id());
  request.for_each_attribute([&](const rtc::stun::StunAttributeView& attribute) {
    if (!carries_credentials(attribute.type)) {
      builder.add(static_cast<rtc::stun::StunAttr>(attribute.type), attribute.value);
    }
    return true;
  });
  const std::string username(request.username().value_or(kDefaultUsername));
  const auto own_realm = request.realm();
  const std::string realm((flags & kKeepOwnRealm) && own_realm ? *own_realm : config.realm);
  const auto own_nonce = request.nonce();
  const std::string nonce((flags & kKeepOwnNonce) && own_nonce ? std::string(*own_nonce) : server_nonce);
  builder.add_string(rtc::stun::StunAttr::Username, username).add_string(rtc::stun::StunAttr::Realm, realm);
  if (!nonce.empty()) builder.add_string(rtc::stun::StunAttr::Nonce, nonce);
  builder.add_message_integrity(
      rtc::stun::long_term_key(username, realm, rtc::turn::turn_password(config.secret, username)));
  if (flags & kAddFingerprint) builder.add_fingerprint();
  return builder.ok();
}

// A signed request with the listener's realm, a ':' in its USERNAME and the nonce the server
// issued must get through: anything else would lock real clients out. Methods so large that the
// first byte leaves STUN's range (RFC 7983) are not STUN to any demultiplexer, so not to us.
bool must_authenticate(const rtc::stun::StunMessage& message, const rtc::turn::TurnServerConfig& config,
                       const std::string& server_nonce) {
  const auto username = message.username();
  return rtc::stun::classify_first_byte(message.bytes()[0]) == rtc::stun::PacketKind::Stun && !server_nonce.empty() &&
         username && username->find(':') != std::string_view::npos && message.realm() == config.realm &&
         message.nonce() == server_nonce;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t read_size = std::size_t{data[0]} + 1;
  const std::uint8_t flags = data[1];
  std::span<const std::uint8_t> stream(data + 2, size - 2);

  rtc::turn::TurnServerConfig config;  // as TcpTurnListener::start sets it up
  config.secret = std::string(kSecret);
  config.advertised_ip = make_address("192.0.2.10");
  config.relay_port_min = 55000;
  config.relay_port_max = 55999;
  config.max_allocations = 1;
  Connection connection;
  rtc::turn::TurnServer turn(config, connection);
  const rtc::turn::TurnClient client{udp::endpoint(make_address("198.51.100.7"), 51000), 1};
  const auto now = shoal::core::Time(std::chrono::hours(100));

  rtc::turn::TurnStreamFramer framer;
  std::size_t frames = 0;
  bool handshake_over = false;
  std::vector<std::uint8_t> signed_frame;
  const auto on_frame = [&](std::span<const std::uint8_t> frame) {
    if (handshake_over) return;  // later frames of the same read travel with the connection
    if (++frames > webrtc::TcpTurnConnection::kMaxHandshakeFrames) {
      handshake_over = true;
      return;
    }
    bool signed_here = false;
    // Like a browser, the client signs only once a 401 told it a nonce (or it reuses one).
    if ((flags & kSign) && (!connection.nonce.empty() || (flags & kKeepOwnNonce))) {
      const auto request = rtc::stun::StunMessage::parse(frame);
      if (request && sign_as_client(*request, flags, turn.config(), connection.nonce, signed_frame)) {
        frame = signed_frame;
        signed_here = true;
      }
    }
    const auto decision = webrtc::decide_handshake_frame(frame, turn, client, now);
    if (decision.verdict == webrtc::HandshakeVerdict::Authenticated) {
      // Only a nonce issued to this connection opens it, and the fuzzer learns nonces only
      // from the server: an authenticated frame is one it signed in this run.
      if (!signed_here) __builtin_trap();
      const auto message = rtc::stun::StunMessage::parse(frame);
      const auto username = message ? message->username() : std::nullopt;
      if (!username || decision.peer_id != username->substr(username->find(':') + 1)) __builtin_trap();
      // Handed to the peer it names, or closed when no such peer is registered: either way the
      // handshake is over.
      handshake_over = true;
      return;
    }
    if (signed_here) {
      const auto message = rtc::stun::StunMessage::parse(frame);
      if (!message || must_authenticate(*message, turn.config(), connection.nonce)) __builtin_trap();
    }
    if (!decision.peer_id.empty()) __builtin_trap();
    turn.handle_from_client(client, frame, now);
  };
  while (!stream.empty() && !handshake_over) {
    const auto piece = stream.first(std::min(read_size, stream.size()));
    if (framer.feed(piece, on_frame) != rtc::turn::FramingError::None) break;  // the connection closes
    stream = stream.subspan(piece.size());
  }
  if (turn.allocation_count() > config.max_allocations) __builtin_trap();
  return 0;
}
