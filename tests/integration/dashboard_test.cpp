// The built-in dashboard's server side with real processes: /dashboard/ is served only when
// JF_DASHBOARD_ENABLED is true, from the binary, with a content security policy; GET /cluster (its
// data, and an operator's view) needs the API token and shows the nodes' load and state and every
// room with its node, peers and tracks, across a two-node cluster and after one node dies. The
// pages themselves are tested in the browser (tests/e2e, scenario "dashboard").
#include "cluster_harness.hpp"
#include "harness.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <map>
#include <thread>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

const Env kDashboard{{"JF_DASHBOARD_ENABLED", "true"}};

TEST(Dashboard, IsNotServedUnlessEnabled) {
  ShoalProcess node;
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/").status, 404);
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/overview.js").status, 404);
}

TEST(Dashboard, ServesItsPagesFromTheBinary) {
  ShoalProcess node(kDashboard);
  auto bare = http_request(node.port(), "GET", "/dashboard");
  EXPECT_EQ(bare.status, 308);
  EXPECT_EQ(bare.headers["location"], "/dashboard/");

  auto index = http_request(node.port(), "GET", "/dashboard/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.headers["content-type"], "text/html; charset=utf-8");
  EXPECT_NE(index.body.find("<title>shoal dashboard</title>"), std::string::npos) << index.body;
  EXPECT_NE(index.headers["content-security-policy"].find("script-src 'self'"), std::string::npos);
  EXPECT_NE(index.headers["content-security-policy"].find("frame-ancestors 'none'"), std::string::npos);
  EXPECT_EQ(index.headers["x-content-type-options"], "nosniff");
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/index.html").body, index.body);

  auto join = http_request(node.port(), "GET", "/dashboard/join.js");
  ASSERT_EQ(join.status, 200);
  EXPECT_EQ(join.headers["content-type"], "text/javascript; charset=utf-8");
  EXPECT_NE(join.body.find("renegotiateTracks"), std::string::npos) << "the client SDK is bundled";
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/overview.js").status, 200);
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/dashboard.css").headers["content-type"],
            "text/css; charset=utf-8");

  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/missing.js").status, 404);
  EXPECT_EQ(http_request(node.port(), "GET", "/dashboard/%2e%2e/openapi.json").status, 404);
  EXPECT_EQ(http_request(node.port(), "POST", "/dashboard/").status, 404);
}

TEST(Dashboard, ClusterViewNeedsTheToken) {
  ShoalProcess node(kDashboard);
  auto missing = http_request(node.port(), "GET", "/cluster");
  EXPECT_EQ(missing.status, 401);
  EXPECT_EQ(missing.json_body()["errors"], "Missing token");
  auto wrong = api(node.port(), "GET", "/cluster", {}, "not-the-token");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(wrong.json_body()["errors"], "Invalid token");
}

TEST(Dashboard, ClusterViewOfASingleNode) {
  ShoalProcess node;
  const auto room = create_room(node.port());
  create_peer(node.port(), room);
  auto view = api(node.port(), "GET", "/cluster");
  ASSERT_EQ(view.status, 200) << view.body;
  const auto data = view.json_body()["data"];
  EXPECT_EQ(data["node"], "nonode@nohost");
  ASSERT_EQ(data["nodes"].size(), 1u);
  const auto self = data["nodes"][0];
  EXPECT_EQ(self["name"], "nonode@nohost");
  EXPECT_EQ(self["self"], true);
  EXPECT_EQ(self["state"], "serving");
  EXPECT_EQ(self["rooms"], 1);
  EXPECT_EQ(self["peers"], 1);
  EXPECT_EQ(self["forwardedTracks"], 0);
  EXPECT_TRUE(self["cpuPercent"].is_number());
  ASSERT_EQ(data["rooms"].size(), 1u);
  EXPECT_EQ(data["rooms"][0]["id"], room);
  EXPECT_EQ(data["rooms"][0]["node"], "nonode@nohost");
  EXPECT_EQ(data["rooms"][0]["peers"].size(), 1u);
  EXPECT_EQ(data["rooms"][0]["peers"][0]["tracks"], json::array());
  EXPECT_EQ(data["unreachable_nodes"], json::array());

  ASSERT_EQ(api(node.port(), "POST", "/drain", R"({"timeout": 30})").status, 202);
  EXPECT_EQ(api(node.port(), "GET", "/cluster").json_body()["data"]["nodes"][0]["state"], "draining");
}

json node_entry(const json& view, const std::string& name) {
  for (const auto& entry : view["data"]["nodes"]) {
    if (entry["name"] == name) return entry;
  }
  return nullptr;
}

// Polls GET /cluster on `port` until `ready` holds (bounded).
json wait_for_view(std::uint16_t port, const std::function<bool(const json&)>& ready,
                   std::chrono::milliseconds timeout = 5s) {
  const auto deadline = Clock::now() + timeout;
  json view = api(port, "GET", "/cluster").json_body();
  while (!ready(view) && Clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
    view = api(port, "GET", "/cluster").json_body();
  }
  return view;
}

TEST(Dashboard, ClusterViewShowsEveryNodesLoadAndRoomsAndWhichNodeDied) {
  const auto a_name = unique_node_name("da");
  const auto b_name = unique_node_name("db");
  const auto pa = free_port();
  const auto pb = free_port();
  // Each lists the other, so a keeps b as a known node (retried) after it dies.
  ShoalProcess a(cluster_env(a_name, b_name, pa));
  auto b = std::make_unique<ShoalProcess>(cluster_env(b_name, a_name, pb));
  ASSERT_TRUE(wait_for_cluster(pa, 2)) << a.output();
  ASSERT_TRUE(wait_for_cluster(pb, 2)) << b->output();

  // Two creates through b: placement puts one room on each node. A peer joins b's room.
  std::map<std::string, std::string> rooms;  // node -> room id
  for (int i = 0; i < 2; ++i) {
    auto created = api(pb, "POST", "/room").json_body()["data"];
    rooms[created["jellyfish_address"] == "localhost:" + std::to_string(pa) ? a_name : b_name] = created["room"]["id"];
  }
  ASSERT_EQ(rooms.size(), 2u) << "one room per node";
  create_peer(pb, rooms[b_name]);
  auto view = wait_for_view(pa, [&](const json& v) {
    auto entry = node_entry(v, b_name);
    return entry.is_object() && entry["rooms"] == 1 && entry["peers"] == 1;
  });
  EXPECT_EQ(view["data"]["node"], a_name);
  const auto self = node_entry(view, a_name);
  EXPECT_EQ(self["self"], true);
  EXPECT_EQ(self["rooms"], 1);
  EXPECT_EQ(self["peers"], 0);
  const auto other = node_entry(view, b_name);
  ASSERT_TRUE(other.is_object()) << view.dump();
  EXPECT_EQ(other["self"], false);
  EXPECT_EQ(other["connected"], true);
  EXPECT_EQ(other["state"], "serving");
  EXPECT_EQ(other["rooms"], 1) << view.dump();
  EXPECT_EQ(other["peers"], 1);
  EXPECT_LT(other["reportAgeMs"].get<int>(), 3000);
  std::map<std::string, std::string> listed;  // node -> room id
  for (const auto& room : view["data"]["rooms"]) listed[room["node"]] = room["id"];
  EXPECT_EQ(listed, rooms) << view.dump();

  // b drains: a shows it at once (b tells the cluster when it starts).
  ASSERT_EQ(api(pb, "POST", "/drain", R"({"timeout": 30})").status, 202);
  view = wait_for_view(pa, [&](const json& v) { return node_entry(v, b_name)["state"] == "draining"; });
  EXPECT_EQ(node_entry(view, b_name)["state"], "draining");

  // b dies: a names it unreachable, keeps its last figures, and says its rooms are missing.
  kill(b->pid(), SIGKILL);
  view = wait_for_view(pa, [&](const json& v) { return node_entry(v, b_name)["state"] == "unreachable"; }, 10s);
  const auto dead = node_entry(view, b_name);
  EXPECT_EQ(dead["state"], "unreachable") << view.dump();
  EXPECT_EQ(dead["connected"], false);
  EXPECT_EQ(dead["rooms"], 1);
  ASSERT_EQ(view["data"]["rooms"].size(), 1u) << view.dump();
  EXPECT_EQ(view["data"]["rooms"][0]["id"], rooms[a_name]);
  EXPECT_EQ(view["data"]["unreachable_nodes"], json::array({b_name}));
  b.reset();
}

TEST(Dashboard, EnabledMustBeTrueOrFalse) {
  auto result = run_shoal_to_exit(Env{{"JF_DASHBOARD_ENABLED", "yes"}}, {"--dev"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.output.find("Bad JF_DASHBOARD_ENABLED environment variable value. Expected true or false, got: yes"),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace shoal::test
