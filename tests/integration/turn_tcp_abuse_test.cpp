// What a client of the shared TCP TURN listener cannot do: hold every handshake slot from one
// address, replay a peer's authenticated request on connections of its own to push the peer's
// live connection out, or make a peer with connections in use drop one for a newcomer.
#include "tcp_turn_client.hpp"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using boost::asio::ip::udp;

class TurnTcpAbuse : public TcpTurnNode {
 protected:
  double refused() const { return refused_total(shoal_->metrics_port(), "turn_tcp_connection"); }
};

// A connection with an allocation, a permission and a channel to the peer's candidate.
struct BoundConnection {
  std::unique_ptr<TcpTurnClient> client;
  TurnSession session;
  Bytes allocate_request;  // the authenticated Allocate as sent
};

std::optional<BoundConnection> bind_connection(std::uint16_t tcp_port, const NegotiatedPeer& peer, std::uint8_t seed) {
  BoundConnection bound;
  bound.client = std::make_unique<TcpTurnClient>(tcp_port);
  auto session = challenge(*bound.client, peer.turn_servers[1]);
  if (!session) return std::nullopt;
  bound.session = *session;
  bound.allocate_request =
      authenticated(stun::StunMethod::Allocate, seed, *session, [](auto& b) { b.add_requested_transport(); });
  if (!succeeds(*bound.client, bound.allocate_request, stun::StunMethod::Allocate, *session)) return std::nullopt;
  return bound;
}

// Binds a channel to the candidate and sends one ICE check over it; true when it is answered.
bool check_answered(BoundConnection& bound, const NegotiatedPeer& peer, std::uint8_t seed) {
  const udp::endpoint candidate(boost::asio::ip::make_address("127.0.0.1"), peer.candidate_port);
  const std::uint16_t channel = 0x4000;
  if (!succeeds(*bound.client,
                authenticated(stun::StunMethod::ChannelBind, seed, bound.session,
                              [&](auto& b) {
                                b.add_channel_number(channel).add_xor_address(stun::StunAttr::XorPeerAddress,
                                                                              candidate);
                              }),
                stun::StunMethod::ChannelBind, bound.session)) {
    return false;
  }
  Bytes check;
  stun::StunMessageBuilder(check, stun::StunMethod::Binding, stun::StunClass::Request, transaction(seed + 1))
      .add_string(stun::StunAttr::Username, peer.ice_ufrag + ":Vq3W")
      .add_u32(stun::StunAttr::Priority, 41885439)
      .add_u64(stun::StunAttr::IceControlling, 0x1234567890ABCDEFull)
      .add_flag(stun::StunAttr::UseCandidate)
      .add_message_integrity(stun::short_term_key(peer.ice_pwd))
      .add_fingerprint();
  Bytes framed;
  if (!stun::ChannelData::build(framed, channel, check, true) || !bound.client->send(framed)) return false;
  auto frame = bound.client->read_frame();
  if (!frame) return false;
  auto channel_data = stun::ChannelData::parse(*frame);
  if (!channel_data) return false;
  auto answer = stun::StunMessage::parse(channel_data->payload());
  return answer && answer->is(stun::StunMethod::Binding, stun::StunClass::SuccessResponse);
}

TEST_F(TurnTcpAbuse, OneAddressCannotHoldEveryHandshakeSlot) {
  std::vector<std::unique_ptr<TcpTurnClient>> idle;
  for (int i = 0; i < 16; ++i) {
    idle.push_back(std::make_unique<TcpTurnClient>(tcp_port_, "127.0.0.1"));
    ASSERT_TRUE(idle.back()->connected());
  }
  std::this_thread::sleep_for(300ms);  // all accepted before the next is judged
  TcpTurnClient over(tcp_port_, "127.0.0.1");
  EXPECT_TRUE(over.closed_by_server(1s)) << "the 17th unauthenticated connection of one address is refused";
  // Another address still gets its challenge.
  auto peer = negotiate(shoal_->port(), room_id_, false);
  TcpTurnClient other(tcp_port_, "127.0.0.2");
  EXPECT_TRUE(challenge(other, peer.turn_servers[1]));
  EXPECT_GE(refused(), 1.0);
}

TEST_F(TurnTcpAbuse, AReplayedRequestIsNotHandedToThePeer) {
  auto peer = negotiate(shoal_->port(), room_id_, true);
  auto live = bind_connection(tcp_port_, peer, 10);
  ASSERT_TRUE(live);
  ASSERT_TRUE(check_answered(*live, peer, 11));

  // Someone who recorded the authenticated Allocate replays it on connections of its own.
  std::vector<std::unique_ptr<TcpTurnClient>> replays;
  for (int i = 0; i < 9; ++i) {
    replays.push_back(std::make_unique<TcpTurnClient>(tcp_port_, "127.0.0.3"));
    ASSERT_TRUE(replays.back()->send(live->allocate_request));
    auto frame = replays.back()->read_frame();
    ASSERT_TRUE(frame);
    auto response = stun::StunMessage::parse(*frame);
    ASSERT_TRUE(response);
    EXPECT_TRUE(response->is(stun::StunMethod::Allocate, stun::StunClass::ErrorResponse));
    EXPECT_EQ(error_code_of(*response), 438) << "a nonce this connection was never given is stale";
  }
  EXPECT_TRUE(check_answered(*live, peer, 20)) << "the live connection is still the peer's";
  EXPECT_GE(refused(), 9.0);
}

TEST_F(TurnTcpAbuse, ConnectionsWithAllocationsAreNotEvictedForANewcomer) {
  auto peer = negotiate(shoal_->port(), room_id_, true);
  std::vector<BoundConnection> bound;
  for (int i = 0; i < 8; ++i) {
    auto connection = bind_connection(tcp_port_, peer, static_cast<std::uint8_t>(30 + 2 * i));
    ASSERT_TRUE(connection) << i;
    bound.push_back(std::move(*connection));
  }
  // The ninth authenticates, but all eight carry allocations: it is refused.
  TcpTurnClient ninth(tcp_port_);
  auto session = challenge(ninth, peer.turn_servers[1]);
  ASSERT_TRUE(session);
  ASSERT_TRUE(ninth.send(authenticated(stun::StunMethod::Allocate, 60, *session,
                                       [](auto& b) { b.add_requested_transport(); })));
  EXPECT_TRUE(ninth.closed_by_server(3s));
  EXPECT_TRUE(check_answered(bound.front(), peer, 70)) << "the oldest connection was kept";
}

}  // namespace
}  // namespace shoal::test
