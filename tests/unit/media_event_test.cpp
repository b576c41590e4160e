#include "signaling/media_event.hpp"
#include "signaling/peer_message.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

namespace shoal::signaling {
namespace {

using nlohmann::json;

TEST(MediaEvent, ParsesConnectWithAnyMetadata) {
  auto parsed = parse_client_event(R"({"type":"connect","data":{"metadata":{"name":"alice"}}})");
  ASSERT_TRUE(parsed.has_value());
  EXPECT_EQ(std::get<Connect>(*parsed).metadata, json({{"name", "alice"}}));

  auto null_metadata = parse_client_event(R"({"type":"connect","data":{"metadata":null}})");
  EXPECT_TRUE(null_metadata.has_value());
}

TEST(MediaEvent, ConnectWithoutMetadataKeyIsRejectedAsTheOriginalDid) {
  // The SDK sends data:{} when the app passes undefined; v0.2.1 refused it.
  EXPECT_FALSE(parse_client_event(R"({"type":"connect","data":{}})").has_value());
  EXPECT_FALSE(parse_client_event(R"({"type":"connect"})").has_value());
}

TEST(MediaEvent, UnwrapsCustomEvents) {
  auto parsed = parse_client_event(R"({"type":"custom","data":{"type":"renegotiateTracks","data":{}}})");
  ASSERT_TRUE(parsed.has_value());
  auto& custom = std::get<CustomEvent>(*parsed);
  EXPECT_EQ(custom.type, "renegotiateTracks");
  EXPECT_TRUE(custom.data.is_object());

  auto without_data = parse_client_event(R"({"type":"custom","data":{"type":"renegotiateTracks"}})");
  EXPECT_TRUE(std::get<CustomEvent>(test::value_of(without_data)).data.is_object());
}

TEST(MediaEvent, ParsesMetadataUpdatesAndDisconnect) {
  auto endpoint = parse_client_event(R"({"type":"updateEndpointMetadata","data":{"metadata":[1,2]}})");
  EXPECT_EQ(std::get<UpdateEndpointMetadata>(test::value_of(endpoint)).metadata, json({1, 2}));
  auto track = parse_client_event(
      R"({"type":"updateTrackMetadata","data":{"trackId":"p:t","trackMetadata":{"a":1}}})");
  EXPECT_EQ(std::get<UpdateTrackMetadata>(test::value_of(track)).track_id, "p:t");
  EXPECT_TRUE(std::holds_alternative<Disconnect>(test::value_of(parse_client_event(R"({"type":"disconnect"})"))));
}

TEST(MediaEvent, MalformedInputIsAnErrorValueNeverAnException) {
  for (const char* text : {"", "{", "null", "[]", "42", R"({"type":1})", R"({"type":"nope"})",
                           R"({"type":"custom","data":"x"})", R"({"type":"custom","data":{"type":5}})",
                           R"({"type":"updateTrackMetadata","data":{"trackId":1,"trackMetadata":{}}})",
                           "\xff\xfe"}) {
    EXPECT_FALSE(parse_client_event(text).has_value()) << text;
  }
}

TEST(MediaEvent, DeepNestingIsRefusedBeforeParsing) {
  std::string deep = R"({"type":"connect","data":{"metadata":)" + std::string(100000, '[') +
                     std::string(100000, ']') + "}}";
  EXPECT_FALSE(parse_client_event(deep).has_value());
}

TEST(MediaEvent, BuildsServerEventsInTheClientShapes) {
  auto connected = json::parse(connected_event("me", {{"other", "webrtc", {{"n", 1}}}}));
  EXPECT_EQ(connected["type"], "connected");
  EXPECT_EQ(connected["data"]["id"], "me");
  const auto& other = connected["data"]["otherEndpoints"][0];
  EXPECT_EQ(other["id"], "other");
  EXPECT_EQ(other["type"], "webrtc");
  EXPECT_EQ(other["metadata"], json({{"n", 1}}));
  EXPECT_TRUE(other["trackIdToMetadata"].is_object());
  EXPECT_TRUE(other["tracks"].is_object());

  EXPECT_EQ(json::parse(endpoint_added_event({"x", "webrtc", nullptr})),
            json::parse(R"({"type":"endpointAdded","data":{"id":"x","type":"webrtc","metadata":null}})"));
  EXPECT_EQ(json::parse(endpoint_removed_event("x")),
            json::parse(R"({"type":"endpointRemoved","data":{"id":"x"}})"));
  EXPECT_EQ(json::parse(endpoint_updated_event("x", {{"a", 1}})),
            json::parse(R"({"type":"endpointUpdated","data":{"id":"x","metadata":{"a":1}}})"));
}

TEST(PeerMessage, RoundTripsEveryVariant) {
  auto auth = decode_peer_message(encode_auth_request("tok"));
  ASSERT_TRUE(auth);
  EXPECT_EQ(std::get<AuthRequestMessage>(*auth).token, "tok");
  auto media = decode_peer_message(encode_media_event("{}"));
  ASSERT_TRUE(media);
  EXPECT_EQ(std::get<MediaEventMessage>(*media).data, "{}");
  // The empty Authenticated message must still be on the wire: field 1, length 0.
  EXPECT_EQ(encode_authenticated(), std::string("\x0a\x00", 2));
  EXPECT_TRUE(std::holds_alternative<AuthenticatedMessage>(*decode_peer_message(encode_authenticated())));
}

TEST(PeerMessage, GarbageAndEmptyMessagesDecodeToNothing) {
  EXPECT_FALSE(decode_peer_message(""));                           // no content set
  EXPECT_FALSE(decode_peer_message(std::string("\x12\xff", 2)));   // length past the end
  EXPECT_FALSE(decode_peer_message("not protobuf at all \xff\xff"));
}

}  // namespace
}  // namespace shoal::signaling
