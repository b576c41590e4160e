// End-to-end smoke test of a development node: the path a new user takes first.
#include "harness.hpp"

#include <gtest/gtest.h>

namespace shoal::test {

TEST(Smoke, DevNodeServesRoomsPeersAndPeerSocket) {
  ShoalProcess shoal;
  auto room_id = create_room(shoal.port(), {{"maxPeers", 2}});
  auto listing = api(shoal.port(), "GET", "/room");
  ASSERT_EQ(listing.status, 200);
  ASSERT_EQ(listing.json_body()["data"].size(), 1u);

  auto peer = create_peer(shoal.port(), room_id);
  auto socket = connect_peer(shoal.port(), peer.token);
  auto room = api(shoal.port(), "GET", "/room/" + room_id).json_body();
  EXPECT_EQ(room["data"]["peers"][0]["status"], "connected");

  socket->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", {{"name", "a"}}}}}}));
  auto frame = socket->read();
  ASSERT_TRUE(frame.has_value());
  auto event = json::parse(decode_media_event(*frame).value_or("{}"));
  EXPECT_EQ(event["type"], "connected");
  EXPECT_EQ(event["data"]["id"], peer.id);

  EXPECT_EQ(shoal.terminate(), 0);
}

}  // namespace shoal::test
