// Cluster-wide routing with real processes and the real epmd: every node answers the room,
// peer and component routes of any room by forwarding them to the room's owner, GET /room stays
// node-local while ?scope=cluster lists every node's rooms, and a dead owner gives a prompt 503.
#include "cluster_harness.hpp"

#include <gtest/gtest.h>

#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <thread>

namespace shoal::test {
namespace {

std::set<std::string> room_ids(const HttpResult& list) {
  std::set<std::string> ids;
  const auto body = list.json_body();  // named: a range over a temporary's member would dangle
  for (const auto& room : body["data"]) ids.insert(room["id"].get<std::string>());
  return ids;
}

// Two rooms created through `port` land one on each node (placement balances them): JF_HOST ->
// room id.
std::map<std::string, std::string> one_room_per_node(std::uint16_t port) {
  std::map<std::string, std::string> rooms;
  for (int i = 0; i < 2; ++i) {
    auto created = api(port, "POST", "/room").json_body()["data"];
    rooms[created["jellyfish_address"]] = created["room"]["id"];
  }
  return rooms;
}

struct TwoNodes {
  std::string a_name = unique_node_name("ra");
  std::string b_name = unique_node_name("rb");
  std::uint16_t pa = free_port();
  std::uint16_t pb = free_port();
  std::unique_ptr<ShoalProcess> a = std::make_unique<ShoalProcess>(cluster_env(a_name, "", pa));
  std::unique_ptr<ShoalProcess> b = std::make_unique<ShoalProcess>(cluster_env(b_name, a_name, pb));
  std::string a_address = "localhost:" + std::to_string(pa);
  std::string b_address = "localhost:" + std::to_string(pb);
};

TEST(ClusterRouting, RoomAndPeerRequestsThroughANonOwnerNode) {
  TwoNodes n;
  ASSERT_TRUE(wait_for_cluster(n.pa, 2)) << n.a->output();
  ASSERT_TRUE(wait_for_cluster(n.pb, 2)) << n.b->output();
  auto rooms = one_room_per_node(n.pb);
  ASSERT_EQ(rooms.size(), 2u);
  const auto on_a = rooms[n.a_address];
  const auto on_b = rooms[n.b_address];

  // GET /room/:id through the non-owner answers what the owner answers.
  auto direct = api(n.pa, "GET", "/room/" + on_a);
  auto routed = api(n.pb, "GET", "/room/" + on_a);
  ASSERT_EQ(routed.status, 200) << routed.body;
  EXPECT_EQ(routed.json_body(), direct.json_body());
  EXPECT_EQ(routed.header("content-type"), "application/json; charset=utf-8");

  // A peer added through B is created on A, with a token A accepts and A's socket address.
  auto added = api(n.pb, "POST", "/room/" + on_a + "/peer", R"({"type":"webrtc"})");
  ASSERT_EQ(added.status, 201) << added.body;
  const auto peer = added.json_body()["data"];
  EXPECT_EQ(peer["peer_websocket_url"], n.a_address + "/socket/peer/websocket");
  const std::string peer_id = peer["peer"]["id"];
  EXPECT_EQ(api(n.pa, "GET", "/room/" + on_a).json_body()["data"]["peers"][0]["id"], peer_id);
  {
    auto socket = connect_peer(n.pa, peer["token"]);  // throws unless authenticated
    ASSERT_TRUE(socket);
  }

  // Errors of the owner come back unchanged.
  auto bad_type = api(n.pb, "POST", "/room/" + on_a + "/peer", R"({"type":"sip"})");
  EXPECT_EQ(bad_type.status, 400);
  EXPECT_EQ(bad_type.json_body()["errors"], "Invalid peer type");
  auto no_component = api(n.pb, "DELETE", "/room/" + on_a + "/component/nope");
  EXPECT_EQ(no_component.status, 404);
  EXPECT_EQ(no_component.json_body()["errors"], "Component nope does not exist");

  // DELETE peer through B.
  auto removed = api(n.pb, "DELETE", "/room/" + on_a + "/peer/" + peer_id);
  EXPECT_EQ(removed.status, 204) << removed.body;
  EXPECT_TRUE(removed.body.empty());
  EXPECT_TRUE(api(n.pa, "GET", "/room/" + on_a).json_body()["data"]["peers"].empty());
  auto again = api(n.pb, "DELETE", "/room/" + on_a + "/peer/" + peer_id);
  EXPECT_EQ(again.status, 404);
  EXPECT_EQ(again.json_body()["errors"], "Peer " + peer_id + " does not exist");

  // GET /room stays node-local (v0.2.1); ?scope=cluster lists both nodes.
  EXPECT_EQ(room_ids(api(n.pb, "GET", "/room")), (std::set<std::string>{on_b}));
  EXPECT_EQ(room_ids(api(n.pb, "GET", "/room?scope=local")), (std::set<std::string>{on_b}));
  const auto cluster_list = api(n.pb, "GET", "/room?scope=cluster");
  EXPECT_EQ(room_ids(cluster_list), (std::set<std::string>{on_a, on_b}));
  EXPECT_EQ(cluster_list.json_body()["unreachable_nodes"], json::array());
  EXPECT_EQ(room_ids(api(n.pa, "GET", "/room?scope=cluster")), (std::set<std::string>{on_a, on_b}));
  EXPECT_FALSE(api(n.pa, "GET", "/room").json_body().contains("unreachable_nodes"));  // v0.2.1's shape
  auto bad_scope = api(n.pb, "GET", "/room?scope=everything");
  EXPECT_EQ(bad_scope.status, 400);
  EXPECT_EQ(bad_scope.json_body()["errors"], "scope must be \"local\" or \"cluster\"");

  // DELETE room through B removes it on A.
  EXPECT_EQ(api(n.pb, "DELETE", "/room/" + on_a).status, 204);
  auto gone = api(n.pa, "GET", "/room/" + on_a);
  EXPECT_EQ(gone.status, 404);
  auto gone_routed = api(n.pb, "GET", "/room/" + on_a);
  EXPECT_EQ(gone_routed.status, 404);
  EXPECT_EQ(gone_routed.json_body()["errors"], "Room " + on_a + " does not exist");

  // Ids that name no node of the cluster are simply unknown rooms.
  for (std::string unknown : {"00000000-0000-4000-8000-000000000000", "not-a-uuid"}) {
    auto missing = api(n.pb, "GET", "/room/" + unknown);
    EXPECT_EQ(missing.status, 404);
    EXPECT_EQ(missing.json_body()["errors"], "Room " + unknown + " does not exist");
  }
}

TEST(ClusterRouting, AKilledOwnerIsAPrompt503) {
  TwoNodes n;
  ASSERT_TRUE(wait_for_cluster(n.pb, 2)) << n.b->output();
  auto rooms = one_room_per_node(n.pb);
  ASSERT_EQ(rooms.size(), 2u);
  const auto on_a = rooms[n.a_address];
  const auto on_b = rooms[n.b_address];

  kill(n.a->pid(), SIGKILL);
  const std::string expected = "Room " + on_a + " is on node " + n.a_name + ", which is unreachable";
  auto started = std::chrono::steady_clock::now();
  auto routed = api(n.pb, "GET", "/room/" + on_a);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(6));
  EXPECT_EQ(routed.status, 503) << routed.body;
  EXPECT_EQ(routed.json_body()["errors"], expected);

  ASSERT_TRUE(wait_for_cluster(n.pb, 1));  // noticed; the dead node is still retried, so still 503
  started = std::chrono::steady_clock::now();
  for (auto [method, path] : {std::pair{"GET", "/room/" + on_a}, std::pair{"DELETE", "/room/" + on_a},
                              std::pair{"POST", "/room/" + on_a + "/peer"}}) {
    auto result = api(n.pb, method, path, method == std::string("POST") ? R"({"type":"webrtc"})" : "");
    EXPECT_EQ(result.status, 503) << method << " " << path << ": " << result.body;
    EXPECT_EQ(result.json_body()["errors"], expected);
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(1));  // no waiting at all
  // The survivor's own rooms and the cluster list keep working.
  EXPECT_EQ(api(n.pb, "GET", "/room/" + on_b).status, 200);
  // ...and the cluster list says whose rooms it is missing.
  const auto survivors = api(n.pb, "GET", "/room?scope=cluster");
  EXPECT_EQ(room_ids(survivors), (std::set<std::string>{on_b}));
  EXPECT_EQ(survivors.json_body()["unreachable_nodes"], json::array({n.a_name}));
}

// HLS files live on the owner's disk: any other node sends the client there, keeping the path
// and query, and the owner serves the file. A dead owner is the same prompt 503 as other routes.
TEST(ClusterRouting, HlsRequestsThroughANonOwnerNodeAreRedirectedToTheOwner) {
  const auto output = std::filesystem::temp_directory_path() / ("shoal-hls-routing-" + std::to_string(::getpid()));
  std::filesystem::create_directories(output);
  const std::string a_name = unique_node_name("ha");
  const std::string b_name = unique_node_name("hb");
  const std::uint16_t pa = free_port();
  const std::uint16_t pb = free_port();
  auto a_env = cluster_env(a_name, "", pa);
  a_env["JF_OUTPUT_BASE_PATH"] = (output / "a").string();
  auto b_env = cluster_env(b_name, a_name, pb);
  b_env["JF_OUTPUT_BASE_PATH"] = (output / "b").string();
  auto a = std::make_unique<ShoalProcess>(a_env);
  ShoalProcess b(b_env);
  ASSERT_TRUE(wait_for_cluster(pb, 2)) << b.output();
  auto rooms = one_room_per_node(pb);
  const auto on_a = rooms["localhost:" + std::to_string(pa)];
  ASSERT_FALSE(on_a.empty());
  const auto dir = output / "a" / "hls_output" / on_a;
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "index.m3u8") << "#EXTM3U\n#EXT-X-VERSION:7\n";

  const std::string target = "/hls/" + on_a + "/index.m3u8?_HLS_skip=YES";
  auto redirected = api(pb, "GET", target);
  EXPECT_EQ(redirected.status, 307) << redirected.body;
  EXPECT_EQ(redirected.header("location"), "//localhost:" + std::to_string(pa) + target);
  auto served = api(pa, "GET", "/hls/" + on_a + "/index.m3u8");
  EXPECT_EQ(served.status, 200);
  EXPECT_EQ(served.body, "#EXTM3U\n#EXT-X-VERSION:7\n");

  // A room of no node, and files of B's own rooms, are answered by B itself as before.
  EXPECT_EQ(api(pb, "GET", "/hls/" + rooms["localhost:" + std::to_string(pb)] + "/index.m3u8").status, 404);
  EXPECT_EQ(api(pb, "GET", "/hls/not-a-room/index.m3u8").status, 404);

  kill(a->pid(), SIGKILL);
  auto unreachable = api(pb, "GET", target);
  EXPECT_EQ(unreachable.status, 503) << unreachable.body;
  EXPECT_EQ(unreachable.json_body()["errors"], "Room " + on_a + " is on node " + a_name + ", which is unreachable");
  a.reset();
  std::filesystem::remove_all(output);
}

}  // namespace
}  // namespace shoal::test
