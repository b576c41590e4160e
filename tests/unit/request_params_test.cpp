#include "api/origin_check.hpp"
#include "api/request_params.hpp"
#include "api/room_params.hpp"
#include "api/hls_files.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

namespace shoal::api {
namespace {

using nlohmann::json;

Request post(std::string target, std::string content_type, std::string body) {
  Request request{http::verb::post, target, 11};
  if (!content_type.empty()) request.set(http::field::content_type, content_type);
  request.body() = std::move(body);
  return request;
}

TEST(RequestParams, MergesQueryAndJsonBodyWithBodyWinning) {
  auto params = parse_params(post("/room?maxPeers=1&x=y", "application/json; charset=utf-8", R"({"maxPeers":5})"));
  ASSERT_TRUE(params);
  EXPECT_EQ((*params)["maxPeers"], 5);
  EXPECT_EQ((*params)["x"], "y");
}

TEST(RequestParams, FormAndQueryValuesAreStrings) {
  auto params = parse_params(post("/room", "application/x-www-form-urlencoded", "maxPeers=10&a=b%20c+d"));
  ASSERT_TRUE(params);
  EXPECT_EQ((*params)["maxPeers"], "10");
  EXPECT_EQ((*params)["a"], "b c d");
}

TEST(RequestParams, MalformedJsonIsRefusedOtherTypesAreIgnored) {
  EXPECT_FALSE(parse_params(post("/room", "application/json", "{")));
  EXPECT_TRUE(parse_params(post("/room", "application/json", "")));
  auto other = parse_params(post("/room", "text/plain", "{"));
  ASSERT_TRUE(other);
  EXPECT_TRUE(other->empty());
  auto array = parse_params(post("/room", "application/json", "[1]"));
  ASSERT_TRUE(array);
  EXPECT_EQ((*array)["_json"], json({1}));
}

TEST(RequestParams, PercentDecodingIsBounded) {
  EXPECT_EQ(percent_decode("%41%4", false), "A%4");
  EXPECT_EQ(percent_decode("%zz+", false), "%zz+");
  EXPECT_EQ(percent_decode("%", true), "%");
}

TEST(RoomParams, MaxPeersMustBeANonNegativeJsonInteger) {
  EXPECT_EQ(test::value_of(parse_room_config(json::object())).max_peers, std::nullopt);
  EXPECT_EQ(test::value_of(parse_room_config({{"maxPeers", 0}})).max_peers, 0);
  EXPECT_EQ(test::value_of(parse_room_config({{"maxPeers", nullptr}})).max_peers, std::nullopt);
  for (json bad : {json("10"), json(10.0), json(1.5), json(-1), json(true), json::array()}) {
    auto result = parse_room_config({{"maxPeers", bad}});
    ASSERT_FALSE(result.has_value()) << bad;
    EXPECT_EQ(result.error().text, "maxPeers must be a number");
  }
}

TEST(RoomParams, VideoCodecIsExactLowercase) {
  EXPECT_EQ(test::value_of(parse_room_config({{"videoCodec", "h264"}})).video_codec,
            room::VideoCodec::H264);
  EXPECT_EQ(test::value_of(parse_room_config({{"videoCodec", "vp8"}})).video_codec,
            room::VideoCodec::VP8);
  for (json bad : {json("H264"), json("av1"), json(1)}) {
    EXPECT_EQ(test::error_of(parse_room_config({{"videoCodec", bad}})).text,
              "videoCodec must be 'h264' or 'vp8'");
  }
  // maxPeers is validated first.
  EXPECT_EQ(test::error_of(parse_room_config({{"maxPeers", "x"}, {"videoCodec", "x"}})).text,
            "maxPeers must be a number");
}

TEST(RoomParams, PeerOptionsAreLenientLikeOpenApiSpex) {
  EXPECT_TRUE(parse_peer_options(json::object())->enable_simulcast);
  EXPECT_FALSE(parse_peer_options({{"options", {{"enableSimulcast", false}}}})->enable_simulcast);
  EXPECT_FALSE(parse_peer_options({{"options", {{"enableSimulcast", "false"}}}})->enable_simulcast);
  EXPECT_FALSE(parse_peer_options({{"options", {{"enableSimulcast", 3}}}}));
  EXPECT_FALSE(parse_peer_options({{"options", "abc"}}));
}

TEST(RoomParams, RtspNeedsSourceUriAndValidRanges) {
  using room::ComponentType;
  EXPECT_FALSE(parse_component_options(ComponentType::Rtsp, json::object()));
  auto ok = parse_component_options(ComponentType::Rtsp,
                                    {{"options", {{"sourceUri", "rtsp://x"}, {"rtpPort", "20001"}}}});
  ASSERT_TRUE(ok);
  EXPECT_EQ(ok->rtp_port, 20001);
  EXPECT_EQ(ok->reconnect_delay_ms, 15000);
  EXPECT_FALSE(parse_component_options(ComponentType::Rtsp, {{"options", {{"sourceUri", "x"}, {"rtpPort", 0}}}}));
  EXPECT_FALSE(parse_component_options(ComponentType::Rtsp,
                                       {{"options", {{"sourceUri", "x"}, {"reconnectDelay", -1}}}}));
  EXPECT_TRUE(parse_component_options(ComponentType::Hls, {{"options", {{"lowLatency", true}}}})->low_latency);
  EXPECT_FALSE(parse_component_options(ComponentType::Hls, {{"options", {{"lowLatency", "yes"}}}}));
}

TEST(OriginCheck, FollowsPhoenixPolicies) {
  using config::CheckOrigin;
  using config::CheckOriginPolicy;
  EXPECT_TRUE(origin_allowed({CheckOriginPolicy::AllowAll, {}}, "h", "http://evil.com", "h"));
  EXPECT_TRUE(origin_allowed({CheckOriginPolicy::MatchHost, {}}, "example.com", "", "x"));
  EXPECT_TRUE(origin_allowed({CheckOriginPolicy::MatchHost, {}}, "example.com", "https://example.com", "x"));
  EXPECT_FALSE(origin_allowed({CheckOriginPolicy::MatchHost, {}}, "example.com", "https://evil.com", "x"));
  EXPECT_TRUE(origin_allowed({CheckOriginPolicy::MatchRequest, {}}, "x", "http://127.0.0.1:5002", "127.0.0.1:5002"));
  EXPECT_FALSE(origin_allowed({CheckOriginPolicy::MatchRequest, {}}, "x", "http://127.0.0.1:5003", "127.0.0.1:5002"));
  CheckOrigin list{CheckOriginPolicy::AllowList, {"//another.com:888", "//*.other.com"}};
  EXPECT_TRUE(origin_allowed(list, "x", "http://another.com:888", "x"));
  EXPECT_FALSE(origin_allowed(list, "x", "http://another.com", "x"));
  EXPECT_TRUE(origin_allowed(list, "x", "https://a.other.com", "x"));
  EXPECT_FALSE(origin_allowed(list, "x", "https://other.com.evil.net", "x"));
  EXPECT_FALSE(origin_allowed(list, "x", "garbage", "x"));
}

TEST(HlsFiles, PathSegmentsCannotEscape) {
  EXPECT_TRUE(is_safe_path_segment("index.m3u8"));
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "a/b", "a\\b", std::string("a\0b", 3)}) {
    EXPECT_FALSE(is_safe_path_segment(bad)) << bad;
  }
}

}  // namespace
}  // namespace shoal::api
