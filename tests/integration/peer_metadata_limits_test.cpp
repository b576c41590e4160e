// Peer and track metadata are repeated to every peer of a room, so their size is capped (the
// sender gets an `error` media event) and a peer's updates are rate-limited: updates beyond the
// rate are coalesced, and the others still end up with the latest value. Real binary, real
// sockets.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

constexpr std::size_t kLimit = 16 * 1024;

json connect_event(const json& metadata) { return {{"type", "connect"}, {"data", {{"metadata", metadata}}}}; }
json update_metadata_event(const json& metadata) {
  return {{"type", "updateEndpointMetadata"}, {"data", {{"metadata", metadata}}}};
}
json error_event(const std::string& message) { return {{"type", "error"}, {"data", {{"message", message}}}}; }
// A JSON string whose serialized form (with its quotes) is `bytes` long.
json string_of_size(std::size_t bytes) { return std::string(bytes - 2, 'x'); }

std::unique_ptr<WsClient> join(std::uint16_t port, const CreatedPeer& peer, const json& metadata) {
  auto client = connect_peer(port, peer.token);
  client->send_binary(media_event(connect_event(metadata)));
  auto event = next_event(*client);
  EXPECT_EQ(event.value("type", ""), "connected") << event.dump();
  return client;
}

TEST(PeerMetadataLimits, OversizedMetadataIsRefusedWithAnErrorAndReachesNobody) {
  ShoalProcess node;
  auto room = create_room(node.port());
  auto a = create_peer(node.port(), room);
  auto b = create_peer(node.port(), room);
  auto socket_a = join(node.port(), a, "a");
  EXPECT_EQ(refused_total(node.metrics_port(), "oversized_metadata"), 0.0);

  // Exactly at the limit is accepted.
  auto socket_b = connect_peer(node.port(), b.token);
  const json at_limit = string_of_size(kLimit);
  const json over_limit = string_of_size(kLimit + 1);
  socket_b->send_binary(media_event(connect_event(over_limit)));
  EXPECT_EQ(next_event(*socket_b),
            error_event("endpoint metadata is 16385 bytes; the limit is 16384 bytes"));
  // B did not join: A's next event is B's endpointAdded for the connect that follows.
  socket_b->send_binary(media_event(connect_event(at_limit)));
  EXPECT_EQ(next_event(*socket_b).value("type", ""), "connected");
  auto added = next_event(*socket_a);
  EXPECT_EQ(added.value("type", ""), "endpointAdded");
  EXPECT_EQ(added["data"]["metadata"], at_limit);

  // An oversized update is refused too; the metadata stays what it was.
  socket_b->send_binary(media_event(update_metadata_event(json{{"big", string_of_size(kLimit)}})));
  auto refused = next_event(*socket_b);
  EXPECT_EQ(refused.value("type", ""), "error") << refused.dump();
  EXPECT_NE(refused["data"].value("message", "").find("endpoint metadata is"), std::string::npos);
  socket_b->send_binary(media_event(update_metadata_event("small")));
  EXPECT_EQ(next_event(*socket_a), json({{"type", "endpointUpdated"}, {"data", {{"id", b.id}, {"metadata", "small"}}}}));

  // Track metadata in an sdpOffer: the offer is refused before its SDP is looked at.
  const json offer = {{"type", "custom"},
                      {"data",
                       {{"type", "sdpOffer"},
                        {"data",
                         {{"sdpOffer", {{"type", "offer"}, {"sdp", "v=0\r\n"}}},
                          {"trackIdToTrackMetadata", {{"track-1", over_limit}}},
                          {"midToTrackId", {{"0", "track-1"}}}}}}}};
  socket_b->send_binary(media_event(offer));
  EXPECT_EQ(next_event_of_type(*socket_b, "error"),
            error_event("track metadata is 16385 bytes; the limit is 16384 bytes"));

  EXPECT_EQ(refused_total(node.metrics_port(), "oversized_metadata"), 3.0);
  EXPECT_TRUE(node.running()) << node.output();
}

TEST(PeerMetadataLimits, UpdatesBeyondTheRateAreCoalescedAndTheLatestArrives) {
  ShoalProcess node;
  auto room = create_room(node.port());
  auto a = create_peer(node.port(), room);
  auto b = create_peer(node.port(), room);
  auto socket_a = join(node.port(), a, "a");
  auto socket_b = join(node.port(), b, json{{"n", -1}});
  ASSERT_EQ(next_event(*socket_a).value("type", ""), "endpointAdded");

  // 200 updates at once: a burst of 10 goes out, the rest collapse into the latest value.
  constexpr int kUpdates = 200;
  for (int n = 0; n < kUpdates; ++n) socket_b->send_binary(media_event(update_metadata_event(json{{"n", n}})));

  int received = 0;
  int last = -1;
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (last != kUpdates - 1 && std::chrono::steady_clock::now() < deadline) {
    auto event = next_event(*socket_a, 5s);
    ASSERT_EQ(event.value("type", ""), "endpointUpdated") << event.dump();
    ASSERT_EQ(event["data"].value("id", ""), b.id);
    const int n = event["data"]["metadata"].value("n", -2);
    EXPECT_GT(n, last) << "updates arrive in order";
    last = n;
    ++received;
  }
  EXPECT_EQ(last, kUpdates - 1) << "the latest update arrives";
  EXPECT_LE(received, 15) << "updates beyond the burst are coalesced, not all forwarded";
  EXPECT_GE(received, 10) << "the burst goes out at once";
}

}  // namespace
}  // namespace shoal::test
