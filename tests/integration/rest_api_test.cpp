// The REST API against the real binary: every route, status code and error text of v0.2.1,
// auth, CORS, content negotiation, HLS files, and what happens to stored rooms on bad input.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <thread>

namespace shoal::test {
namespace {

class RestApi : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    output_dir_ = std::filesystem::temp_directory_path() / ("shoal-rest-" + std::to_string(::getpid()));
    std::filesystem::create_directories(output_dir_);
    shoal_ = new ShoalProcess({{"JF_OUTPUT_BASE_PATH", output_dir_.string()}});
  }
  static void TearDownTestSuite() {
    delete shoal_;
    std::filesystem::remove_all(output_dir_);
  }
  static std::uint16_t port() { return shoal_->port(); }
  static std::string error_of(const HttpResult& result) { return result.json_body()["errors"].dump(); }
  static inline ShoalProcess* shoal_ = nullptr;
  static inline std::filesystem::path output_dir_;
};

const std::regex kUuid("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST_F(RestApi, CreateRoomWithDefaultsAndOptions) {
  auto empty = api(port(), "POST", "/room");
  ASSERT_EQ(empty.status, 201);
  EXPECT_EQ(empty.header("content-type"), "application/json; charset=utf-8");
  auto data = empty.json_body()["data"];
  EXPECT_TRUE(std::regex_match(data["room"]["id"].get<std::string>(), kUuid));
  EXPECT_EQ(data["room"]["config"], json::parse(R"({"maxPeers":null,"videoCodec":null})"));
  EXPECT_EQ(data["room"]["components"], json::array());
  EXPECT_EQ(data["room"]["peers"], json::array());
  EXPECT_EQ(data["jellyfish_address"], "127.0.0.1:" + std::to_string(port()));

  for (const char* body : {R"({"maxPeers":0})", R"({"maxPeers":10,"videoCodec":"h264"})",
                           R"({"videoCodec":"vp8","unknown":1})", R"({"maxPeers":null,"videoCodec":null})"}) {
    auto created = api(port(), "POST", "/room", body);
    ASSERT_EQ(created.status, 201) << body;
    auto request = json::parse(body);
    auto config = created.json_body()["data"]["room"]["config"];
    EXPECT_EQ(config["maxPeers"], request.value("maxPeers", json(nullptr))) << body;
    EXPECT_EQ(config["videoCodec"], request.value("videoCodec", json(nullptr))) << body;
  }
}

TEST_F(RestApi, CreateRoomValidationTexts) {
  const auto before = api(port(), "GET", "/room").json_body()["data"].size();
  for (const char* body : {R"({"maxPeers":"10"})", R"({"maxPeers":10.0})", R"({"maxPeers":1.5})",
                           R"({"maxPeers":-1})", R"({"maxPeers":true})", R"({"maxPeers":"x","videoCodec":"x"})"}) {
    auto result = api(port(), "POST", "/room", body);
    EXPECT_EQ(result.status, 400) << body;
    EXPECT_EQ(error_of(result), R"("maxPeers must be a number")") << body;
  }
  for (const char* body : {R"({"videoCodec":"H264"})", R"({"videoCodec":"av1"})", R"({"videoCodec":1})"}) {
    auto result = api(port(), "POST", "/room", body);
    EXPECT_EQ(result.status, 400) << body;
    EXPECT_EQ(error_of(result), R"("videoCodec must be 'h264' or 'vp8'")") << body;
  }
  auto query = api(port(), "POST", "/room?maxPeers=10");
  EXPECT_EQ(query.status, 400);
  EXPECT_EQ(error_of(query), R"("maxPeers must be a number")");
  auto malformed = api(port(), "POST", "/room", "{\"maxPeers\":");
  EXPECT_EQ(malformed.status, 400);
  EXPECT_EQ(malformed.json_body(), json::parse(R"({"errors":{"detail":"Bad Request"}})"));
  EXPECT_EQ(api(port(), "GET", "/room").json_body()["data"].size(), before);  // nothing created
}

TEST_F(RestApi, GetListAndDeleteRooms) {
  auto id = create_room(port(), {{"maxPeers", 3}});
  auto shown = api(port(), "GET", "/room/" + id);
  ASSERT_EQ(shown.status, 200);
  EXPECT_EQ(shown.json_body()["data"]["id"], id);
  bool listed = false;
  auto listing = api(port(), "GET", "/room").json_body();
  for (const auto& room : listing["data"]) listed |= room["id"] == id;
  EXPECT_TRUE(listed);

  auto deleted = api(port(), "DELETE", "/room/" + id);
  EXPECT_EQ(deleted.status, 204);
  EXPECT_TRUE(deleted.body.empty());
  for (const char* method : {"GET", "DELETE"}) {
    auto gone = api(port(), method, "/room/" + id);
    EXPECT_EQ(gone.status, 404);
    EXPECT_EQ(error_of(gone), "\"Room " + id + " does not exist\"");
  }
  listing = api(port(), "GET", "/room").json_body();
  for (const auto& room : listing["data"]) EXPECT_NE(room["id"], id);
}

TEST_F(RestApi, BearerAuthTexts) {
  auto missing = http_request(port(), "GET", "/room");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.body, R"({"errors":"Missing token"})");
  EXPECT_EQ(missing.header("content-type"), "application/json; charset=utf-8");
  for (const char* value : {"Basic x", "bearer development", "Bearerdevelopment", "development"}) {
    auto result = http_request(port(), "GET", "/room", {}, {{"authorization", value}});
    EXPECT_EQ(result.status, 401) << value;
    EXPECT_EQ(result.body, R"({"errors":"Missing token"})") << value;
  }
  auto twice = http_request(port(), "GET", "/room", {},
                            {{"authorization", "Bearer development"}, {"authorization", "Bearer development"}});
  EXPECT_EQ(twice.body, R"({"errors":"Missing token"})");
  for (const char* token : {"wrong", "developmentx", "Development"}) {
    auto result = api(port(), "GET", "/room", {}, token);
    EXPECT_EQ(result.status, 401) << token;
    EXPECT_EQ(result.body, R"({"errors":"Invalid token"})") << token;
  }
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"POST", "/room"}, {"GET", "/room/x"}, {"DELETE", "/room/x"}, {"POST", "/room/x/peer"},
           {"DELETE", "/room/x/peer/y"}, {"POST", "/room/x/component"}, {"DELETE", "/room/x/component/y"},
           {"GET", "/health"}}) {
    EXPECT_EQ(http_request(port(), method, path).status, 401) << method << " " << path;
  }
}

TEST_F(RestApi, AcceptHeaderIsCheckedBeforeAuth) {
  auto html = http_request(port(), "GET", "/room", {}, {{"accept", "text/html"}});
  EXPECT_EQ(html.status, 406);
  EXPECT_EQ(html.json_body(), json::parse(R"({"errors":{"detail":"Not Acceptable"}})"));
  for (const char* accept : {"*/*", "application/json", "text/html, application/json;q=0.9"}) {
    auto result = http_request(port(), "GET", "/room", {}, {{"accept", accept}, {"authorization", "Bearer development"}});
    EXPECT_EQ(result.status, 200) << accept;
  }
}

TEST_F(RestApi, UnknownRoutesAre404WithoutAuth) {
  for (auto [method, path] : std::vector<std::pair<std::string, std::string>>{
           {"GET", "/nothing"}, {"GET", "/room/a/b"}, {"PUT", "/room"}, {"PATCH", "/room/x"}, {"GET", "/room/x/peer"}}) {
    auto result = http_request(port(), method, path);
    EXPECT_EQ(result.status, 404) << method << " " << path;
    EXPECT_EQ(result.json_body(), json::parse(R"({"errors":{"detail":"Not Found"}})")) << path;
  }
}

TEST_F(RestApi, CorsRequestIdCacheControlPreflightAndHead) {
  for (const auto& result : {api(port(), "GET", "/room"), http_request(port(), "GET", "/room"),
                             http_request(port(), "GET", "/nowhere")}) {
    EXPECT_EQ(result.header("access-control-allow-origin"), "*");
    EXPECT_EQ(result.header("access-control-allow-credentials"), "true");
    EXPECT_TRUE(result.headers.count("access-control-expose-headers"));
    EXPECT_FALSE(result.header("x-request-id").empty());
    EXPECT_EQ(result.header("cache-control"), "max-age=0, private, must-revalidate");
  }
  auto preflight = http_request(port(), "OPTIONS", "/room");
  EXPECT_EQ(preflight.status, 204);
  EXPECT_EQ(preflight.header("access-control-max-age"), "1728000");
  EXPECT_EQ(preflight.header("access-control-allow-methods"), "GET,POST,PUT,PATCH,DELETE,OPTIONS");
  EXPECT_NE(preflight.header("access-control-allow-headers").find("Authorization,Content-Type,Accept"), std::string::npos);

  auto get = api(port(), "GET", "/room");
  auto head = http_request(port(), "HEAD", "/room", {}, {{"authorization", "Bearer development"}});
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.header("content-length"), std::to_string(get.body.size()));
  EXPECT_TRUE(head.body.empty());
}

TEST_F(RestApi, AddPeerAndItsErrorsInTheOriginalOrder) {
  auto room = create_room(port(), {{"maxPeers", 1}});
  auto added = api(port(), "POST", "/room/" + room + "/peer", R"({"type":"webrtc","options":{"enableSimulcast":false}})");
  ASSERT_EQ(added.status, 201);
  auto data = added.json_body()["data"];
  EXPECT_TRUE(std::regex_match(data["peer"]["id"].get<std::string>(), kUuid));
  EXPECT_EQ(data["peer"]["type"], "webrtc");
  EXPECT_EQ(data["peer"]["status"], "disconnected");
  EXPECT_EQ(data["token"].get<std::string>().rfind("SFMyNTY.", 0), 0u);

  auto path = "/room/" + room + "/peer";
  EXPECT_EQ(error_of(api(port(), "POST", path, R"({})")), R"("Invalid request body structure")");
  auto bad_type = api(port(), "POST", "/room/missing/peer", R"({"type":"other"})");
  EXPECT_EQ(bad_type.status, 400);  // type is checked before the room exists
  EXPECT_EQ(error_of(bad_type), R"("Invalid peer type")");
  auto no_room = api(port(), "POST", "/room/missing/peer", R"({"type":"webrtc"})");
  EXPECT_EQ(no_room.status, 404);
  EXPECT_EQ(error_of(no_room), R"("Room missing does not exist")");
  auto full = api(port(), "POST", path, R"({"type":"webrtc","options":"abc"})");  // limit before options
  EXPECT_EQ(full.status, 503);
  EXPECT_EQ(error_of(full), "\"Reached peer limit in room " + room + "\"");

  auto open = create_room(port());
  for (const char* body : {R"({"type":"webrtc","options":{"enableSimulcast":3}})", R"({"type":"webrtc","options":"abc"})"}) {
    auto result = api(port(), "POST", "/room/" + open + "/peer", body);
    EXPECT_EQ(result.status, 400) << body;
    EXPECT_EQ(error_of(result), R"("Invalid request body structure")") << body;
  }
  auto zero = create_room(port(), {{"maxPeers", 0}});
  EXPECT_EQ(api(port(), "POST", "/room/" + zero + "/peer", R"({"type":"webrtc"})").status, 503);
  EXPECT_EQ(api(port(), "GET", "/room/" + open).json_body()["data"]["peers"].size(), 0u);
}

TEST_F(RestApi, DeletePeer) {
  auto room = create_room(port());
  auto peer = create_peer(port(), room);
  EXPECT_EQ(api(port(), "DELETE", "/room/" + room + "/peer/" + peer.id).status, 204);
  EXPECT_EQ(api(port(), "GET", "/room/" + room).json_body()["data"]["peers"].size(), 0u);
  auto again = api(port(), "DELETE", "/room/" + room + "/peer/" + peer.id);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(error_of(again), "\"Peer " + peer.id + " does not exist\"");
  auto no_room = api(port(), "DELETE", "/room/nope/peer/" + peer.id);
  EXPECT_EQ(error_of(no_room), R"("Room nope does not exist")");
}

TEST_F(RestApi, ComponentsValidateAsTheOriginal) {
  auto any = create_room(port());
  auto h264 = create_room(port(), {{"videoCodec", "h264"}});
  auto vp8 = create_room(port(), {{"videoCodec", "vp8"}});
  auto post = [&](const std::string& room, const char* body) { return api(port(), "POST", "/room/" + room + "/component", body); };
  EXPECT_EQ(error_of(post(h264, "{}")), R"("Invalid request body structure")");
  EXPECT_EQ(error_of(post("missing", R"({"type":"x"})")), R"("Invalid component type")");
  EXPECT_EQ(post("missing", R"({"type":"hls"})").status, 404);
  EXPECT_EQ(error_of(post(any, R"({"type":"hls"})")), "\"Incompatible video codec enforced in room " + any + "\"");
  EXPECT_EQ(error_of(post(vp8, R"({"type":"rtsp","options":{"sourceUri":"rtsp://x"}})")),
            "\"Incompatible video codec enforced in room " + vp8 + "\"");
  EXPECT_EQ(error_of(post(h264, R"({"type":"rtsp"})")), R"("Invalid request body structure")");
  EXPECT_EQ(error_of(post(h264, R"({"type":"hls","options":{"lowLatency":"yes"}})")),
            R"("Invalid request body structure")");
  auto hls = post(h264, R"({"type":"hls","options":{"lowLatency":true}})");
  ASSERT_EQ(hls.status, 201) << hls.body;
  const auto component = hls.json_body()["data"];
  EXPECT_EQ(component["type"], "hls");
  EXPECT_EQ(component["metadata"], json({{"playable", false}, {"lowLatency", true}}));
  auto second = post(h264, R"({"type":"hls"})");
  EXPECT_EQ(second.status, 400);
  EXPECT_EQ(error_of(second), "\"Reached components limit in room " + h264 + "\"");
  // Created at once, as the original: connecting to the source happens afterwards.
  auto rtsp = post(any, R"({"type":"rtsp","options":{"sourceUri":"rtsp://camera.invalid/stream"}})");
  ASSERT_EQ(rtsp.status, 201) << rtsp.body;
  EXPECT_EQ(rtsp.json_body()["data"]["type"], "rtsp");
  EXPECT_EQ(rtsp.json_body()["data"]["metadata"], json::object());
  auto tls = post(any, R"({"type":"rtsp","options":{"sourceUri":"rtsps://camera.invalid/stream"}})");
  EXPECT_EQ(tls.status, 400);
  EXPECT_EQ(error_of(tls), R"("Invalid sourceUri: rtsps:// (RTSP over TLS) is not supported, use rtsp://")");
  EXPECT_EQ(error_of(post(any, R"({"type":"rtsp","options":{"sourceUri":"rtsp://x","rtpPort":0}})")),
            R"("Invalid request body structure")");
  EXPECT_EQ(error_of(post(any, R"({"type":"rtsp","options":{"sourceUri":"rtsp://x","reconnectDelay":-1}})")),
            R"("Invalid request body structure")");
  EXPECT_EQ(error_of(post(any, R"({"type":"rtsp","options":{"sourceUri":"rtsp://x","pierceNat":"no"}})")),
            R"("Invalid request body structure")");
  auto listed = api(port(), "GET", "/room/" + h264).json_body()["data"]["components"];
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0], component);
  // With no tracks there is nothing to broadcast yet, but the output directory is there.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (!std::filesystem::exists(output_dir_ / "hls_output" / h264 / "muxed_header.mp4") &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(std::filesystem::exists(output_dir_ / "hls_output" / h264 / "muxed_header.mp4"));
  auto del = api(port(), "DELETE", "/room/" + h264 + "/component/x");
  EXPECT_EQ(del.status, 404);
  EXPECT_EQ(error_of(del), R"("Component x does not exist")");
  EXPECT_EQ(api(port(), "DELETE", "/room/" + h264 + "/component/" + component["id"].get<std::string>()).status, 204);
  EXPECT_EQ(api(port(), "GET", "/room/" + h264).json_body()["data"]["components"], json::array());
  EXPECT_EQ(post(h264, R"({"type":"hls"})").status, 201);  // the limit counts the components there now
}

TEST_F(RestApi, HlsFilesAreServedWithoutAuth) {
  auto room = create_room(port());
  auto dir = output_dir_ / "hls_output" / room;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.m3u8") << "#EXTM3U\n";
  auto playlist = http_request(port(), "GET", "/hls/" + room + "/index.m3u8");
  EXPECT_EQ(playlist.status, 200);
  EXPECT_EQ(playlist.body, "#EXTM3U\n");
  EXPECT_EQ(playlist.header("content-type"), "application/vnd.apple.mpegurl");
  for (const std::string& target : {"/hls/" + room + "/missing.m4s", "/hls/" + room + "/..", "/hls/" + room + "/..%2F..%2Fetc%2Fpasswd",
                                    "/hls/" + room + "/index.m3u8?_HLS_msn=1&_HLS_part=1"}) {
    auto result = http_request(port(), "GET", target);
    EXPECT_EQ(result.status, 404) << target;
    EXPECT_EQ(result.body, R"({"errors":"File not found"})") << target;
  }
  EXPECT_EQ(http_request(port(), "GET", "/hls/" + room + "/index.m3u8?_HLS_msn=abc&_HLS_part=1").status, 400);
}

TEST_F(RestApi, HealthOpenApiAndMetrics) {
  auto health = api(port(), "GET", "/health").json_body();
  EXPECT_EQ(health["data"]["status"], "UP");
  EXPECT_EQ(health["data"]["distribution"]["enabled"], false);
  EXPECT_TRUE(http_request(port(), "GET", "/openapi.json").json_body().contains("openapi"));
  auto metrics = http_request(shoal_->metrics_port(), "GET", "/metrics");
  EXPECT_EQ(metrics.status, 200);
  EXPECT_EQ(metrics.header("content-type").rfind("text/plain", 0), 0u);
  EXPECT_NE(metrics.body.find("# TYPE jellyfish_rooms gauge"), std::string::npos);
  auto other = http_request(shoal_->metrics_port(), "GET", "/other");
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.body, "Not Found");
}

}  // namespace
}  // namespace shoal::test
