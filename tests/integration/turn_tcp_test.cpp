// The shared TCP TURN listener (JF_WEBRTC_TURN_TCP_PORT) against the real shoal binary: the
// second offerData entry, a whole TURN-over-TCP dialogue up to an ICE connectivity check that the
// peer's ICE-lite agent answers through the TCP connection, and what happens to connections that
// are garbage, never authenticate or carry credentials of a peer that is gone.
// Spec: webrtc-and-components.md 1.2.
#include "chrome_offer.hpp"
#include "harness.hpp"

#include "rtc/stun/channel_data.hpp"
#include "rtc/stun/message_integrity.hpp"
#include "rtc/stun/stun_key.hpp"
#include "rtc/stun/stun_message.hpp"
#include "rtc/stun/stun_message_builder.hpp"
#include "rtc/turn/turn_stream_framer.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;
namespace stun = rtc::stun;
using Bytes = std::vector<std::uint8_t>;
using boost::asio::ip::udp;

// ---- a TURN-over-TCP client with bounded waits ------------------------------------------------

class TcpTurnClient {
 public:
  explicit TcpTurnClient(std::uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = fd_ >= 0 && ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  }
  ~TcpTurnClient() {
    if (fd_ >= 0) ::close(fd_);
  }
  TcpTurnClient(const TcpTurnClient&) = delete;
  TcpTurnClient& operator=(const TcpTurnClient&) = delete;

  bool connected() const { return connected_; }

  bool send(std::span<const std::uint8_t> bytes) {
    while (!bytes.empty()) {
      const auto sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes = bytes.subspan(static_cast<std::size_t>(sent));
    }
    return true;
  }

  // The next whole frame (STUN message or padded ChannelData), or nullopt on timeout/close.
  std::optional<Bytes> read_frame(std::chrono::milliseconds timeout = 3s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (frames_.empty()) {
      if (!receive_some(deadline)) return std::nullopt;
    }
    Bytes frame = std::move(frames_.front());
    frames_.pop_front();
    return frame;
  }

  // True when the server closes the connection within `timeout` (whatever it sent before).
  bool closed_by_server(std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!eof_) {
      if (!receive_some(deadline) && !eof_) return false;
    }
    return true;
  }

 private:
  bool receive_some(std::chrono::steady_clock::time_point deadline) {
    if (eof_) return false;
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd descriptor{fd_, POLLIN, 0};
    if (::poll(&descriptor, 1, static_cast<int>(left.count())) <= 0) return false;
    std::uint8_t buffer[4096];
    const auto size = ::recv(fd_, buffer, sizeof buffer, 0);
    if (size <= 0) {
      eof_ = true;  // orderly close or reset
      return false;
    }
    framer_.feed(std::span<const std::uint8_t>(buffer, static_cast<std::size_t>(size)),
                 [&](std::span<const std::uint8_t> frame) { frames_.emplace_back(frame.begin(), frame.end()); });
    return true;
  }

  int fd_;
  bool connected_ = false;
  bool eof_ = false;
  rtc::turn::TurnStreamFramer framer_;
  std::deque<Bytes> frames_;
};

stun::TransactionId transaction(std::uint8_t seed) {
  stun::TransactionId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return id;
}

std::uint16_t error_code_of(const stun::StunMessage& message) {
  auto error = message.error_code();
  return error ? error->code : 0;
}

// ---- signalling up to the server's ICE credentials and candidate ------------------------------

json next_media_event(WsClient& client, const std::string& type, std::chrono::milliseconds timeout = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    auto frame = client.read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now()));
    if (!frame) break;
    auto text = decode_media_event(*frame);
    if (!text) continue;
    auto event = json::parse(*text, nullptr, false);
    if (event.is_discarded()) continue;
    if (event.value("type", "") == type) return event;
    if (event.value("type", "") == "custom" && event["data"].value("type", "") == type) return event["data"]["data"];
  }
  return nullptr;
}

json custom_event(const std::string& type, const json& data) {
  return {{"type", "custom"}, {"data", {{"type", type}, {"data", data}}}};
}

// What Chrome offers for a peer that only receives audio.
const std::string kRecvOnlyAudioOffer = chrome::chrome_offer({"0"}, {chrome::chrome_audio("0", "recvonly")});

std::string sdp_attribute(const std::string& sdp, const std::string& name) {
  std::istringstream lines(sdp);
  std::string line;
  const std::string prefix = "a=" + name + ":";
  while (std::getline(lines, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.rfind(prefix, 0) == 0) return line.substr(prefix.size());
  }
  return {};
}

struct NegotiatedPeer {
  std::string id;
  std::unique_ptr<WsClient> socket;
  json turn_servers;
  std::string ice_ufrag, ice_pwd;  // the server's, from the answer
  std::uint16_t candidate_port = 0;
};

// connect -> renegotiateTracks -> offerData; with `answer`, also sdpOffer -> sdpAnswer + candidate.
NegotiatedPeer negotiate(std::uint16_t port, const std::string& room_id, bool answer) {
  NegotiatedPeer peer;
  auto created = create_peer(port, room_id);
  peer.id = created.id;
  peer.socket = connect_peer(port, created.token);
  peer.socket->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", nullptr}}}}));
  if (next_media_event(*peer.socket, "connected").is_null()) throw std::runtime_error("no connected event");
  peer.socket->send_binary(media_event(custom_event("renegotiateTracks", json::object())));
  auto offer_data = next_media_event(*peer.socket, "offerData");
  if (offer_data.is_null()) throw std::runtime_error("no offerData");
  peer.turn_servers = offer_data["integratedTurnServers"];
  if (!answer) return peer;
  peer.socket->send_binary(media_event(custom_event(
      "sdpOffer", {{"sdpOffer", {{"type", "offer"}, {"sdp", kRecvOnlyAudioOffer}}},
                   {"trackIdToTrackMetadata", json::object()},
                   {"midToTrackId", json::object()}})));
  auto sdp_answer = next_media_event(*peer.socket, "sdpAnswer");
  if (sdp_answer.is_null()) throw std::runtime_error("no sdpAnswer");
  const std::string sdp = sdp_answer["sdp"].get<std::string>();
  peer.ice_ufrag = sdp_attribute(sdp, "ice-ufrag");
  peer.ice_pwd = sdp_attribute(sdp, "ice-pwd");
  auto candidate = next_media_event(*peer.socket, "candidate");
  if (candidate.is_null()) throw std::runtime_error("no candidate");
  // "candidate:1 1 UDP 2015363327 <ip> <port> typ host"
  std::istringstream fields(candidate["candidate"].get<std::string>());
  std::string field;
  for (int i = 0; i < 6 && fields >> field; ++i) {
    if (i == 5) peer.candidate_port = static_cast<std::uint16_t>(std::stoi(field));
  }
  return peer;
}

// ---- the TURN dialogue ------------------------------------------------------------------------

struct TurnSession {
  std::string username, password, realm, nonce;
  stun::LongTermKey key{};
};

// Allocate without credentials, expect 401 with realm and nonce.
std::optional<TurnSession> challenge(TcpTurnClient& client, const json& server) {
  Bytes out;
  stun::StunMessageBuilder(out, stun::StunMethod::Allocate, stun::StunClass::Request, transaction(1))
      .add_requested_transport();
  if (!client.send(out)) return std::nullopt;
  auto frame = client.read_frame();
  if (!frame) return std::nullopt;
  auto response = stun::StunMessage::parse(*frame);
  if (!response || !response->is(stun::StunMethod::Allocate, stun::StunClass::ErrorResponse) ||
      error_code_of(*response) != 401 || !response->realm() || !response->nonce()) {
    return std::nullopt;
  }
  TurnSession session;
  session.username = server["username"].get<std::string>();
  session.password = server["password"].get<std::string>();
  session.realm = std::string(*response->realm());
  session.nonce = std::string(*response->nonce());
  session.key = stun::long_term_key(session.username, session.realm, session.password);
  return session;
}

// An authenticated request; the builder callback adds the method's own attributes.
template <typename AddAttributes>
Bytes authenticated(stun::StunMethod method, std::uint8_t seed, const TurnSession& session, AddAttributes&& add) {
  Bytes out;
  stun::StunMessageBuilder builder(out, method, stun::StunClass::Request, transaction(seed));
  add(builder);
  builder.add_string(stun::StunAttr::Username, session.username)
      .add_string(stun::StunAttr::Realm, session.realm)
      .add_string(stun::StunAttr::Nonce, session.nonce)
      .add_message_integrity(session.key);
  return out;
}

::testing::AssertionResult succeeds(TcpTurnClient& client, const Bytes& request, stun::StunMethod method,
                                    const TurnSession& session, Bytes* response_out = nullptr) {
  if (!client.send(request)) return ::testing::AssertionFailure() << "send failed";
  auto frame = client.read_frame();
  if (!frame) return ::testing::AssertionFailure() << "no response";
  auto response = stun::StunMessage::parse(*frame);
  if (!response) return ::testing::AssertionFailure() << "unparsable response";
  if (!response->is(method, stun::StunClass::SuccessResponse)) {
    return ::testing::AssertionFailure() << "error " << error_code_of(*response);
  }
  if (!stun::verify_message_integrity(*response, session.key)) {
    return ::testing::AssertionFailure() << "response integrity invalid";
  }
  if (response_out != nullptr) *response_out = *frame;
  return ::testing::AssertionSuccess();
}

class TurnTcp : public ::testing::Test {
 protected:
  void SetUp() override {
    tcp_port_ = free_port();
    shoal_ = std::make_unique<ShoalProcess>(Env{{"JF_WEBRTC_TURN_TCP_PORT", std::to_string(tcp_port_)}});
    room_id_ = create_room(shoal_->port());  // starts the listener
  }
  std::uint16_t tcp_port_ = 0;
  std::unique_ptr<ShoalProcess> shoal_;
  std::string room_id_;
};

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
