// The shared TCP TURN listener (JF_WEBRTC_TURN_TCP_PORT) against the real shoal binary: the
// second offerData entry, a whole TURN-over-TCP dialogue up to an ICE connectivity check that the
// peer's ICE-lite agent answers through the TCP connection, and what happens to connections that
// are garbage, never authenticate or carry credentials of a peer that is gone.
// Spec: webrtc-and-components.md 1.2.
#include "tcp_turn_client.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <thread>

namespace shoal::test {
namespace {

using boost::asio::ip::udp;

using TurnTcp = TcpTurnNode;

TEST_F(TurnTcp, OfferDataListsTheTcpServerAfterTheUdpOne) {
  auto peer = negotiate(shoal_->port(), room_id_, false);
  ASSERT_EQ(peer.turn_servers.size(), 2u) << peer.turn_servers.dump();
  const auto& udp_entry = peer.turn_servers[0];
  const auto& tcp_entry = peer.turn_servers[1];
  EXPECT_EQ(udp_entry["transport"], "udp");
  EXPECT_EQ(tcp_entry["transport"], "tcp");
  EXPECT_EQ(tcp_entry["serverAddr"], "127.0.0.1");
  EXPECT_EQ(tcp_entry["serverPort"], tcp_port_);
  const std::string username = tcp_entry["username"];
  EXPECT_EQ(username.substr(username.find(':') + 1), peer.id);
  // Own secret: the same username under another key gives another password.
  EXPECT_NE(tcp_entry["password"], udp_entry["password"]);

  // A second peer of another room shares the listener.
  auto other_room = create_room(shoal_->port());
  auto other = negotiate(shoal_->port(), other_room, false);
  ASSERT_EQ(other.turn_servers.size(), 2u);
  EXPECT_EQ(other.turn_servers[1]["serverPort"], tcp_port_);
}

TEST_F(TurnTcp, ConnectivityCheckThroughTcpIsAnsweredByThePeersIceAgentAndCounted) {
  auto peer = negotiate(shoal_->port(), room_id_, true);
  ASSERT_EQ(peer.turn_servers.size(), 2u);
  ASSERT_FALSE(peer.ice_pwd.empty());
  ASSERT_NE(peer.candidate_port, 0);

  TcpTurnClient client(tcp_port_);
  ASSERT_TRUE(client.connected());
  auto session = challenge(client, peer.turn_servers[1]);
  ASSERT_TRUE(session) << "no 401 challenge";

  Bytes allocated;
  ASSERT_TRUE(succeeds(client,
                       authenticated(stun::StunMethod::Allocate, 2, *session,
                                     [](auto& b) { b.add_requested_transport(); }),
                       stun::StunMethod::Allocate, *session, &allocated));
  auto relayed = stun::StunMessage::parse(allocated)->xor_relayed_address();
  ASSERT_TRUE(relayed);
  EXPECT_EQ(relayed->address().to_string(), "127.0.0.1");

  const udp::endpoint candidate(boost::asio::ip::make_address("127.0.0.1"), peer.candidate_port);
  ASSERT_TRUE(succeeds(client,
                       authenticated(stun::StunMethod::CreatePermission, 3, *session,
                                     [&](auto& b) { b.add_xor_address(stun::StunAttr::XorPeerAddress, candidate); }),
                       stun::StunMethod::CreatePermission, *session));
  constexpr std::uint16_t kChannel = 0x4000;
  ASSERT_TRUE(succeeds(client,
                       authenticated(stun::StunMethod::ChannelBind, 4, *session,
                                     [&](auto& b) {
                                       b.add_channel_number(kChannel).add_xor_address(stun::StunAttr::XorPeerAddress,
                                                                                      candidate);
                                     }),
                       stun::StunMethod::ChannelBind, *session));

  // The browser's check, relayed over the channel to the server's candidate.
  Bytes check;
  stun::StunMessageBuilder(check, stun::StunMethod::Binding, stun::StunClass::Request, transaction(5))
      .add_string(stun::StunAttr::Username, peer.ice_ufrag + ":Vq3W")
      .add_u32(stun::StunAttr::Priority, 41885439)
      .add_u64(stun::StunAttr::IceControlling, 0x1234567890ABCDEFull)
      .add_flag(stun::StunAttr::UseCandidate)
      .add_message_integrity(stun::short_term_key(peer.ice_pwd))
      .add_fingerprint();
  Bytes framed;
  ASSERT_TRUE(stun::ChannelData::build(framed, kChannel, check, true));
  ASSERT_TRUE(client.send(framed));

  auto frame = client.read_frame();
  ASSERT_TRUE(frame) << "no answer to the connectivity check";
  auto channel_data = stun::ChannelData::parse(*frame);
  ASSERT_TRUE(channel_data) << "answer not on the channel";
  EXPECT_EQ(channel_data->channel(), kChannel);
  auto binding = stun::StunMessage::parse(channel_data->payload());
  ASSERT_TRUE(binding);
  EXPECT_TRUE(binding->is(stun::StunMethod::Binding, stun::StunClass::SuccessResponse));
  EXPECT_EQ(binding->transaction_id(), transaction(5));
  EXPECT_TRUE(stun::verify_message_integrity(*binding, stun::short_term_key(peer.ice_pwd)));
  EXPECT_TRUE(stun::verify_fingerprint(*binding));
  EXPECT_EQ(binding->xor_mapped_address(), relayed);

  // The frames on the TCP connection count as the peer's traffic, as datagrams do over UDP
  // (nothing else went over UDP here). The counters move every 10 s, as in the original.
  auto counter = [](const std::string& text, const std::string& name) -> double {
    const auto at = text.find("\n" + name + " ");
    return at == std::string::npos ? 0 : std::atof(text.c_str() + at + name.size() + 2);
  };
  std::string metrics;
  for (int i = 0; i < 100; ++i) {
    metrics = http_request(shoal_->metrics_port(), "GET", "/metrics").body;
    if (counter(metrics, "jellyfish_traffic_ingress_total_bytes") > 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  EXPECT_GE(counter(metrics, "jellyfish_traffic_ingress_total_bytes"), static_cast<double>(framed.size())) << metrics;
  EXPECT_GE(counter(metrics, "jellyfish_traffic_egress_total_bytes"), static_cast<double>(frame->size())) << metrics;
}

TEST_F(TurnTcp, WrongCredentialsAreChallengedNotBound) {
  auto peer = negotiate(shoal_->port(), room_id_, false);
  TcpTurnClient client(tcp_port_);
  auto session = challenge(client, peer.turn_servers[1]);
  ASSERT_TRUE(session);
  session->key = stun::long_term_key(session->username, session->realm, "not-the-password");
  ASSERT_TRUE(client.send(authenticated(stun::StunMethod::Allocate, 2, *session,
                                        [](auto& b) { b.add_requested_transport(); })));
  auto frame = client.read_frame();
  ASSERT_TRUE(frame);
  auto response = stun::StunMessage::parse(*frame);
  ASSERT_TRUE(response);
  EXPECT_TRUE(response->is(stun::StunMethod::Allocate, stun::StunClass::ErrorResponse));
  EXPECT_EQ(error_code_of(*response), 401);
}

TEST_F(TurnTcp, CredentialsOfAPeerThatIsGoneCloseTheConnection) {
  auto peer = negotiate(shoal_->port(), room_id_, false);
  ASSERT_EQ(api(shoal_->port(), "DELETE", "/room/" + room_id_ + "/peer/" + peer.id).status, 204);
  TcpTurnClient client(tcp_port_);
  auto session = challenge(client, peer.turn_servers[1]);
  ASSERT_TRUE(session);
  ASSERT_TRUE(client.send(authenticated(stun::StunMethod::Allocate, 2, *session,
                                        [](auto& b) { b.add_requested_transport(); })));
  EXPECT_TRUE(client.closed_by_server(3s));
}

TEST_F(TurnTcp, GarbageIsClosedAndTheListenerKeepsServing) {
  {
    // Not TURN framing at all (top bits 11): closed at once.
    TcpTurnClient garbage(tcp_port_);
    ASSERT_TRUE(garbage.connected());
    Bytes bytes(64);
    for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<std::uint8_t>(0xC7 ^ (i * 37));
    bytes[0] = 0xFF;
    garbage.send(bytes);
    EXPECT_TRUE(garbage.closed_by_server(2s));
  }
  {
    // Looks like the start of a ChannelData frame that never completes, and a connection that
    // says nothing: both closed by the handshake timeout (waited for side by side).
    TcpTurnClient stalled(tcp_port_);
    TcpTurnClient silent(tcp_port_);
    const std::string http = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    stalled.send(std::span(reinterpret_cast<const std::uint8_t*>(http.data()), http.size()));
    EXPECT_TRUE(stalled.closed_by_server(8s));
    EXPECT_TRUE(silent.closed_by_server(2s));
  }
  // Still answering, and the HTTP side is fine.
  auto peer = negotiate(shoal_->port(), room_id_, false);
  TcpTurnClient client(tcp_port_);
  EXPECT_TRUE(challenge(client, peer.turn_servers[1]));
  EXPECT_EQ(api(shoal_->port(), "GET", "/health").status, 200);
}

TEST(TurnTcpPortTaken, IsLoggedAndPeersGetUdpOnly) {
  // Something else holds the port (bound and listening, on the same address).
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor squatter(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
  const auto taken = squatter.local_endpoint().port();
  ShoalProcess shoal(Env{{"JF_WEBRTC_TURN_TCP_PORT", std::to_string(taken)}});
  auto room = create_room(shoal.port());
  auto peer = negotiate(shoal.port(), room, false);
  ASSERT_EQ(peer.turn_servers.size(), 1u);
  EXPECT_EQ(peer.turn_servers[0]["transport"], "udp");
  EXPECT_NE(shoal.output().find("Cannot start the TCP TURN listener on 127.0.0.1:" + std::to_string(taken)),
            std::string::npos)
      << shoal.output();
}

TEST(TurnTcpUnset, OfferDataListsOnlyTheUdpServer) {
  ShoalProcess shoal;
  auto room = create_room(shoal.port());
  auto peer = negotiate(shoal.port(), room, false);
  ASSERT_EQ(peer.turn_servers.size(), 1u);
  EXPECT_EQ(peer.turn_servers[0]["transport"], "udp");
}

}  // namespace
}  // namespace shoal::test
