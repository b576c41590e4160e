// Integration tests of the peer WebSocket (/socket/peer/websocket) against the real shoal binary:
// authentication and its exact close reasons, behaviour after authentication, the media events
// a room exchanges without a media plane (connect/connected, endpointAdded/Updated/Removed),
// REST-driven closes and graceful shutdown. Spec: signaling.md §1 and §2.1–2.3, 2.5.
//
// Note on the harness: a WsClient::read() that times out leaves the underlying beast stream in
// the failed state (every later read/write is aborted), so "nothing arrives" is checked by
// ordering instead: send the event that must produce nothing, then one that must produce a reply,
// and require the reply to be the next frame.
#include "harness.hpp"

#include "auth/peer_token.hpp"
#include "signaling/peer_message.hpp"

#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

constexpr const char* kSecret = "peer-socket-test-secret-key-base-0123456789-abcdefghijklmnopqrstuv";
constexpr const char* kOtherSecret = "some-other-node-secret-key-base-9876543210-zyxwvutsrqponmlkjihgfe";

json connect_event(const json& metadata) { return {{"type", "connect"}, {"data", {{"metadata", metadata}}}}; }
json update_metadata_event(const json& metadata) {
  return {{"type", "updateEndpointMetadata"}, {"data", {{"metadata", metadata}}}};
}

json connected(const std::string& id, const json& others) {
  return {{"type", "connected"}, {"data", {{"id", id}, {"otherEndpoints", others}}}};
}
json other_endpoint(const std::string& id, const json& metadata) {
  return {{"id", id},
          {"type", "webrtc"},
          {"metadata", metadata},
          {"trackIdToMetadata", json::object()},
          {"tracks", json::object()}};
}
json endpoint_added(const std::string& id, const json& metadata) {
  return {{"type", "endpointAdded"}, {"data", {{"id", id}, {"type", "webrtc"}, {"metadata", metadata}}}};
}
json endpoint_updated(const std::string& id, const json& metadata) {
  return {{"type", "endpointUpdated"}, {"data", {{"id", id}, {"metadata", metadata}}}};
}
json endpoint_removed(const std::string& id) { return {{"type", "endpointRemoved"}, {"data", {{"id", id}}}}; }

// An authenticated socket that has also sent `connect` and received its `connected`.
std::unique_ptr<WsClient> join(std::uint16_t port, const CreatedPeer& peer, const json& metadata,
                               json* connected_out = nullptr) {
  auto client = connect_peer(port, peer.token);
  client->send_binary(media_event(connect_event(metadata)));
  auto event = next_event(*client);
  if (event.value("type", "") != "connected") {
    throw std::runtime_error("peer " + peer.id + " did not get connected: " + event.dump());
  }
  if (connected_out) *connected_out = event;
  return client;
}

// Opens a socket, sends `first` (binary or text) and returns how the server closed it.
WsClose close_after_first_frame(std::uint16_t port, const std::string& first, bool text = false) {
  WsClient client(port);
  if (text) {
    client.send_text(first);
  } else {
    client.send_binary(first);
  }
  return client.read_until_close(3s);
}

WsClose close_after_auth(std::uint16_t port, const std::string& token) {
  return close_after_first_frame(port, auth_request(token));
}

// {peer id: status} as GET /room/:id shows it; empty when the room cannot be read.
std::map<std::string, std::string> peer_statuses(std::uint16_t port, const std::string& room_id) {
  std::map<std::string, std::string> out;
  auto result = api(port, "GET", "/room/" + room_id);
  if (result.status != 200) return out;
  const json body = result.json_body();  // named: a temporary would die before the loop body
  for (const auto& peer : body["data"]["peers"]) {
    out[peer["id"].get<std::string>()] = peer["status"].get<std::string>();
  }
  return out;
}

std::string peer_status(std::uint16_t port, const std::string& room_id, const std::string& peer_id) {
  auto statuses = peer_statuses(port, room_id);
  auto it = statuses.find(peer_id);
  return it == statuses.end() ? "absent" : it->second;
}

// Polls REST until the peer shows `status`; returns the last status seen.
std::string wait_peer_status(std::uint16_t port, const std::string& room_id, const std::string& peer_id,
                             const std::string& status, std::chrono::milliseconds timeout = 2s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto seen = peer_status(port, room_id, peer_id);
    if (seen == status || std::chrono::steady_clock::now() >= deadline) return seen;
    std::this_thread::sleep_for(20ms);
  }
}

struct Collected {
  std::vector<std::string> frames;  // data frames received before the close
  WsClose close;
};

// Reads every frame until the server closes (code 0: no close within `timeout`).
Collected collect_until_close(WsClient& client, std::chrono::milliseconds timeout = 3s) {
  Collected out;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!client.closed()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      out.close = {0, "timeout"};
      return out;
    }
    auto frame = client.read(left);
    if (frame) {
      out.frames.push_back(*frame);
    } else if (!client.closed()) {
      out.close = {0, "timeout"};
      return out;
    }
  }
  out.close = *client.closed();
  return out;
}

std::string close_text(const WsClose& close) { return std::to_string(close.code) + " \"" + close.reason + "\""; }
std::string expected_close(const std::string& reason) { return "1000 \"" + reason + "\""; }

class PeerSocket : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    node_ = std::make_unique<ShoalProcess>(Env{{"JF_SECRET_KEY_BASE", kSecret}});
  }
  static void TearDownTestSuite() {
    if (node_) {
      EXPECT_EQ(node_->terminate(), 0) << node_->output();
      node_.reset();
    }
  }
  void SetUp() override {
    ASSERT_NE(node_, nullptr) << "the shared shoal process did not start";
    ASSERT_TRUE(node_->running()) << "the shared shoal process died:\n" << node_->output();
  }
  static std::uint16_t port() { return node_->port(); }

  static inline std::unique_ptr<ShoalProcess> node_;
};

// ----------------------------------------------------------------------------------------------
// Authentication

TEST_F(PeerSocket, ValidTokenAuthenticatesThenDisconnectsAndReconnects) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  EXPECT_EQ(peer_status(port(), room, peer.id), "disconnected");

  {
    WsClient client(port());
    client.send_binary(auth_request(peer.token));
    auto frame = client.read();
    ASSERT_TRUE(frame.has_value()) << (client.closed() ? close_text(*client.closed()) : "timeout");
    EXPECT_EQ(*frame, std::string("\x0a\x00", 2)) << "Authenticated must be exactly the bytes 0A 00";
    EXPECT_TRUE(is_authenticated(*frame));
    EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
    client.close();
  }
  EXPECT_EQ(wait_peer_status(port(), room, peer.id, "disconnected"), "disconnected");

  // Reconnect with the same token: a fresh session that goes through connect → connected again.
  auto again = connect_peer(port(), peer.token);
  EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
  again->send_binary(media_event(connect_event({{"name", "again"}})));
  EXPECT_EQ(next_event(*again), connected(peer.id, json::array()));
  again->close();
  EXPECT_EQ(wait_peer_status(port(), room, peer.id, "disconnected"), "disconnected");

  // A socket dropped without a close handshake also sets the peer back to disconnected.
  {
    auto dropped = connect_peer(port(), peer.token);
    EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
  }  // destroyed: TCP closed without a close frame
  EXPECT_EQ(wait_peer_status(port(), room, peer.id, "disconnected"), "disconnected");
  auto third = connect_peer(port(), peer.token);
  EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
}

TEST_F(PeerSocket, FirstFrameThatIsNotAnAuthRequestClosesUnauthenticated) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  const std::string unauthenticated = expected_close("unauthenticated");

  {
    SCOPED_TRACE("media_event first");
    auto close = close_after_first_frame(port(), media_event(connect_event({{"name", "x"}})));
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  {
    SCOPED_TRACE("text frame first");
    auto close = close_after_first_frame(port(), "hello", /*text=*/true);
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  {
    // (Valid UTF-8: protobuf bytes in a text frame may be invalid UTF-8, which is a 1007.)
    SCOPED_TRACE("text frame naming a valid token");
    auto close = close_after_first_frame(port(), json{{"auth_request", {{"token", peer.token}}}}.dump(), /*text=*/true);
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  {
    SCOPED_TRACE("undecodable binary garbage first");
    auto close = close_after_first_frame(port(), std::string("\xff\xff\xff\xff\xff\x07garbage", 12));
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  {
    SCOPED_TRACE("empty binary frame first (PeerMessage with no content)");
    auto close = close_after_first_frame(port(), std::string());
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  {
    SCOPED_TRACE("client sends Authenticated");
    auto close = close_after_first_frame(port(), std::string("\x0a\x00", 2));
    EXPECT_EQ(close_text(close), unauthenticated);
  }
  // None of that touched the peer: its token still works.
  EXPECT_EQ(peer_status(port(), room, peer.id), "disconnected");
  auto client = connect_peer(port(), peer.token);
  EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
}

TEST_F(PeerSocket, InvalidTokensAreRejected) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  const std::string invalid = expected_close("invalid token");

  EXPECT_EQ(close_text(close_after_auth(port(), "garbage")), invalid) << "garbage";
  EXPECT_EQ(close_text(close_after_auth(port(), "")), invalid) << "empty token";
  EXPECT_EQ(close_text(close_after_auth(port(), "SFMyNTY.a.b")), invalid) << "well-formed prefix, bad parts";

  // A valid token with its signature or its payload altered.
  // (Not the last character: its low bits may be base64 padding that decoders ignore.)
  std::string bad_signature = peer.token;
  char& sig_char = bad_signature[bad_signature.size() - 10];
  sig_char = sig_char == 'A' ? 'B' : 'A';
  EXPECT_EQ(close_text(close_after_auth(port(), bad_signature)), invalid) << "altered signature";
  std::string bad_payload = peer.token;
  auto dot = bad_payload.find('.');
  ASSERT_NE(dot, std::string::npos);
  std::size_t pos = dot + 10;
  ASSERT_LT(pos, bad_payload.size());
  bad_payload[pos] = bad_payload[pos] == 'x' ? 'y' : 'x';
  EXPECT_EQ(close_text(close_after_auth(port(), bad_payload)), invalid) << "altered payload";
  EXPECT_EQ(close_text(close_after_auth(port(), peer.token + "x")), invalid) << "appended character";

  // Signed with the node's own secret but 25 h ago: past the 24 h max age.
  auth::PeerTokenSigner signer(kSecret);
  auto old = signer.sign({room, peer.id}, std::chrono::system_clock::now() - std::chrono::hours{25});
  EXPECT_EQ(close_text(close_after_auth(port(), old)), expected_close("expired token"));

  // The failures did not mark the peer connected, and the real token still works.
  EXPECT_EQ(peer_status(port(), room, peer.id), "disconnected");
  auto client = connect_peer(port(), peer.token);
  EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
}

TEST_F(PeerSocket, ValidlySignedTokensForUnknownRoomsOrPeers) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  auth::PeerTokenSigner signer(kSecret);
  auto now = std::chrono::system_clock::now();
  EXPECT_EQ(close_text(close_after_auth(port(), signer.sign({"no-such-room", peer.id}, now))),
            expected_close("room not found"));
  EXPECT_EQ(close_text(close_after_auth(port(), signer.sign({room, "no-such-peer"}, now))),
            expected_close("peer not found"));
  // A token the server never issued, but for an existing peer and signed right, is as good.
  auto forged = connect_peer(port(), signer.sign({room, peer.id}, now));
  EXPECT_EQ(peer_status(port(), room, peer.id), "connected");
}

TEST_F(PeerSocket, RoomDeletedAfterTokenWasIssued) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room).status, 204);
  EXPECT_EQ(close_text(close_after_auth(port(), peer.token)), expected_close("room not found"));
}

TEST_F(PeerSocket, PeerDeletedAfterTokenWasIssued) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  auto other = create_peer(port(), room);
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room + "/peer/" + peer.id).status, 204);
  EXPECT_EQ(close_text(close_after_auth(port(), peer.token)), expected_close("peer not found"));
  // The room and its other peer are fine.
  auto client = connect_peer(port(), other.token);
  EXPECT_EQ(peer_status(port(), room, other.id), "connected");
}

TEST_F(PeerSocket, SecondSocketWithTheSameTokenIsRefused) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto first = connect_peer(port(), a.token);

  EXPECT_EQ(close_text(close_after_auth(port(), a.token)), expected_close("peer already connected"));
  EXPECT_EQ(close_text(close_after_auth(port(), a.token)), expected_close("peer already connected"))
      << "a second attempt too";
  EXPECT_EQ(peer_status(port(), room, a.id), "connected");

  // The first socket still works and still receives the room's events.
  first->send_binary(media_event(connect_event({{"name", "A"}})));
  EXPECT_EQ(next_event(*first), connected(a.id, json::array()));
  auto second_peer = join(port(), b, {{"name", "B"}});
  EXPECT_EQ(next_event(*first), endpoint_added(b.id, {{"name", "B"}}));
}

// ----------------------------------------------------------------------------------------------
// REST-driven closes

TEST_F(PeerSocket, DeletingAPeerClosesItsSocketWithEmptyReason) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto socket_a = connect_peer(port(), a.token);
  auto socket_b = connect_peer(port(), b.token);

  ASSERT_EQ(api(port(), "DELETE", "/room/" + room + "/peer/" + a.id).status, 204);
  auto collected = collect_until_close(*socket_a);
  EXPECT_EQ(close_text(collected.close), expected_close(""));
  EXPECT_TRUE(collected.frames.empty()) << "the removed peer gets no event before its close";
  EXPECT_EQ(peer_status(port(), room, a.id), "absent");

  // The other peer of the same room is untouched.
  EXPECT_EQ(peer_status(port(), room, b.id), "connected");
  socket_b->send_binary(media_event(connect_event({{"name", "B"}})));
  EXPECT_EQ(next_event(*socket_b), connected(b.id, json::array()));
}

TEST_F(PeerSocket, DeletingARoomClosesEverySocketOfThatRoomOnly) {
  auto room = create_room(port());
  auto other_room = create_room(port());
  std::vector<CreatedPeer> peers;
  std::vector<std::unique_ptr<WsClient>> sockets;
  for (int i = 0; i < 3; ++i) {
    peers.push_back(create_peer(port(), room));
    if (i == 0) {
      sockets.push_back(join(port(), peers.back(), {{"i", i}}));
    } else {
      sockets.push_back(connect_peer(port(), peers.back().token));
    }
  }
  auto outsider = create_peer(port(), other_room);
  auto outsider_socket = join(port(), outsider, "outsider");

  ASSERT_EQ(api(port(), "DELETE", "/room/" + room).status, 204);
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    SCOPED_TRACE("socket " + std::to_string(i));
    auto collected = collect_until_close(*sockets[i]);
    EXPECT_EQ(close_text(collected.close), expected_close(""));
  }
  EXPECT_EQ(api(port(), "GET", "/room/" + room).status, 404);

  // The other room's peer still works: its next frame is the answer to its own request.
  EXPECT_EQ(peer_status(port(), other_room, outsider.id), "connected");
  outsider_socket->send_binary(media_event(update_metadata_event("still here")));
  EXPECT_EQ(next_event(*outsider_socket), endpoint_updated(outsider.id, "still here"));
}

// ----------------------------------------------------------------------------------------------
// After authentication

TEST_F(PeerSocket, IgnoredMessagesAfterAuthenticationKeepTheSocketOpen) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto client = connect_peer(port(), a.token);

  client->send_binary(auth_request(a.token));        // a second auth_request, own token
  client->send_binary(auth_request(b.token));        // ... another peer's token
  client->send_binary(auth_request("garbage"));      // ... an invalid one
  client->send_binary(std::string("\x0a\x00", 2));   // Authenticated from the client
  client->send_binary(std::string());                // empty PeerMessage
  client->send_binary(std::string("\xff\xff\xff\xff\x07", 5));  // undecodable protobuf
  client->send_text("hello");                        // text frame
  client->send_text(connect_event(1).dump());        // a media event's JSON, but as text
  for (const char* bad : {"{", "", "null", "[]", "42", "\"connect\"", R"({"data":{}})", R"({"type":42})",
                          R"({"type":"noSuchEvent","data":{}})", R"({"type":"connect"})",
                          R"({"type":"connect","data":{}})", R"({"type":"connect","data":null})",
                          R"({"type":"updateEndpointMetadata","data":{"metadata":1}})",
                          R"({"type":"updateTrackMetadata","data":{"trackId":"t","trackMetadata":1}})",
                          R"({"type":"custom"})", R"({"type":"custom","data":{"data":{}}})"}) {
    client->send_binary(signaling::encode_media_event(bad));
  }
  EXPECT_EQ(peer_status(port(), room, a.id), "connected");
  EXPECT_EQ(peer_status(port(), room, b.id), "disconnected") << "b's token on a's socket must not connect b";

  // Still open and still the same session: the first reply is `connected` for a.
  client->send_binary(media_event(connect_event({{"name", "A"}})));
  EXPECT_EQ(next_event(*client), connected(a.id, json::array()));
  // A second `connect` is ignored as well: the next reply is the metadata update.
  client->send_binary(media_event(connect_event({{"name", "A2"}})));
  client->send_binary(media_event(update_metadata_event({{"name", "A3"}})));
  EXPECT_EQ(next_event(*client), endpoint_updated(a.id, {{"name", "A3"}}));
}

// ----------------------------------------------------------------------------------------------
// Media events

TEST_F(PeerSocket, ConnectEndpointAddedUpdatedAndRemoved) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  const json meta_a = {{"name", "A"}};
  const json meta_b = {{"name", "B"}, {"nested", {{"list", {1, 2, 3}}, {"null", nullptr}}}};

  auto socket_a = connect_peer(port(), a.token);
  socket_a->send_binary(media_event(connect_event(meta_a)));
  EXPECT_EQ(next_event(*socket_a), connected(a.id, json::array()));

  auto socket_b = connect_peer(port(), b.token);
  socket_b->send_binary(media_event(connect_event(meta_b)));
  EXPECT_EQ(next_event(*socket_b), connected(b.id, json::array({other_endpoint(a.id, meta_a)})));
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, meta_b));

  // updateEndpointMetadata: every ready endpoint, the sender included, gets endpointUpdated.
  const json meta_a2 = {{"name", "A"}, {"mic", "on"}};
  socket_a->send_binary(media_event(update_metadata_event(meta_a2)));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(a.id, meta_a2));
  EXPECT_EQ(next_event(*socket_b), endpoint_updated(a.id, meta_a2));

  // The same metadata again changes nothing: the next event either side sees is the one after.
  socket_a->send_binary(media_event(update_metadata_event(meta_a2)));
  const json meta_a3 = {{"name", "A"}, {"mic", "off"}};
  socket_a->send_binary(media_event(update_metadata_event(meta_a3)));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(a.id, meta_a3));
  EXPECT_EQ(next_event(*socket_b), endpoint_updated(a.id, meta_a3));

  // B's update reaches A too.
  socket_b->send_binary(media_event(update_metadata_event("b-changed")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(b.id, "b-changed"));
  EXPECT_EQ(next_event(*socket_b), endpoint_updated(b.id, "b-changed"));

  // B leaves by closing its socket: A sees endpointRemoved.
  socket_b->close();
  socket_b.reset();
  EXPECT_EQ(next_event(*socket_a), endpoint_removed(b.id));
  EXPECT_EQ(wait_peer_status(port(), room, b.id, "disconnected"), "disconnected");

  // B rejoins with the same token: a full new connect flow, with its new metadata.
  json b_connected;
  auto socket_b2 = join(port(), b, "back", &b_connected);
  EXPECT_EQ(b_connected, connected(b.id, json::array({other_endpoint(a.id, meta_a3)})));
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, "back"));

  // A third peer; deleting it over REST while connected: the others see endpointRemoved.
  auto c = create_peer(port(), room);
  json c_connected;
  auto socket_c = join(port(), c, nullptr, &c_connected);
  EXPECT_EQ(c_connected["data"]["otherEndpoints"].size(), 2u) << c_connected.dump();
  EXPECT_EQ(next_event(*socket_a), endpoint_added(c.id, nullptr));
  EXPECT_EQ(next_event(*socket_b2), endpoint_added(c.id, nullptr));
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room + "/peer/" + c.id).status, 204);
  EXPECT_EQ(next_event(*socket_a), endpoint_removed(c.id));
  EXPECT_EQ(next_event(*socket_b2), endpoint_removed(c.id));
  auto collected = collect_until_close(*socket_c);
  EXPECT_EQ(close_text(collected.close), expected_close(""));
  EXPECT_TRUE(collected.frames.empty()) << "the deleted peer gets no media event before its close";
}

TEST_F(PeerSocket, ConnectedListsEveryReadyEndpoint) {
  auto room = create_room(port());
  std::vector<CreatedPeer> peers;
  std::vector<std::unique_ptr<WsClient>> sockets;
  json expected_others = json::array();
  for (int i = 0; i < 4; ++i) {
    peers.push_back(create_peer(port(), room));
    json event;
    sockets.push_back(join(port(), peers.back(), {{"i", i}}, &event));
    // Compare as sets: the order of otherEndpoints is not part of the contract.
    std::set<std::string> got, want;
    for (const auto& e : event["data"]["otherEndpoints"]) got.insert(e.dump());
    for (const auto& e : expected_others) want.insert(e.dump());
    EXPECT_EQ(got, want) << "peer " << i << ": " << event.dump();
    EXPECT_EQ(event["data"]["id"], peers.back().id);
    for (int j = 0; j < i; ++j) {
      EXPECT_EQ(next_event(*sockets[static_cast<std::size_t>(j)]), endpoint_added(peers.back().id, {{"i", i}}))
          << "peer " << j << " learning about " << i;
    }
    expected_others.push_back(other_endpoint(peers.back().id, {{"i", i}}));
  }
}

TEST_F(PeerSocket, PeerThatNeverSentConnectIsInvisible) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto silent = create_peer(port(), room);

  auto silent_socket = connect_peer(port(), silent.token);  // authenticated, no `connect`
  json a_connected;
  auto socket_a = join(port(), a, "A", &a_connected);
  EXPECT_EQ(a_connected, connected(a.id, json::array())) << "a peer without connect is not listed";
  json b_connected;
  auto socket_b = join(port(), b, "B", &b_connected);
  EXPECT_EQ(b_connected, connected(b.id, json::array({other_endpoint(a.id, "A")})));
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, "B"));
  socket_a->send_binary(media_event(update_metadata_event("A2")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(a.id, "A2"));
  EXPECT_EQ(next_event(*socket_b), endpoint_updated(a.id, "A2"));

  // The silent peer got none of that: the first frame it sees is its own `connected`.
  silent_socket->send_binary(media_event(connect_event("S")));
  auto event = next_event(*silent_socket);
  EXPECT_EQ(event["type"], "connected") << event.dump();
  std::set<std::string> got;
  for (const auto& e : event["data"]["otherEndpoints"]) got.insert(e.dump());
  EXPECT_EQ(got, (std::set<std::string>{other_endpoint(a.id, "A2").dump(), other_endpoint(b.id, "B").dump()}));
  EXPECT_EQ(next_event(*socket_a), endpoint_added(silent.id, "S"));
  EXPECT_EQ(next_event(*socket_b), endpoint_added(silent.id, "S"));

  // A never-ready peer that leaves produces no endpointRemoved either.
  auto d = create_peer(port(), room);
  {
    auto socket_d = connect_peer(port(), d.token);
    socket_d->close();
  }
  EXPECT_EQ(wait_peer_status(port(), room, d.id, "disconnected"), "disconnected");
  socket_b->send_binary(media_event(update_metadata_event("B2")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(b.id, "B2")) << "no endpointRemoved for a never-ready peer";
}

TEST_F(PeerSocket, DisconnectEventIsIgnored) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto socket_a = join(port(), a, "A");
  auto socket_b = join(port(), b, "B");
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, "B"));

  socket_b->send_binary(media_event({{"type", "disconnect"}}));
  socket_b->send_binary(media_event({{"type", "disconnect"}, {"data", json::object()}}));
  // B is still connected and still an endpoint: A gets B's update, not endpointRemoved.
  socket_b->send_binary(media_event(update_metadata_event("B2")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(b.id, "B2"));
  EXPECT_EQ(next_event(*socket_b), endpoint_updated(b.id, "B2"));
  EXPECT_EQ(peer_status(port(), room, b.id), "connected");
}

TEST_F(PeerSocket, CustomEventsDoNotCloseTheSocket) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto socket_a = join(port(), a, "A");

  socket_a->send_binary(media_event({{"type", "custom"}, {"data", {{"type", "renegotiateTracks"}, {"data", json::object()}}}}));
  socket_a->send_binary(media_event({{"type", "custom"}, {"data", {{"type", "prioritizeTrack"}, {"data", {{"trackId", "x"}}}}}}));
  socket_a->send_binary(media_event({{"type", "custom"}, {"data", {{"type", "noSuchCustom"}, {"data", json::object()}}}}));
  socket_a->send_binary(media_event(update_metadata_event("A2")));
  // Whatever the media plane answers (nothing in this build), the socket is open and serving.
  EXPECT_EQ(next_event_of_type(*socket_a, "endpointUpdated"), endpoint_updated(a.id, "A2"));
  EXPECT_EQ(peer_status(port(), room, a.id), "connected");
}

// jellyfish v0.2.1 peer_socket_test "media event": the endpoint exists from authentication on, so a
// renegotiation sent before `connect` is answered (offerData, nothing to receive yet).
TEST_F(PeerSocket, RenegotiationBeforeConnectIsAnsweredWithOfferData) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto socket_a = join(port(), a, "A");
  auto socket_b = connect_peer(port(), b.token);  // authenticated only

  const json renegotiate = {{"type", "custom"}, {"data", {{"type", "renegotiateTracks"}, {"data", json::object()}}}};
  socket_b->send_binary(media_event(renegotiate));
  auto offer = next_event(*socket_b, 1s);
  ASSERT_EQ(offer.value("type", ""), "custom") << offer.dump();
  EXPECT_EQ(offer["data"]["type"], "offerData") << offer.dump();
  EXPECT_EQ(offer["data"]["data"]["tracksTypes"], json({{"audio", 0}, {"video", 0}})) << offer.dump();
  ASSERT_TRUE(offer["data"]["data"]["integratedTurnServers"].is_array()) << offer.dump();
  EXPECT_FALSE(offer["data"]["data"]["integratedTurnServers"].empty()) << offer.dump();

  // Still invisible to the others until `connect`, which then works as usual.
  json b_connected;
  socket_b->send_binary(media_event(connect_event("B")));
  b_connected = next_event(*socket_b);
  EXPECT_EQ(b_connected, connected(b.id, json::array({other_endpoint(a.id, "A")})));
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, "B")) << "A learns of B only at connect";
  // The unanswered offerData opened no round: a renegotiation after connect is answered again.
  socket_b->send_binary(media_event(renegotiate));
  auto again = next_event_of_type(*socket_b, "custom");
  EXPECT_EQ(again["data"]["type"], "offerData") << again.dump();
}

TEST_F(PeerSocket, EndpointThatNeverConnectedLeavesNothingBehind) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto b = create_peer(port(), room);
  auto socket_a = join(port(), a, "A");
  {
    auto socket_b = connect_peer(port(), b.token);
    socket_b->send_binary(media_event(
        {{"type", "custom"}, {"data", {{"type", "renegotiateTracks"}, {"data", json::object()}}}}));
    EXPECT_EQ(next_event(*socket_b, 1s)["data"]["type"], "offerData");
    socket_b->close();  // its transport was opened: closing the socket must release it
  }
  EXPECT_EQ(wait_peer_status(port(), room, b.id, "disconnected"), "disconnected");
  // No endpointRemoved for an endpoint A never saw; B can come back with its token.
  socket_a->send_binary(media_event(update_metadata_event("A2")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(a.id, "A2"));
  auto socket_b = join(port(), b, "B");
  EXPECT_EQ(next_event(*socket_a), endpoint_added(b.id, "B"));
}

// Not in v0.2.1, which kept a socket that never authenticated open as long as it sent pings.
TEST_F(PeerSocket, SocketThatDoesNotAuthenticateInTenSecondsIsClosed) {
  auto room = create_room(port());
  auto a = create_peer(port(), room);
  auto authenticated = connect_peer(port(), a.token);
  WsClient silent(port());
  const auto opened = std::chrono::steady_clock::now();
  // Pings are answered but do not buy time; reading meanwhile collects the pongs' effects only.
  for (int i = 0; i < 3; ++i) {
    silent.ping();
    std::this_thread::sleep_for(1s);
  }
  auto close = silent.read_until_close(12s);
  const auto after = std::chrono::steady_clock::now() - opened;
  EXPECT_EQ(close_text(close), expected_close("authentication timeout"));
  EXPECT_GE(after, 9500ms);
  EXPECT_LT(after, 12s);
  // An authenticated socket of the same age is untouched.
  authenticated->send_binary(media_event(connect_event("A")));
  EXPECT_EQ(next_event(*authenticated)["type"], "connected");
}

TEST_F(PeerSocket, EventsDoNotLeakBetweenRooms) {
  auto room1 = create_room(port());
  auto room2 = create_room(port());
  auto a = create_peer(port(), room1);
  auto b = create_peer(port(), room2);
  auto c = create_peer(port(), room2);
  auto socket_a = join(port(), a, "A");
  json b_connected;
  auto socket_b = join(port(), b, "B", &b_connected);
  EXPECT_EQ(b_connected, connected(b.id, json::array())) << "A is in another room";
  auto socket_c = join(port(), c, "C");
  EXPECT_EQ(next_event(*socket_b), endpoint_added(c.id, "C"));
  // A saw nothing of room 2: its next frame is its own update.
  socket_a->send_binary(media_event(update_metadata_event("A2")));
  EXPECT_EQ(next_event(*socket_a), endpoint_updated(a.id, "A2"));
}

// ----------------------------------------------------------------------------------------------
// Tokens across nodes

TEST(PeerSocketNodes, TokenSignedByAnotherNodeIsInvalid) {
  ShoalProcess node(Env{{"JF_SECRET_KEY_BASE", kSecret}});
  ShoalProcess other(Env{{"JF_SECRET_KEY_BASE", kOtherSecret}});
  auto other_room = create_room(other.port());
  auto other_peer = create_peer(other.port(), other_room);
  EXPECT_EQ(close_text(close_after_auth(node.port(), other_peer.token)), expected_close("invalid token"));

  // Even for a room and peer that exist on this node, a foreign signature is refused.
  auto room = create_room(node.port());
  auto peer = create_peer(node.port(), room);
  auth::PeerTokenSigner foreign(kOtherSecret);
  EXPECT_EQ(close_text(close_after_auth(node.port(), foreign.sign({room, peer.id}, std::chrono::system_clock::now()))),
            expected_close("invalid token"));
  // The token works on its own node.
  auto socket = connect_peer(other.port(), other_peer.token);
  socket->close();
  EXPECT_EQ(node.terminate(), 0);
  EXPECT_EQ(other.terminate(), 0);
}

TEST(PeerSocketNodes, SameSecretAfterRestartVerifiesTheTokenButTheRoomIsGone) {
  CreatedPeer peer;
  std::string room;
  {
    ShoalProcess first(Env{{"JF_SECRET_KEY_BASE", kSecret}});
    room = create_room(first.port());
    peer = create_peer(first.port(), room);
    EXPECT_EQ(first.terminate(), 0);
  }
  ShoalProcess second(Env{{"JF_SECRET_KEY_BASE", kSecret}});
  EXPECT_EQ(close_text(close_after_auth(second.port(), peer.token)), expected_close("room not found"));
  EXPECT_EQ(second.terminate(), 0);
}

// ----------------------------------------------------------------------------------------------
// Graceful shutdown

TEST(PeerSocketShutdown, SigtermClosesOpenSocketsWithNormalCloseAndExitsZero) {
  ShoalProcess node;
  auto room = create_room(node.port());
  auto a = create_peer(node.port(), room);
  auto b = create_peer(node.port(), room);
  std::vector<std::unique_ptr<WsClient>> sockets;
  sockets.push_back(join(node.port(), a, "A"));                 // authenticated and connected
  sockets.push_back(connect_peer(node.port(), b.token));        // authenticated only
  sockets.push_back(std::make_unique<WsClient>(node.port()));   // not even authenticated

  // Read from every client while the server shuts down, so the close handshakes complete.
  std::vector<Collected> results(sockets.size());
  std::vector<std::thread> readers;
  for (std::size_t i = 0; i < sockets.size(); ++i) {
    readers.emplace_back([&, i] { results[i] = collect_until_close(*sockets[i], 8s); });
  }
  auto started = std::chrono::steady_clock::now();
  int code = node.terminate(5s);
  auto elapsed = std::chrono::steady_clock::now() - started;
  for (auto& reader : readers) reader.join();

  EXPECT_EQ(code, 0) << node.output();
  EXPECT_LT(elapsed, 5s);
  for (std::size_t i = 0; i < results.size(); ++i) {
    SCOPED_TRACE("socket " + std::to_string(i));
    EXPECT_EQ(results[i].close.code, 1000) << close_text(results[i].close);
    EXPECT_TRUE(results[i].frames.empty()) << results[i].frames.size() << " frame(s) before the close";
  }
  EXPECT_FALSE(node.running());
  EXPECT_THROW(http_request(node.port(), "GET", "/health"), std::exception) << "the port is closed";
}

// A bare beast client: unlike WsClient it keeps the close frame it received even when answering
// it fails (the server is gone by then, so the client's teardown reports ENOTCONN).
struct RawPeerSocket {
  boost::asio::io_context ioc;
  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws{ioc};

  RawPeerSocket(std::uint16_t port, const std::string& token) {
    using tcp = boost::asio::ip::tcp;
    ws.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port));
    set_receive_timeout(5s);
    ws.handshake("127.0.0.1:" + std::to_string(port), "/socket/peer/websocket");
    ws.binary(true);
    ws.write(boost::asio::buffer(auth_request(token)));
    boost::beast::flat_buffer buffer;
    ws.read(buffer);
    if (!is_authenticated(boost::beast::buffers_to_string(buffer.data()))) {
      throw std::runtime_error("not authenticated");
    }
  }
  void set_receive_timeout(std::chrono::seconds timeout) {
    timeval tv{static_cast<time_t>(timeout.count()), 0};
    setsockopt(ws.next_layer().native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  // Reads until the stream ends; the close frame the server sent (code 0 if none).
  WsClose read_close() {
    set_receive_timeout(2s);
    boost::beast::flat_buffer buffer;
    boost::system::error_code ec;
    while (!ec) {
      buffer.clear();
      ws.read(buffer, ec);
    }
    return {ws.reason().code, std::string(ws.reason().reason.c_str())};
  }
};

TEST(PeerSocketShutdown, CloseFramesAreBufferedForClientsThatReadAfterExit) {
  ShoalProcess node;
  auto room = create_room(node.port());
  auto a = create_peer(node.port(), room);
  auto b = create_peer(node.port(), room);
  RawPeerSocket socket_a(node.port(), a.token);
  RawPeerSocket socket_b(node.port(), b.token);

  // Nobody answers the close frames: the server waits a bounded time, then exits 0 anyway.
  auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(node.terminate(5s), 0) << node.output();
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
  for (auto* socket : {&socket_a, &socket_b}) {
    auto close = socket->read_close();
    EXPECT_EQ(close.code, 1000) << close_text(close);
  }
}

// Takes 70 s: run with --gtest_also_run_disabled_tests. A peer that sends nothing but answers
// the server's pings (as every browser does) must stay connected past the 60 s idle timeout.
TEST(PeerSocketHeartbeat, DISABLED_PingsEvery30SecondsAndAnsweredPingsKeepThePeerConnected) {
  namespace beast = boost::beast;
  namespace websocket = beast::websocket;
  using tcp = boost::asio::ip::tcp;
  ShoalProcess node;
  auto room = create_room(node.port());
  auto peer = create_peer(node.port(), room);

  boost::asio::io_context ioc;
  websocket::stream<tcp::socket> ws(ioc);
  ws.next_layer().connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), node.port()));
  ws.handshake("127.0.0.1:" + std::to_string(node.port()), "/socket/peer/websocket");
  ws.binary(true);
  std::vector<std::chrono::steady_clock::duration> pings;
  auto authenticated_at = std::chrono::steady_clock::now();
  ws.control_callback([&](websocket::frame_type kind, beast::string_view payload) {
    if (kind == websocket::frame_type::ping) {
      EXPECT_TRUE(payload.empty());
      pings.push_back(std::chrono::steady_clock::now() - authenticated_at);
    }
  });
  ws.write(boost::asio::buffer(auth_request(peer.token)));
  beast::flat_buffer buffer;
  ws.read(buffer);
  ASSERT_TRUE(is_authenticated(beast::buffers_to_string(buffer.data())));
  authenticated_at = std::chrono::steady_clock::now();

  // One pending read for 70 s; beast answers each ping with a pong meanwhile.
  buffer.clear();
  std::optional<boost::system::error_code> ended;
  std::chrono::steady_clock::duration ended_after{};
  ws.async_read(buffer, [&](boost::system::error_code ec, std::size_t) {
    ended = ec;
    ended_after = std::chrono::steady_clock::now() - authenticated_at;
  });
  ioc.run_for(70s);

  ASSERT_GE(pings.size(), 1u);
  EXPECT_GE(pings[0], 29s);
  EXPECT_LE(pings[0], 32s);
  if (pings.size() >= 2) {
    EXPECT_NEAR(std::chrono::duration<double>(pings[1] - pings[0]).count(), 30.0, 2.0);
  }
  EXPECT_FALSE(ended.has_value()) << "the connection ended after "
                                  << std::chrono::duration<double>(ended_after).count() << " s: "
                                  << (ended ? ended->message() : "") << " (close code " << ws.reason().code
                                  << "), " << pings.size() << " ping(s) answered";
  EXPECT_EQ(peer_status(node.port(), room, peer.id), "connected");
}

}  // namespace
}  // namespace shoal::test
