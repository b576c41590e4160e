#pragma once
// A TURN-over-TCP client with bounded waits, and the signalling that gets a peer its TURN
// servers and the server's ICE credentials: shared by the TCP TURN integration tests.
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
#include <deque>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace shoal::test {

namespace stun = rtc::stun;
using Bytes = std::vector<std::uint8_t>;
using namespace std::chrono_literals;

// ---- a TURN-over-TCP client with bounded waits ------------------------------------------------

class TcpTurnClient {
 public:
  // `source`: the local address to connect from (any address of lo).
  explicit TcpTurnClient(std::uint16_t port, const char* source = nullptr) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    if (fd_ >= 0 && source != nullptr) {
      sockaddr_in local{};
      local.sin_family = AF_INET;
      ::inet_pton(AF_INET, source, &local.sin_addr);
      if (::bind(fd_, reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return;
    }
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

inline stun::TransactionId transaction(std::uint8_t seed) {
  stun::TransactionId id{};
  for (std::size_t i = 0; i < id.size(); ++i) id[i] = static_cast<std::uint8_t>(seed * 31 + i);
  return id;
}

inline std::uint16_t error_code_of(const stun::StunMessage& message) {
  auto error = message.error_code();
  return error ? error->code : 0;
}

// ---- signalling up to the server's ICE credentials and candidate ------------------------------

// What Chrome offers for a peer that only receives audio.
inline const std::string kRecvOnlyAudioOffer = chrome::chrome_offer({"0"}, {chrome::chrome_audio("0", "recvonly")});

struct NegotiatedPeer {
  std::string id;
  std::unique_ptr<WsClient> socket;
  json turn_servers;
  std::string ice_ufrag, ice_pwd;  // the server's, from the answer
  std::uint16_t candidate_port = 0;
};

// connect -> renegotiateTracks -> offerData; with `answer`, also sdpOffer -> sdpAnswer + candidate.
inline NegotiatedPeer negotiate(std::uint16_t port, const std::string& room_id, bool answer) {
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
inline std::optional<TurnSession> challenge(TcpTurnClient& client, const json& server) {
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
inline Bytes authenticated(stun::StunMethod method, std::uint8_t seed, const TurnSession& session, AddAttributes&& add) {
  Bytes out;
  stun::StunMessageBuilder builder(out, method, stun::StunClass::Request, transaction(seed));
  add(builder);
  builder.add_string(stun::StunAttr::Username, session.username)
      .add_string(stun::StunAttr::Realm, session.realm)
      .add_string(stun::StunAttr::Nonce, session.nonce)
      .add_message_integrity(session.key);
  return out;
}

inline ::testing::AssertionResult succeeds(TcpTurnClient& client, const Bytes& request, stun::StunMethod method,
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


// A node with JF_WEBRTC_TURN_TCP_PORT set and the listener started (by its first room).
class TcpTurnNode : public ::testing::Test {
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

}  // namespace shoal::test
