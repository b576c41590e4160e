// Arbitrary client messages into a TurnServer. The first byte chooses whether a valid
// allocation (with a permission and a channel) exists first, so the post-auth paths are reached;
// the rest is a sequence of [2-byte length][message] records, each followed by peer traffic
// and a clock tick.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_credentials.hpp"
#include "rtc/turn/turn_server.hpp"

using namespace shoal::rtc;
using boost::asio::ip::make_address;
using boost::asio::ip::udp;

namespace {

struct Handler : turn::TurnServerHandler {
  std::vector<std::uint8_t> last;
  void send_to_client(const turn::TurnClient&, std::span<const std::uint8_t> bytes) override {
    last.assign(bytes.begin(), bytes.end());
  }
  void send_to_client(const turn::TurnClient&, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload, std::size_t zero_padding) override {
    last.assign(header.begin(), header.end());
    last.insert(last.end(), payload.begin(), payload.end());
    last.insert(last.end(), zero_padding, 0);
  }
  void on_peer_data(const turn::TurnClient&, const udp::endpoint&, std::span<const std::uint8_t> payload) override {
    volatile std::size_t sink = payload.size();
    (void)sink;
  }
};

const udp::endpoint kPeer(make_address("192.0.2.50"), 40000);

void establish(turn::TurnServer& server, Handler& handler, const turn::TurnClient& client,
               shoal::core::Time now) {
  const std::string username = "1:peer";
  const auto key = stun::long_term_key(username, "turn.stun.localhost", turn::turn_password("s3cr3t", username));
  std::vector<std::uint8_t> out;
  stun::TransactionId id{};
  stun::StunMessageBuilder(out, stun::StunMethod::Allocate, stun::StunClass::Request, id).add_requested_transport();
  server.handle_from_client(client, out, now);
  const auto challenge = stun::StunMessage::parse(handler.last);
  if (!challenge || !challenge->nonce()) __builtin_trap();
  const std::string nonce(*challenge->nonce());
  const auto send = [&](stun::StunMethod method, auto&& fill) {
    ++id[0];
    stun::StunMessageBuilder b(out, method, stun::StunClass::Request, id);
    fill(b);
    b.add_string(stun::StunAttr::Username, username)
        .add_string(stun::StunAttr::Realm, "turn.stun.localhost")
        .add_string(stun::StunAttr::Nonce, nonce)
        .add_message_integrity(key)
        .add_fingerprint();
    server.handle_from_client(client, out, now);
  };
  send(stun::StunMethod::Allocate, [](auto& b) { b.add_requested_transport(); });
  send(stun::StunMethod::ChannelBind,
       [](auto& b) { b.add_channel_number(0x4000).add_xor_address(stun::StunAttr::XorPeerAddress, kPeer); });
  if (server.allocation_count() != 1) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  Handler handler;
  turn::TurnServerConfig config;
  config.secret = "s3cr3t";
  config.advertised_ip = make_address("192.0.2.50");
  config.relay_port_min = 55000;
  config.relay_port_max = 55003;
  config.max_allocations = 4;
  turn::TurnServer server(config, handler);
  auto now = shoal::core::Time(std::chrono::hours(100));
  const turn::TurnClient client{udp::endpoint(make_address("198.51.100.1"), 5000), (data[0] & 2) ? 9u : 0u};
  if (data[0] & 1) establish(server, handler, client, now);

  std::span<const std::uint8_t> rest(data + 1, size - 1);
  while (rest.size() >= 3) {
    const std::size_t length = std::min<std::size_t>((rest[0] << 8 | rest[1]) & 0x0FFF, rest.size() - 3);
    const std::uint8_t tick = rest[2];
    const auto message = rest.subspan(3, length);
    const turn::TurnClient from = (tick & 0x80) ? turn::TurnClient{udp::endpoint(make_address("198.51.100.2"), 1), 0}
                                                : client;
    server.handle_from_client(from, message, now);
    server.send_from_peer(client, kPeer, message);
    if (tick & 0x40) server.expire(now);
    if (tick & 0x20) server.remove_client(from);
    now += std::chrono::seconds(tick & 0x1F) * 20;
    rest = rest.subspan(3 + length);
  }
  if (server.allocation_count() > config.max_allocations) __builtin_trap();
  return 0;
}
