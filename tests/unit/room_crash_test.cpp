// Fault isolation in a room: a fault while handling one peer's input crashes that peer's
// endpoint only; a fault in room-wide handling crashes the room. Faults are injected through
// the one dependency a room calls out to, its peers' signalling channels.
#include "room/room.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

namespace shoal::room {
namespace {

using nlohmann::json;
using notifications::ServerEventKind;

// A channel that accepts `sends_before_fault` events, then throws on every further one.
struct FaultyChannel : PeerChannel {
  explicit FaultyChannel(int sends_before_fault = 1 << 30) : remaining(sends_before_fault) {}
  int remaining;
  std::vector<json> events;
  std::optional<std::string> closed_with;
  void send_media_event(std::string text) override {
    if (remaining-- <= 0) throw std::runtime_error("injected fault");
    events.push_back(json::parse(text));
  }
  void close(std::string reason) override { closed_with = std::move(reason); }
};

struct RoomCrashTest : ::testing::Test {
  boost::asio::io_context loop;
  notifications::NotificationBus bus;
  std::vector<notifications::ServerEvent> events;
  std::vector<std::string> forgotten;
  RoomCrashTest() {
    bus.subscribe([this](const notifications::ServerEvent& e) { events.push_back(e); });
  }
  std::unique_ptr<Room> make() {
    RoomSettings settings{true, &bus};
    settings.on_crashed = [this](const std::string& id) { forgotten.push_back(id); };
    return std::make_unique<Room>("room-1", RoomConfig{}, loop, std::move(settings));
  }
  static std::string add(Room& room) { return test::value_of(room.add_peer(PeerOptions{})).id; }
  static std::string connect_event() { return R"({"type":"connect","data":{"metadata":{}}})"; }
  std::vector<ServerEventKind> kinds() const {
    std::vector<ServerEventKind> out;
    for (const auto& e : events) out.push_back(e.kind);
    return out;
  }
};

TEST_F(RoomCrashTest, AFaultInOnePeersHandlingCrashesOnlyThatPeer) {
  auto room = make();
  const auto good = add(*room), bad = add(*room);
  auto good_channel = std::make_shared<FaultyChannel>();
  auto bad_channel = std::make_shared<FaultyChannel>(0);  // its first event (connected) throws
  ASSERT_TRUE(room->connect_peer(good, good_channel).has_value());
  ASSERT_TRUE(room->connect_peer(bad, bad_channel).has_value());
  room->handle_media_event(good, good_channel.get(), connect_event());

  room->handle_media_event(bad, bad_channel.get(), connect_event());  // must not throw
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, ServerEventKind::PeerCrashed);
  EXPECT_EQ(events[0].room_id, "room-1");
  EXPECT_EQ(events[0].subject_id, bad);
  EXPECT_EQ(bad_channel->closed_with, "");  // closed with 1000 and no reason, as removal
  EXPECT_FALSE(good_channel->closed_with);
  // The good peer never heard of the crashed one (it crashed before being announced), so it
  // gets no endpointRemoved for it either.
  for (const auto& event : good_channel->events) EXPECT_NE(event["type"], "endpointRemoved") << event;

  // The crashed peer stays, disconnected; its events are no longer taken from that socket.
  const auto snapshot = json::parse(*room->snapshot());
  EXPECT_EQ(snapshot["peers"][1]["status"], "disconnected");
  room->handle_media_event(bad, bad_channel.get(), connect_event());
  EXPECT_EQ(events.size(), 1u);
  // The room and the other peer go on, and the crashed peer may connect again.
  auto third = add(*room);
  EXPECT_FALSE(room->closed());
  auto again = std::make_shared<FaultyChannel>();
  EXPECT_TRUE(room->connect_peer(bad, again).has_value());
  room->handle_media_event(bad, again.get(), connect_event());
  ASSERT_FALSE(again->events.empty());
  EXPECT_EQ(again->events[0]["type"], "connected");
  EXPECT_EQ(good_channel->events.back()["type"], "endpointAdded");
  loop.poll();
  EXPECT_TRUE(forgotten.empty());
  (void)third;
}

TEST_F(RoomCrashTest, AFaultInRoomWideHandlingCrashesTheRoomOnly) {
  auto room = make();
  auto other_room = make();
  const auto a = add(*room), b = add(*room);
  auto a_channel = std::make_shared<FaultyChannel>();
  auto b_channel = std::make_shared<FaultyChannel>(1);  // takes `connected`, throws afterwards
  ASSERT_TRUE(room->connect_peer(a, a_channel).has_value());
  ASSERT_TRUE(room->connect_peer(b, b_channel).has_value());
  room->handle_media_event(a, a_channel.get(), connect_event());
  room->handle_media_event(b, b_channel.get(), connect_event());
  ASSERT_TRUE(events.empty());

  // Removing A (a REST call) tells B, whose channel faults: the room crashes, the call does not.
  EXPECT_EQ(test::error_of(room->remove_peer(a)), RoomError::RoomNotFound);
  ASSERT_EQ(kinds(), std::vector<ServerEventKind>{ServerEventKind::RoomCrashed});
  EXPECT_EQ(events[0].room_id, "room-1");
  EXPECT_TRUE(room->closed());
  EXPECT_EQ(b_channel->closed_with, "");
  // Every later call answers as for a room that is gone.
  EXPECT_EQ(test::error_of(room->add_peer(PeerOptions{})), RoomError::RoomNotFound);
  EXPECT_EQ(test::error_of(room->connect_peer(a, a_channel)), RoomError::RoomNotFound);
  // The node forgets it on a later turn of the loop, not from inside the room.
  EXPECT_TRUE(forgotten.empty());
  loop.poll();
  EXPECT_EQ(forgotten, std::vector<std::string>{"room-1"});
  // Another room on the same loop is untouched.
  EXPECT_FALSE(other_room->closed());
  EXPECT_TRUE(other_room->add_peer(PeerOptions{}).has_value());
}

}  // namespace
}  // namespace shoal::room
