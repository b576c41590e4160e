// The WebRTC negotiation over the peer socket, against the real binary: offerData with the
// integrated TURN server, sdpOffer -> sdpAnswer + candidate, track publication to other peers,
// and the error paths where the original crashed the peer or the room (bad SDP, sendrecv
// m-lines, JF_WEBRTC_USED=false). Media itself is covered by the browser tests in tests/e2e.
#include "chrome_offer.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <regex>
#include <thread>
#include <string>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

json custom(const std::string& type, const json& data = json::object()) {
  return {{"type", "custom"}, {"data", {{"type", type}, {"data", data}}}};
}

// What Chrome offers for one microphone track.
std::string microphone_offer(const std::string& direction = "sendonly") {
  return chrome::chrome_offer({"0"}, {chrome::chrome_audio("0", direction, 1111)});
}

json sdp_offer(const std::string& sdp, const std::string& track_id) {
  json mids = json::object();
  json metadata = json::object();
  if (!track_id.empty()) {
    mids["0"] = track_id;
    metadata[track_id] = {{"type", "microphone"}};
  }
  return custom("sdpOffer", {{"sdpOffer", {{"type", "offer"}, {"sdp", sdp}}},
                             {"trackIdToTrackMetadata", metadata},
                             {"trackIdToTrackBitrates", json::object()},
                             {"midToTrackId", mids}});
}

std::unique_ptr<WsClient> join(std::uint16_t port, const CreatedPeer& peer) {
  auto client = connect_peer(port, peer.token);
  client->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", {{"name", peer.id}}}}}}));
  auto event = next_event(*client);
  if (event.value("type", "") != "connected") throw std::runtime_error("not connected: " + event.dump());
  return client;
}

class WebrtcNegotiation : public ::testing::Test {
 protected:
  ShoalProcess shoal{{{"JF_WEBRTC_TURN_PORT_RANGE", "41000-41099"}}};
};

TEST_F(WebrtcNegotiation, RenegotiateTracksIsAnsweredWithOfferDataAndAWorkingTurnServer) {
  auto room = create_room(shoal.port());
  auto peer = create_peer(shoal.port(), room);
  auto client = join(shoal.port(), peer);
  client->send_binary(media_event(custom("renegotiateTracks")));
  auto offer_data = next_event(*client);
  ASSERT_EQ(offer_data.value("type", ""), "custom") << offer_data.dump();
  const auto& inner = offer_data["data"];
  EXPECT_EQ(inner["type"], "offerData");
  EXPECT_EQ(inner["data"]["tracksTypes"], json({{"audio", 0}, {"video", 0}}));
  ASSERT_EQ(inner["data"]["integratedTurnServers"].size(), 1u);
  const auto& turn = inner["data"]["integratedTurnServers"][0];
  EXPECT_EQ(turn["serverAddr"], "127.0.0.1");
  EXPECT_EQ(turn["transport"], "udp");
  // Per-peer listeners live in the lower half of JF_WEBRTC_TURN_PORT_RANGE, as in the original.
  EXPECT_GE(turn["serverPort"].get<int>(), 41000);
  EXPECT_LE(turn["serverPort"].get<int>(), 41049);
  EXPECT_TRUE(std::regex_match(turn["username"].get<std::string>(), std::regex("[0-9]+:" + peer.id)));
  EXPECT_FALSE(turn["password"].get<std::string>().empty());
}

TEST_F(WebrtcNegotiation, AnOfferIsAnsweredAndItsTrackAnnouncedToOtherPeers) {
  auto room = create_room(shoal.port());
  auto publisher_peer = create_peer(shoal.port(), room);
  auto subscriber_peer = create_peer(shoal.port(), room);
  auto publisher = join(shoal.port(), publisher_peer);
  auto subscriber = join(shoal.port(), subscriber_peer);
  next_event_of_type(*publisher, "endpointAdded");

  const std::string track_id = publisher_peer.id + ":7d0e3b52-6a0c-4a34-bbd1-56f1b44dbf0a";
  publisher->send_binary(media_event(custom("renegotiateTracks")));
  ASSERT_EQ(next_event(*publisher)["data"]["type"], "offerData");
  publisher->send_binary(media_event(sdp_offer(microphone_offer(), track_id)));

  auto answer = next_event(*publisher);
  ASSERT_EQ(answer["data"]["type"], "sdpAnswer") << answer.dump();
  EXPECT_EQ(answer["data"]["data"]["type"], "answer");
  EXPECT_EQ(answer["data"]["data"]["midToTrackId"], json({{"0", track_id}}));
  const std::string sdp = answer["data"]["data"]["sdp"];
  EXPECT_NE(sdp.find("a=ice-lite"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=setup:passive"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=recvonly"), std::string::npos) << sdp;
  EXPECT_NE(sdp.find("a=rtpmap:111 opus/48000/2"), std::string::npos) << sdp;
  EXPECT_EQ(sdp.find("red/48000"), std::string::npos) << "RED is not forwarded, so not accepted";

  auto candidate = next_event(*publisher);
  ASSERT_EQ(candidate["data"]["type"], "candidate") << candidate.dump();
  EXPECT_TRUE(std::regex_match(candidate["data"]["data"]["candidate"].get<std::string>(),
                               std::regex("candidate:1 1 UDP 2015363327 127\\.0\\.0\\.1 [0-9]+ typ host")));
  EXPECT_EQ(candidate["data"]["data"]["sdpMLineIndex"], 0);

  auto added = next_event_of_type(*subscriber, "tracksAdded");
  EXPECT_EQ(added["data"]["endpointId"], publisher_peer.id);
  EXPECT_EQ(added["data"]["trackIdToMetadata"], json({{track_id, {{"type", "microphone"}}}}));
  EXPECT_EQ(added["data"]["tracks"][track_id]["simulcastConfig"],
            json({{"enabled", false}, {"activeEncodings", {"h"}}}));
  auto round = next_event(*subscriber);
  EXPECT_EQ(round["data"]["type"], "offerData") << round.dump();
  EXPECT_EQ(round["data"]["data"]["tracksTypes"], json({{"audio", 1}, {"video", 0}}));

  // Closing the publisher's socket unpublishes its track at the subscriber before it leaves.
  publisher->close();
  auto removed = next_event_of_type(*subscriber, "endpointRemoved", 5s);
  EXPECT_EQ(removed["data"]["id"], publisher_peer.id);
}

// Beyond v0.2.1: GET /room/:id shows each peer's metadata and published tracks.
TEST_F(WebrtcNegotiation, TheRoomListsEachPeersMetadataAndTracks) {
  auto room = create_room(shoal.port());
  auto peer = create_peer(shoal.port(), room);
  auto listed_peer = [&] { return api(shoal.port(), "GET", "/room/" + room).json_body()["data"]["peers"][0]; };
  EXPECT_EQ(listed_peer()["metadata"], nullptr);
  EXPECT_EQ(listed_peer()["tracks"], json::array());

  auto client = join(shoal.port(), peer);
  const std::string track_id = peer.id + ":mic";
  client->send_binary(media_event(custom("renegotiateTracks")));
  ASSERT_EQ(next_event(*client)["data"]["type"], "offerData");
  client->send_binary(media_event(sdp_offer(microphone_offer(), track_id)));
  ASSERT_EQ(next_event(*client)["data"]["type"], "sdpAnswer");

  // The view is rebuilt on the room's next turn after the change.
  json listed;
  for (int i = 0; i < 50; ++i) {
    listed = listed_peer();
    if (!listed["tracks"].empty()) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(listed["status"], "connected");
  EXPECT_EQ(listed["metadata"], json({{"name", peer.id}}));
  EXPECT_EQ(listed["tracks"], json::array({{{"id", track_id}, {"type", "audio"}, {"metadata", {{"type", "microphone"}}}}}));

  client->close();
  for (int i = 0; i < 50; ++i) {
    listed = listed_peer();
    if (listed["tracks"].empty() && listed["status"] == "disconnected") break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(listed["tracks"], json::array());
  EXPECT_EQ(listed["metadata"], nullptr);
}

TEST_F(WebrtcNegotiation, AnUnparsableOfferIsRefusedAndTheSessionGoesOn) {
  auto room = create_room(shoal.port());
  auto peer = create_peer(shoal.port(), room);
  auto client = join(shoal.port(), peer);
  client->send_binary(media_event(custom("renegotiateTracks")));
  ASSERT_EQ(next_event(*client)["data"]["type"], "offerData");
  client->send_binary(media_event(sdp_offer("this is not SDP", peer.id + ":t")));
  // Ordering proves nothing was sent for the bad offer: the next frame answers this request.
  client->send_binary(media_event(custom("renegotiateTracks")));
  auto next = next_event(*client);
  EXPECT_EQ(next["data"]["type"], "offerData") << next.dump();
  EXPECT_NE(shoal.output().find("rejecting unparsable SDP offer"), std::string::npos);
}

TEST_F(WebrtcNegotiation, ASendRecvOfferIsRefusedWhereTheOriginalCrashedThePeer) {
  auto room = create_room(shoal.port());
  auto peer = create_peer(shoal.port(), room);
  auto client = join(shoal.port(), peer);
  client->send_binary(media_event(custom("renegotiateTracks")));
  ASSERT_EQ(next_event(*client)["data"]["type"], "offerData");
  client->send_binary(media_event(sdp_offer(microphone_offer("sendrecv"), peer.id + ":t")));
  client->send_binary(media_event(custom("renegotiateTracks")));
  auto next = next_event(*client);
  EXPECT_EQ(next["data"]["type"], "offerData") << next.dump();
  EXPECT_NE(shoal.output().find("rejecting SDP offer"), std::string::npos);
  auto status = api(shoal.port(), "GET", "/room/" + room);
  EXPECT_EQ(status.json_body()["data"]["peers"][0]["status"], "connected");
}

TEST_F(WebrtcNegotiation, ATrackIdOfAnotherPeerIsRefused) {
  auto room = create_room(shoal.port());
  auto first_peer = create_peer(shoal.port(), room);
  auto second_peer = create_peer(shoal.port(), room);
  auto first = join(shoal.port(), first_peer);
  auto second = join(shoal.port(), second_peer);
  const std::string track_id = first_peer.id + ":track";
  first->send_binary(media_event(custom("renegotiateTracks")));
  ASSERT_EQ(next_event_of_type(*first, "custom")["data"]["type"], "offerData");
  first->send_binary(media_event(sdp_offer(microphone_offer(), track_id)));
  ASSERT_EQ(next_event_of_type(*first, "custom")["data"]["type"], "sdpAnswer");

  second->send_binary(media_event(custom("renegotiateTracks")));
  json offer_data;
  do {
    offer_data = next_event(*second);
  } while (offer_data.value("type", "") == "tracksAdded" || offer_data.value("type", "") == "endpointAdded");
  ASSERT_EQ(offer_data["data"]["type"], "offerData") << offer_data.dump();
  second->send_binary(media_event(sdp_offer(microphone_offer(), track_id)));
  auto answer = next_event_of_type(*second, "custom");
  ASSERT_EQ(answer["data"]["type"], "sdpAnswer") << answer.dump();
  EXPECT_EQ(answer["data"]["data"]["midToTrackId"], json::object()) << "the stolen id is not accepted";
}

TEST(WebrtcDisabled, AddingAPeerIsRefusedWithAClearErrorAndTheRoomStays) {
  ShoalProcess shoal(Env{{"JF_WEBRTC_USED", "false"}});
  auto room = create_room(shoal.port());
  auto result = api(shoal.port(), "POST", "/room/" + room + "/peer", R"({"type":"webrtc"})");
  EXPECT_EQ(result.status, 400);
  EXPECT_EQ(result.json_body()["errors"], "WebRTC peers are disabled on this node (JF_WEBRTC_USED is false)");
  EXPECT_EQ(api(shoal.port(), "GET", "/room/" + room).status, 200);
}

}  // namespace
}  // namespace shoal::test
