#include "room/room.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

namespace shoal::room {
namespace {

using nlohmann::json;

struct RecordingChannel : PeerChannel {
  std::vector<json> events;
  std::optional<std::string> closed_with;
  void send_media_event(std::string text) override { events.push_back(json::parse(text)); }
  void close(std::string reason) override { closed_with = std::move(reason); }
};

struct RoomTest : ::testing::Test {
  boost::asio::io_context loop;
  notifications::NotificationBus bus;
  Room make(RoomConfig config = {}, bool webrtc = true) {
    return Room("room-1", config, loop, RoomSettings{webrtc, &bus});
  }
  static std::string add(Room& room) { return test::value_of(room.add_peer(PeerOptions{})).id; }
  static json snapshot(const Room& room) { return json::parse(*room.snapshot()); }
  static std::string connect_event(const json& metadata) {
    return json{{"type", "connect"}, {"data", {{"metadata", metadata}}}}.dump();
  }
};

TEST_F(RoomTest, SnapshotHasTheRestShape) {
  Room room = make({7, VideoCodec::VP8});
  EXPECT_EQ(snapshot(room), json::parse(R"({"id":"room-1","config":{"maxPeers":7,"videoCodec":"vp8"},
                                             "components":[],"peers":[]})"));
  Room open = make();
  EXPECT_EQ(snapshot(open)["config"], json::parse(R"({"maxPeers":null,"videoCodec":null})"));
}

TEST_F(RoomTest, PeerLimitCountsDisconnectedPeersAndZeroRefusesAll) {
  Room zero = make({0, VideoCodec::Unrestricted});
  EXPECT_EQ(test::error_of(zero.add_peer(PeerOptions{})), RoomError::PeerLimitReached);
  Room two = make({2, VideoCodec::Unrestricted});
  add(two);
  add(two);
  EXPECT_EQ(test::error_of(two.add_peer(PeerOptions{})), RoomError::PeerLimitReached);
  EXPECT_EQ(two.peer_count(), 2u);
}

TEST_F(RoomTest, LimitIsCheckedBeforeOptionsAndWebrtcSwitch) {
  Room full = make({0, VideoCodec::Unrestricted}, false);
  EXPECT_EQ(test::error_of(full.add_peer(std::nullopt)), RoomError::PeerLimitReached);
  Room disabled = make({}, false);
  EXPECT_EQ(test::error_of(disabled.add_peer(PeerOptions{})), RoomError::WebrtcDisabled);
  EXPECT_EQ(disabled.peer_count(), 0u);
  Room room = make();
  EXPECT_EQ(test::error_of(room.add_peer(std::nullopt)), RoomError::InvalidOptions);
}

TEST_F(RoomTest, ConnectingAndDisconnectingMovesStatus) {
  Room room = make();
  auto id = add(room);
  auto channel = std::make_shared<RecordingChannel>();
  EXPECT_TRUE(room.connect_peer(id, channel).has_value());
  EXPECT_EQ(snapshot(room)["peers"][0]["status"], "connected");
  EXPECT_EQ(test::error_of(room.connect_peer(id, std::make_shared<RecordingChannel>())), RoomError::PeerAlreadyConnected);
  EXPECT_EQ(test::error_of(room.connect_peer("nobody", channel)), RoomError::PeerNotFound);
  room.peer_socket_closed(id, channel.get());
  EXPECT_EQ(snapshot(room)["peers"][0]["status"], "disconnected");
  EXPECT_TRUE(room.connect_peer(id, channel).has_value());  // reconnect with the same token
}

TEST_F(RoomTest, SignallingEndpointsSeeEachOther) {
  Room room = make();
  auto a = add(room), b = add(room);
  auto ca = std::make_shared<RecordingChannel>(), cb = std::make_shared<RecordingChannel>();
  ASSERT_TRUE(room.connect_peer(a, ca).has_value());
  ASSERT_TRUE(room.connect_peer(b, cb).has_value());
  room.handle_media_event(a, ca.get(), connect_event({{"name", "a"}}));
  ASSERT_EQ(ca->events.size(), 1u);
  EXPECT_EQ(ca->events[0]["type"], "connected");
  EXPECT_TRUE(ca->events[0]["data"]["otherEndpoints"].empty());

  room.handle_media_event(b, cb.get(), connect_event({{"name", "b"}}));
  ASSERT_EQ(cb->events.size(), 1u);
  EXPECT_EQ(cb->events[0]["data"]["otherEndpoints"][0]["id"], a);
  EXPECT_EQ(cb->events[0]["data"]["otherEndpoints"][0]["metadata"]["name"], "a");
  ASSERT_EQ(ca->events.size(), 2u);
  EXPECT_EQ(ca->events[1], json({{"type", "endpointAdded"}, {"data", {{"id", b}, {"type", "webrtc"}, {"metadata", {{"name", "b"}}}}}}));

  // A repeated connect is ignored; metadata updates go to everyone, sender included.
  room.handle_media_event(b, cb.get(), connect_event(nullptr));
  EXPECT_EQ(cb->events.size(), 1u);
  room.handle_media_event(a, ca.get(), R"({"type":"updateEndpointMetadata","data":{"metadata":{"name":"A"}}})");
  EXPECT_EQ(ca->events.back()["type"], "endpointUpdated");
  EXPECT_EQ(cb->events.back(), json({{"type", "endpointUpdated"}, {"data", {{"id", a}, {"metadata", {{"name", "A"}}}}}}));
  auto before = cb->events.size();
  room.handle_media_event(a, ca.get(), R"({"type":"updateEndpointMetadata","data":{"metadata":{"name":"A"}}})");
  EXPECT_EQ(cb->events.size(), before);  // unchanged metadata: no event

  room.peer_socket_closed(a, ca.get());
  EXPECT_EQ(cb->events.back(), json({{"type", "endpointRemoved"}, {"data", {{"id", a}}}}));
}

TEST_F(RoomTest, BadMediaEventsAndStaleSocketsChangeNothing) {
  Room room = make();
  auto a = add(room);
  auto ca = std::make_shared<RecordingChannel>();
  ASSERT_TRUE(room.connect_peer(a, ca).has_value());
  for (const char* bad : {"", "{", R"({"type":"what"})", R"({"type":"connect","data":{}})"}) {
    room.handle_media_event(a, ca.get(), bad);
  }
  EXPECT_TRUE(ca->events.empty());
  RecordingChannel stale;
  room.handle_media_event(a, &stale, connect_event(nullptr));
  room.peer_socket_closed(a, &stale);
  EXPECT_TRUE(ca->events.empty());
  EXPECT_EQ(snapshot(room)["peers"][0]["status"], "connected");
}

TEST_F(RoomTest, RemovingAPeerClosesItsSocketAndTellsOthers) {
  Room room = make();
  auto a = add(room), b = add(room);
  auto ca = std::make_shared<RecordingChannel>(), cb = std::make_shared<RecordingChannel>();
  ASSERT_TRUE(room.connect_peer(a, ca).has_value());
  ASSERT_TRUE(room.connect_peer(b, cb).has_value());
  room.handle_media_event(a, ca.get(), connect_event(nullptr));
  room.handle_media_event(b, cb.get(), connect_event(nullptr));
  EXPECT_TRUE(room.remove_peer(a).has_value());
  EXPECT_EQ(ca->closed_with, "");
  EXPECT_EQ(cb->events.back()["type"], "endpointRemoved");
  EXPECT_EQ(test::error_of(room.remove_peer(a)), RoomError::PeerNotFound);
  EXPECT_EQ(snapshot(room)["peers"].size(), 1u);
}

TEST_F(RoomTest, ClosingTheRoomClosesEverySocketAndRefusesLaterCalls) {
  Room room = make();
  auto a = add(room);
  auto ca = std::make_shared<RecordingChannel>();
  ASSERT_TRUE(room.connect_peer(a, ca).has_value());
  room.close();
  EXPECT_EQ(ca->closed_with, "");
  EXPECT_EQ(test::error_of(room.add_peer(PeerOptions{})), RoomError::RoomNotFound);
  EXPECT_EQ(test::error_of(room.connect_peer(a, ca)), RoomError::RoomNotFound);
}

TEST_F(RoomTest, ComponentChecksFollowTheOriginalOrder) {
  Room any = make();
  EXPECT_EQ(test::error_of(any.add_component(ComponentType::Hls, ComponentOptions{})),
            RoomError::IncompatibleCodec);  // HLS needs an explicit h264 room
  Room vp8 = make({std::nullopt, VideoCodec::VP8});
  EXPECT_EQ(test::error_of(vp8.add_component(ComponentType::Rtsp, std::nullopt)),
            RoomError::IncompatibleCodec);
  Room h264 = make({std::nullopt, VideoCodec::H264});
  EXPECT_EQ(test::error_of(h264.add_component(ComponentType::Rtsp, std::nullopt)),
            RoomError::InvalidOptions);
  ComponentOptions tls{ComponentType::Rtsp};
  tls.source_uri = "rtsps://camera/stream";
  EXPECT_EQ(test::error_of(h264.add_component(ComponentType::Rtsp, tls)), RoomError::TlsSourceUnsupported);
  EXPECT_EQ(test::error_of(h264.remove_component("nope")), RoomError::ComponentNotFound);
}

TEST_F(RoomTest, RtspComponentWithAnUnusableUriIsAddedThenCrashes) {
  // As the original: the options only require a string; the endpoint then fails on it.
  std::vector<notifications::ServerEvent> events;
  bus.subscribe([&](const notifications::ServerEvent& e) { events.push_back(e); });
  Room room = make();
  ComponentOptions options{ComponentType::Rtsp};
  options.source_uri = "http://camera/stream";
  const auto added = test::value_of(room.add_component(ComponentType::Rtsp, options));
  EXPECT_EQ(json::parse(added.json), (json{{"id", added.id}, {"type", "rtsp"}, {"metadata", json::object()}}));
  EXPECT_TRUE(events.empty());
  loop.run();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, notifications::ServerEventKind::ComponentCrashed);
  EXPECT_EQ(snapshot(room)["components"].size(), 1u);  // still listed, as a crashed HLS one
  EXPECT_TRUE(room.remove_component(added.id).has_value());
}

}  // namespace
}  // namespace shoal::room
