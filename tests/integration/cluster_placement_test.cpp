// Cluster mode with real processes and the real epmd: the documentation's two-node example,
// a mesh formed through one listed node, placement surviving a killed node, and placement that
// does not wait on a node that stopped answering.
#include "cluster_harness.hpp"

#include <gtest/gtest.h>

#include <netdb.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <map>
#include <set>
#include <thread>

namespace shoal::test {
namespace {

TEST(ClusterPlacement, TheDocumentedTwoNodeExampleBalancesRooms) {
  const auto j1 = unique_node_name("j1"), j2 = unique_node_name("j2");
  const auto p1 = free_port(), p2 = free_port();
  ShoalProcess first(cluster_env(j1, "", p1));
  ShoalProcess second(cluster_env(j2, j1, p2));
  ASSERT_TRUE(wait_for_cluster(p2, 2)) << second.output();
  ASSERT_TRUE(wait_for_cluster(p1, 2)) << first.output();

  std::set<std::string> addresses;
  for (int i = 0; i < 2; ++i) {
    auto created = api(p2, "POST", "/room");
    ASSERT_EQ(created.status, 201) << created.body;
    addresses.insert(created.json_body()["data"]["jellyfish_address"].get<std::string>());
  }
  EXPECT_EQ(addresses, (std::set<std::string>{"localhost:" + std::to_string(p1), "localhost:" + std::to_string(p2)}));
  EXPECT_EQ(api(p1, "GET", "/room").json_body()["data"].size(), 1u);
  EXPECT_EQ(api(p2, "GET", "/room").json_body()["data"].size(), 1u);
  EXPECT_NE(first.output().find("connected to :\"" + j2 + "\""), std::string::npos) << first.output();
  auto metrics = http_request(second.metrics_port(), "GET", "/metrics").body;
  EXPECT_NE(metrics.find("shoal_cluster_placements_total{node=\"" + j1 + "\"} 1"), std::string::npos) << metrics;
  EXPECT_NE(metrics.find("shoal_cluster_placements_total{node=\"" + j2 + "\"} 1"), std::string::npos) << metrics;

  // Validation happens before placement, with the original texts.
  auto bad = api(p2, "POST", "/room", R"({"maxPeers":"x"})");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.json_body()["errors"], "maxPeers must be a number");
  // Room options travel with the placement.
  auto configured = api(p2, "POST", "/room", R"({"maxPeers":3,"videoCodec":"vp8"})");
  ASSERT_EQ(configured.status, 201);
  EXPECT_EQ(configured.json_body()["data"]["room"]["config"], json::parse(R"({"maxPeers":3,"videoCodec":"vp8"})"));
  // Cluster nodes stop cleanly too; their notification relay lives on the blocking pool.
  EXPECT_EQ(second.terminate(), 0) << second.output();
  EXPECT_EQ(first.terminate(), 0) << first.output();
}

TEST(ClusterPlacement, ThreeNodesFormAFullMeshThroughOneListedNode) {
  const auto a = unique_node_name("a"), b = unique_node_name("b"), c = unique_node_name("c");
  const auto pa = free_port(), pb = free_port(), pc = free_port();
  // Started in reverse order: c lists b, b lists a, a lists nobody — and a starts last.
  ShoalProcess node_c(cluster_env(c, b, pc));
  ShoalProcess node_b(cluster_env(b, a, pb));
  ShoalProcess node_a(cluster_env(a, "", pa));
  for (auto port : {pa, pb, pc}) ASSERT_TRUE(wait_for_cluster(port, 3)) << port;

  std::map<std::string, int> placed;
  for (int i = 0; i < 6; ++i) {
    auto created = api(pc, "POST", "/room");
    ASSERT_EQ(created.status, 201);
    placed[created.json_body()["data"]["jellyfish_address"]]++;
  }
  ASSERT_EQ(placed.size(), 3u);
  for (const auto& [address, count] : placed) EXPECT_EQ(count, 2) << address;
}

TEST(ClusterPlacement, CreatesKeepSucceedingWhenANodeIsKilled) {
  const auto a = unique_node_name("k1"), b = unique_node_name("k2");
  const auto pa = free_port(), pb = free_port();
  ShoalProcess survivor(cluster_env(a, b, pa));
  auto victim = std::make_unique<ShoalProcess>(cluster_env(b, a, pb));
  ASSERT_TRUE(wait_for_cluster(pa, 2));
  auto kept = create_room(pa);

  // A stream of creates, with the kill in the middle of it: every create succeeds, on the
  // survivor or (before the kill) on the victim.
  std::atomic<int> attempts{0};
  std::atomic<int> created{0};
  std::thread stream([&] {
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (attempts < 200 && std::chrono::steady_clock::now() < until) {
      ++attempts;
      created += api(pa, "POST", "/room").status == 201;
    }
  });
  while (attempts < 10) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  kill(victim->pid(), SIGKILL);
  stream.join();
  EXPECT_GT(attempts, 20);
  EXPECT_EQ(created, attempts);
  EXPECT_EQ(api(pa, "GET", "/room/" + kept).status, 200);
  EXPECT_TRUE(wait_for_cluster(pa, 1, std::chrono::seconds(5)));  // the dead node is noticed

  // Restarted under the same name, it rejoins by itself.
  victim.reset();
  ShoalProcess restarted(cluster_env(b, "", pb));
  EXPECT_TRUE(wait_for_cluster(pa, 2, std::chrono::seconds(8))) << survivor.output();
}

// A node frozen by SIGSTOP stays connected (long heartbeat timeout) but answers nothing: creates
// decide from the load the nodes pushed, so at most one of them waits out a call timeout on it
// (before this, every create asked every node and waited the full timeout for the frozen one).
TEST(ClusterPlacement, CreatesDoNotWaitOnAFrozenNode) {
  const auto a = unique_node_name("f1"), b = unique_node_name("f2"), c = unique_node_name("f3");
  const auto pa = free_port(), pb = free_port(), pc = free_port();
  auto env = [](Env e) {
    e["JF_DIST_HEARTBEAT_TIMEOUT"] = "30000";
    return e;
  };
  ShoalProcess node_a(env(cluster_env(a, "", pa))), node_b(env(cluster_env(b, a, pb))),
      node_c(env(cluster_env(c, a, pc)));
  ASSERT_TRUE(wait_for_cluster(pa, 3, std::chrono::seconds(10)));
  ASSERT_TRUE(wait_for_cluster(pc, 3, std::chrono::seconds(10)));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // every node's load has arrived

  kill(node_c.pid(), SIGSTOP);
  struct Thaw {
    pid_t pid;
    ~Thaw() { kill(pid, SIGCONT); }
  } thaw{node_c.pid()};
  const std::string frozen = "localhost:" + std::to_string(pc);
  std::map<std::string, int> placed;
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 20; ++i) {
    auto created = api(pa, "POST", "/room");
    ASSERT_EQ(created.status, 201) << created.body;
    placed[created.json_body()["data"]["jellyfish_address"]]++;
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_EQ(placed.count(frozen), 0u);
  EXPECT_EQ(placed.size(), 2u);
  // One create may wait a call timeout (1 s) to find the node frozen, and one more when the
  // 3 s skip ends; asking everyone took 20 s here.
  EXPECT_LT(took, std::chrono::seconds(6));

  // Thawed, it reports its load again and, with no rooms, takes the next create.
  kill(node_c.pid(), SIGCONT);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  bool reached = false;
  while (!reached && std::chrono::steady_clock::now() < deadline) {
    auto created = api(pa, "POST", "/room");
    ASSERT_EQ(created.status, 201);
    reached = created.json_body()["data"]["jellyfish_address"] == frozen;
    if (!reached) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(reached) << node_a.output();
}

TEST(ClusterPlacement, AWrongCookieNeverJoinsAndBothSidesSaySo) {
  const auto a = unique_node_name("c1"), b = unique_node_name("c2");
  const auto pa = free_port(), pb = free_port();
  auto env_b = cluster_env(b, a, pb);
  env_b["JF_DIST_COOKIE"] = "not_the_cookie";
  ShoalProcess node_a(cluster_env(a, "", pa));  // default cookie jellyfish_cookie
  ShoalProcess node_b(env_b);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  const auto said = [](const ShoalProcess& node, const std::string& other) {
    const auto out = node.output();
    return out.find(":\"" + other + "\": distribution handshake failed") != std::string::npos &&
           out.find("is the cookie the same on both nodes?") != std::string::npos;
  };
  while (std::chrono::steady_clock::now() < deadline && !(said(node_a, b) && said(node_b, a))) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(said(node_a, b)) << node_a.output();
  EXPECT_TRUE(said(node_b, a)) << node_b.output();
  EXPECT_EQ(nodes_in_cluster(pa), 1u);
  EXPECT_EQ(nodes_in_cluster(pb), 1u);
  // Both keep serving alone.
  EXPECT_EQ(api(pb, "POST", "/room").json_body()["data"]["jellyfish_address"], "localhost:" + std::to_string(pb));
}

TEST(ClusterPlacement, ShortNamesFormACluster) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  const std::string short_host = std::string(host).substr(0, std::string(host).find('.'));
  if (!::gethostbyname(short_host.c_str())) GTEST_SKIP() << "host name " << short_host << " does not resolve";
  auto name = [&](const std::string& base) {
    auto full = unique_node_name(base);
    return full.substr(0, full.find('@') + 1) + short_host;
  };
  const auto a = name("s1"), b = name("s2");
  const auto pa = free_port(), pb = free_port();
  auto env_a = cluster_env(a, "", pa);
  auto env_b = cluster_env(b, a, pb);
  env_a["JF_DIST_MODE"] = env_b["JF_DIST_MODE"] = "sname";
  ShoalProcess node_a(env_a);
  ShoalProcess node_b(env_b);
  ASSERT_TRUE(wait_for_cluster(pa, 2)) << node_a.output();
  std::set<std::string> addresses;
  for (int i = 0; i < 2; ++i) addresses.insert(api(pb, "POST", "/room").json_body()["data"]["jellyfish_address"]);
  EXPECT_EQ(addresses.size(), 2u);
  // A long name in sname mode is refused before anything starts.
  auto refused = run_shoal_to_exit({{"JF_DIST_ENABLED", "true"}, {"JF_DIST_MODE", "sname"},
                                    {"JF_DIST_NODE_NAME", "x@127.0.0.1"}}, {"--dev"});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.output.find("JF_DIST_NODE_NAME"), std::string::npos) << refused.output;
}

TEST(ClusterPlacement, DistributionWithoutANodeNameStopsWithTheOriginalText) {
  auto result = run_shoal_to_exit({{"JF_DIST_ENABLED", "true"}}, {"--dev"});
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("JF_DIST_ENABLED has been set but JF_DIST_NODE_NAME remains unset."),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace shoal::test

namespace shoal::test {
namespace {

// One server socket on any node sees the events of rooms on every node, once each.
TEST(ClusterNotifications, AServerSocketOnOneNodeSeesRoomsOfTheOthers) {
  const auto a = unique_node_name("n1"), b = unique_node_name("n2");
  const auto pa = free_port(), pb = free_port();
  ShoalProcess node_a(cluster_env(a, "", pa));
  ShoalProcess node_b(cluster_env(b, a, pb));
  ASSERT_TRUE(wait_for_cluster(pa, 2));
  ASSERT_TRUE(wait_for_cluster(pb, 2));

  WsClient socket(pa, "/socket/server/websocket");
  socket.send_binary(std::string("\x3a\x0d\x0a\x0b", 4) + "development");  // auth_request{token}
  ASSERT_TRUE(socket.read());                                              // authenticated
  socket.send_binary(std::string("\x42\x02\x08\x01", 4));                  // subscribe notifications
  ASSERT_TRUE(socket.read());                                              // subscribe_response

  // Rooms alternate between the two nodes; collect both addresses.
  std::map<std::string, std::string> room_node;
  for (int i = 0; i < 2; ++i) {
    auto created = api(pa, "POST", "/room").json_body()["data"];
    room_node[created["room"]["id"]] = created["jellyfish_address"];
  }
  ASSERT_EQ(room_node.size(), 2u);
  std::map<std::string, int> seen;
  for (int i = 0; i < 2; ++i) {
    auto frame = socket.read(std::chrono::seconds(3));
    ASSERT_TRUE(frame);
    // room_created = field 10 with a nested room_id string: 0x52 len 0x0a len id
    ASSERT_GE(frame->size(), 4u);
    EXPECT_EQ(static_cast<unsigned char>((*frame)[0]), 0x52);
    seen[frame->substr(4)]++;
  }
  for (const auto& [room, node] : room_node) EXPECT_EQ(seen[room], 1) << room << " on " << node;
  EXPECT_FALSE(socket.read(std::chrono::milliseconds(300)));  // no duplicates
  EXPECT_EQ(node_b.terminate(), 0) << node_b.output();
  EXPECT_EQ(node_a.terminate(), 0) << node_a.output();
}

}  // namespace
}  // namespace shoal::test
