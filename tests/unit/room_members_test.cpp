// A room spread over two members (two Room objects of the same room), in process: the endpoints
// and tracks of one member's peers reach the other member's peers as if they were local, and the
// tracks cross as mirrors that the other member's negotiation subscribes its peers to.
#include "chrome_offer.hpp"
#include "loop_thread.hpp"
#include "result_access.hpp"
#include "room/loop_members.hpp"
#include "room/room.hpp"
#include "rtc/dtls/dtls_certificate.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace shoal::room {
namespace {

using nlohmann::json;

struct RecordingChannel : PeerChannel {
  std::vector<json> events;
  void send_media_event(std::string text) override { events.push_back(json::parse(text)); }
  void close(std::string) override {}

  std::vector<json> of_type(std::string_view type) const {
    std::vector<json> out;
    for (const auto& event : events) {
      if (event.value("type", "") == type) out.push_back(event);
      if (event.value("type", "") == "custom" && event["data"].value("type", "") == type) out.push_back(event["data"]);
    }
    return out;
  }
};

struct NoPublisher final : media::PublisherLink {
  bool feedback_ready() const override { return true; }
  void send_feedback(std::span<std::uint8_t>, std::size_t) override {}
};

// Settings of one member: real transports on loopback, so negotiation can answer offers.
RoomSettings member_settings(notifications::NotificationBus& bus, RoomMembers& members) {
  RoomSettings s{true, &bus};
  s.transport.listen_ip = boost::asio::ip::make_address("127.0.0.1");
  s.transport.advertised_ip = s.transport.listen_ip;
  s.transport.turn_port_range = {50000, 59999};
  s.transport.certificate = rtc::dtls::DtlsCertificate::process_certificate();
  s.members = &members;
  return s;
}

// The client's sdpOffer after offerData, publishing one video track.
std::string video_offer(const std::string& track_id, const json& metadata) {
  namespace chrome = test::chrome;
  const std::string sdp = chrome::chrome_offer({"0"}, {chrome::chrome_video("0", "sendonly", chrome::with_ssrcs(1111, 2222))});
  return json{{"type", "custom"},
              {"data",
               {{"type", "sdpOffer"},
                {"data",
                 {{"sdpOffer", {{"type", "offer"}, {"sdp", sdp}}},
                  {"midToTrackId", {{"0", track_id}}},
                  {"trackIdToTrackMetadata", {{track_id, metadata}}}}}}}}
      .dump();
}

// The one event of `type` the peer got; fails the test unless there is exactly one.
json only(const RecordingChannel& channel, std::string_view type) {
  auto events = channel.of_type(type);
  if (events.size() != 1) {
    ADD_FAILURE() << events.size() << " events of type " << type;
    return json::object({{"data", json::object()}});
  }
  return events.front();
}

// One member's view of the other: events are posted to the other member's loop turn, as they
// would be from another loop; tracks are recorded rather than relayed (no media here).
struct LinkedMembers final : RoomMembers {
  boost::asio::io_context& loop;
  Room* other = nullptr;
  std::map<std::string, const media::Producer*> exported;  // by track id
  std::map<std::string, media::Producer*> imported;
  std::vector<std::string> released;
  std::map<std::string, std::unique_ptr<NoPublisher>> links;
  std::uint32_t next_key = 1;

  explicit LinkedMembers(boost::asio::io_context& l) : loop(l) {}
  void attach(Room&, media::Router&) override {}
  void detach(Room&) override {}
  void broadcast(MemberEvent event) override {
    boost::asio::post(loop, [this, event = std::move(event)]() mutable {
      if (other != nullptr) other->apply_member_event(std::move(event));
    });
  }
  std::uint32_t export_track(media::Producer& track) override {
    exported[track.id()] = &track;
    return next_key++;
  }
  void unexport_track(const media::Producer& track) override { exported.erase(track.id()); }
  media::PublisherLink& import_link(const TrackPublished& track) override {
    auto& link = links[track.description.id];
    if (!link) link = std::make_unique<NoPublisher>();
    return *link;
  }
  void import_track(const TrackPublished& track, media::Producer& mirror) override {
    imported[track.description.id] = &mirror;
  }
  void release_track(const std::string& track_id) override {
    if (imported.erase(track_id) > 0) released.push_back(track_id);
  }
};

class RoomMembersTest : public ::testing::Test {
 protected:
  RoomMembersTest() : members_a(loop), members_b(loop) {
    a = std::make_unique<Room>("room-1", RoomConfig{}, loop, member_settings(bus, members_a));
    b = std::make_unique<Room>("room-1", RoomConfig{}, loop, member_settings(bus, members_b));
    members_a.other = b.get();
    members_b.other = a.get();
  }
  ~RoomMembersTest() override {
    members_a.other = nullptr;
    members_b.other = nullptr;
    a.reset();
    b.reset();
    settle();
  }

  // Runs what the members posted to each other until nothing is left.
  void settle() {
    loop.restart();
    loop.poll();
  }

  // A peer of `room` whose endpoint is ready (it sent `connect`).
  std::shared_ptr<RecordingChannel> join(Room& room, std::string& id, const json& metadata) {
    id = test::value_of(room.add_peer(PeerOptions{})).id;
    auto channel = std::make_shared<RecordingChannel>();
    EXPECT_TRUE(room.connect_peer(id, channel).has_value());
    room.handle_media_event(id, channel.get(), json{{"type", "connect"}, {"data", {{"metadata", metadata}}}}.dump());
    settle();
    return channel;
  }

  boost::asio::io_context loop;
  notifications::NotificationBus bus;
  LinkedMembers members_a, members_b;
  std::unique_ptr<Room> a, b;
};

TEST_F(RoomMembersTest, EndpointsOfTheOtherMemberAreTheRoomsEndpointsForThePeersHere) {
  std::string alice, bob;
  auto alice_channel = join(*a, alice, {{"name", "alice"}});
  auto bob_channel = join(*b, bob, {{"name", "bob"}});
  // Bob joined after alice: his `connected` lists her; she is told he was added.
  auto connected = only(*bob_channel, "connected");
  ASSERT_EQ(connected["data"]["otherEndpoints"].size(), 1u);
  EXPECT_EQ(connected["data"]["otherEndpoints"][0]["id"], alice);
  EXPECT_EQ(connected["data"]["otherEndpoints"][0]["metadata"], json({{"name", "alice"}}));
  auto added = only(*alice_channel, "endpointAdded");
  EXPECT_EQ(added["data"]["id"], bob);

  // Metadata updates cross too.
  b->handle_media_event(bob, bob_channel.get(),
                        json{{"type", "updateEndpointMetadata"}, {"data", {{"metadata", {{"name", "robert"}}}}}}.dump());
  settle();
  auto updated = only(*alice_channel, "endpointUpdated");
  EXPECT_EQ(updated["data"]["metadata"], json({{"name", "robert"}}));

  // Bob leaves: alice is told, once.
  ASSERT_TRUE(b->remove_peer(bob).has_value());
  settle();
  auto removed = only(*alice_channel, "endpointRemoved");
  EXPECT_EQ(removed["data"]["id"], bob);
  // A repeated or unknown departure changes nothing.
  a->apply_member_event(EndpointLeft{bob});
  a->apply_member_event(EndpointLeft{"nobody"});
  EXPECT_EQ(alice_channel->of_type("endpointRemoved").size(), 1u);
}

TEST_F(RoomMembersTest, ATrackPublishedOnOneMemberIsMirroredOnTheOtherAndGoesWhenUnpublished) {
  std::string alice, bob;
  auto alice_channel = join(*a, alice, {{"name", "alice"}});
  auto bob_channel = join(*b, bob, {{"name", "bob"}});
  a->handle_media_event(alice, alice_channel.get(), video_offer("alice-camera", {{"source", "camera"}}));
  settle();
  ASSERT_EQ(alice_channel->of_type("sdpAnswer").size(), 1u);

  // Exported once on alice's member, mirrored on bob's with its description and metadata.
  ASSERT_TRUE(members_a.exported.contains("alice-camera"));
  ASSERT_TRUE(members_b.imported.contains("alice-camera"));
  const media::Producer& mirror = *members_b.imported.at("alice-camera");
  EXPECT_EQ(mirror.owner_id(), alice);
  EXPECT_TRUE(mirror.is_video());
  EXPECT_EQ(mirror.description().codec_name, "VP8");
  EXPECT_EQ(mirror.metadata(), json({{"source", "camera"}}));
  // Bob is told as for a local track, and a negotiation round offers him a place to receive it.
  auto tracks_added = only(*bob_channel, "tracksAdded");
  EXPECT_EQ(tracks_added["data"]["endpointId"], alice);
  EXPECT_TRUE(tracks_added["data"]["tracks"].contains("alice-camera"));
  auto offer_data = only(*bob_channel, "offerData");
  EXPECT_EQ(offer_data["data"]["tracksTypes"]["video"], 1);

  // A peer joining bob's member later hears of the track with the endpoint.
  std::string carol;
  auto carol_channel = join(*b, carol, {{"name", "carol"}});
  auto carol_tracks = only(*carol_channel, "tracksAdded");
  EXPECT_EQ(carol_tracks["data"]["endpointId"], alice);

  // Track metadata follows.
  a->handle_media_event(
      alice, alice_channel.get(),
      json{{"type", "updateTrackMetadata"}, {"data", {{"trackId", "alice-camera"}, {"trackMetadata", {{"source", "screen"}}}}}}
          .dump());
  settle();
  auto track_updated = only(*bob_channel, "trackUpdated");
  EXPECT_EQ(track_updated["data"]["metadata"], json({{"source", "screen"}}));

  // Alice leaves: the mirror is released and bob's peers see the track and the endpoint go.
  ASSERT_TRUE(a->remove_peer(alice).has_value());
  settle();
  EXPECT_FALSE(members_a.exported.contains("alice-camera"));
  EXPECT_EQ(members_b.released, std::vector<std::string>{"alice-camera"});
  EXPECT_EQ(bob_channel->of_type("endpointRemoved").size(), 1u);
  EXPECT_EQ(carol_channel->of_type("endpointRemoved").size(), 1u);
}

// A member that closes (or crashes) takes only its own peers: the others see them and their
// tracks go, and go on.
TEST_F(RoomMembersTest, AMemberThatClosesTakesOnlyItsOwnPeersWithIt) {
  std::string alice, bob;
  auto alice_channel = join(*a, alice, {{"name", "alice"}});
  auto bob_channel = join(*b, bob, {{"name", "bob"}});
  a->handle_media_event(alice, alice_channel.get(), video_offer("alice-camera", nullptr));
  settle();
  ASSERT_TRUE(members_b.imported.contains("alice-camera"));
  a->close();
  settle();
  EXPECT_EQ(only(*bob_channel, "endpointRemoved")["data"]["id"], alice);
  EXPECT_EQ(members_b.released, std::vector<std::string>{"alice-camera"});
  EXPECT_FALSE(b->closed());
  // Bob's member goes on: a peer joining it sees bob only.
  std::string carol;
  auto carol_channel = join(*b, carol, {{"name", "carol"}});
  auto others = only(*carol_channel, "connected")["data"]["otherEndpoints"];
  ASSERT_EQ(others.size(), 1u);
  EXPECT_EQ(others[0]["id"], bob);
}

TEST_F(RoomMembersTest, EventsAboutUnknownEndpointsOrClashingTracksChangeNothing) {
  std::string bob;
  auto bob_channel = join(*b, bob, {{"name", "bob"}});
  const std::size_t before = bob_channel->events.size();
  media::TrackDescription orphan;
  orphan.id = "orphan";
  orphan.owner_id = "nobody";
  orphan.codec_name = "opus";
  b->apply_member_event(TrackPublished{orphan, nullptr, 1, 0});
  b->apply_member_event(EndpointUpdated{"nobody", {{"x", 1}}});
  b->apply_member_event(TracksUnpublished{"nobody", {"orphan"}});
  b->apply_member_event(TrackUpdated{"nobody", "orphan", {{"x", 1}}});
  // An endpoint id that is a peer here already is not a second endpoint.
  b->apply_member_event(EndpointJoined{bob, {{"name", "impostor"}}});
  settle();
  EXPECT_EQ(bob_channel->events.size(), before);
  EXPECT_TRUE(members_b.imported.empty());
}

// The same with each member on its own event loop thread, joined by LoopMembers: events posted
// between the loops, each track exported once and imported through the relay from its member.
TEST(LoopMembers, TwoMembersOnTwoLoopsSeeEachOthersEndpointsAndTracks) {
  using namespace std::chrono_literals;
  testing::LoopThread loop_a, loop_b;
  notifications::NotificationBus bus;
  auto members_a = LoopMembers::create(loop_a.loop());
  auto members_b = LoopMembers::create(loop_b.loop());
  LoopMembers::connect(members_a, members_b);
  std::unique_ptr<Room> a, b;
  ASSERT_TRUE(loop_a.run([&] { a = std::make_unique<Room>("room-1", RoomConfig{}, loop_a.loop(), member_settings(bus, *members_a)); }));
  ASSERT_TRUE(loop_b.run([&] { b = std::make_unique<Room>("room-1", RoomConfig{}, loop_b.loop(), member_settings(bus, *members_b)); }));
  ASSERT_EQ(loop_a.run([&] { return members_a->members(); }), 2u);

  auto join = [](testing::LoopThread& thread, Room& room, const std::string& name) {
    auto channel = std::make_shared<RecordingChannel>();
    auto id = thread.run([&] {
      auto added = test::value_of(room.add_peer(PeerOptions{})).id;
      EXPECT_TRUE(room.connect_peer(added, channel).has_value());
      room.handle_media_event(added, channel.get(),
                              json{{"type", "connect"}, {"data", {{"metadata", {{"name", name}}}}}}.dump());
      return added;
    });
    return std::make_pair(id.value_or(""), channel);
  };
  auto [alice, alice_channel] = join(loop_a, *a, "alice");
  auto [bob, bob_channel] = join(loop_b, *b, "bob");
  auto count = [](testing::LoopThread& thread, RecordingChannel& channel, std::string_view type) {
    return thread.run([&] { return channel.of_type(type).size(); }).value_or(0);
  };
  ASSERT_TRUE(testing::wait_until([&] { return count(loop_a, *alice_channel, "endpointAdded") == 1; }, 5s));

  // Alice publishes on her member's loop; bob's member mirrors the track from hers.
  ASSERT_TRUE(loop_a.run([&] { a->handle_media_event(alice, alice_channel.get(), video_offer("cam", nullptr)); }));
  ASSERT_TRUE(testing::wait_until([&] { return count(loop_b, *bob_channel, "tracksAdded") == 1; }, 5s));
  EXPECT_EQ(loop_a.run([&] { return members_a->exported_tracks(); }), 1u);
  EXPECT_EQ(loop_b.run([&] { return members_b->imported_tracks(); }), 1u);
  EXPECT_EQ(count(loop_b, *bob_channel, "offerData"), 1u);

  // Alice leaves: the mirror goes, bob sees her leave.
  ASSERT_TRUE(loop_a.run([&] { EXPECT_TRUE(a->remove_peer(alice).has_value()); }));
  ASSERT_TRUE(testing::wait_until([&] { return count(loop_b, *bob_channel, "endpointRemoved") == 1; }, 5s));
  EXPECT_EQ(loop_b.run([&] { return members_b->imported_tracks(); }), 0u);
  EXPECT_EQ(loop_a.run([&] { return members_a->exported_tracks(); }), 0u);

  ASSERT_TRUE(loop_a.run([&] { a.reset(); }));
  ASSERT_TRUE(loop_b.run([&] { b.reset(); }));
}

// A member joining a room in progress (as when a room spills onto another loop) is sent what
// the room already has: its peers learn of the endpoints and tracks published before.
TEST(LoopMembers, AMemberJoiningARoomInProgressLearnsItsEndpointsAndTracks) {
  using namespace std::chrono_literals;
  testing::LoopThread loop_a, loop_b;
  notifications::NotificationBus bus;
  auto members_a = LoopMembers::create(loop_a.loop());
  std::unique_ptr<Room> a, b;
  ASSERT_TRUE(loop_a.run([&] { a = std::make_unique<Room>("room-1", RoomConfig{}, loop_a.loop(), member_settings(bus, *members_a)); }));
  auto alice_channel = std::make_shared<RecordingChannel>();
  auto alice = loop_a.run([&] {
    auto id = test::value_of(a->add_peer(PeerOptions{})).id;
    EXPECT_TRUE(a->connect_peer(id, alice_channel).has_value());
    a->handle_media_event(id, alice_channel.get(), json{{"type", "connect"}, {"data", {{"metadata", nullptr}}}}.dump());
    a->handle_media_event(id, alice_channel.get(), video_offer("cam", nullptr));
    return id;
  });
  ASSERT_TRUE(alice);

  // The second member appears later, its room first, then the link.
  auto members_b = LoopMembers::create(loop_b.loop());
  ASSERT_TRUE(loop_b.run([&] { b = std::make_unique<Room>("room-1", RoomConfig{}, loop_b.loop(), member_settings(bus, *members_b)); }));
  LoopMembers::connect(members_a, members_b);
  auto bob_channel = std::make_shared<RecordingChannel>();
  ASSERT_TRUE(testing::wait_until([&] { return loop_b.run([&] { return members_b->imported_tracks(); }) == 1u; }, 5s));
  ASSERT_TRUE(loop_b.run([&] {
    auto id = test::value_of(b->add_peer(PeerOptions{})).id;
    EXPECT_TRUE(b->connect_peer(id, bob_channel).has_value());
    b->handle_media_event(id, bob_channel.get(), json{{"type", "connect"}, {"data", {{"metadata", nullptr}}}}.dump());
  }));
  auto got = loop_b.run([&] {
    auto connected = only(*bob_channel, "connected");
    auto tracks = only(*bob_channel, "tracksAdded");
    return std::make_pair(connected["data"]["otherEndpoints"], tracks["data"]);
  });
  ASSERT_TRUE(got);
  ASSERT_EQ(got->first.size(), 1u);
  EXPECT_EQ(got->first[0]["id"], *alice);
  EXPECT_EQ(got->second["endpointId"], *alice);
  EXPECT_TRUE(got->second["tracks"].contains("cam"));
  // Told twice (on link and on attach), the member has the endpoint and the track once.
  EXPECT_EQ(loop_b.run([&] { return members_b->imported_tracks(); }), 1u);
  EXPECT_EQ(loop_a.run([&] { return members_a->exported_tracks(); }), 1u);

  ASSERT_TRUE(loop_a.run([&] { a.reset(); }));
  ASSERT_TRUE(loop_b.run([&] { b.reset(); }));
}

}  // namespace
}  // namespace shoal::room
