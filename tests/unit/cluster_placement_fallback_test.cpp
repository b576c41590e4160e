// Placement falls back to the next best node when the chosen one fails during the create call:
// two Cluster nodes in this process over real Erlang distribution (the real epmd); the less
// loaded one hangs in its create, longer than the call timeout.
#include "cluster/cluster.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <random>
#include <thread>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;

std::string node_name(const std::string& base) {
  std::random_device random;
  return base + std::to_string(::getpid()) + "_" + std::to_string(random() % 100000) + "@127.0.0.1";
}

config::DistConfig dist(const std::string& name, std::vector<std::string> nodes) {
  config::DistConfig c;
  c.enabled = true;
  c.node_name = name;
  c.cookie = "placement_test_cookie";
  c.nodes = std::move(nodes);
  return c;
}

Cluster::LocalNode local_node(std::uint64_t rooms, std::string address, std::chrono::milliseconds create_delay,
                              std::atomic<int>& creates) {
  Cluster::LocalNode local;
  local.usage = [rooms] { return NodeUsage{"", 0, rooms}; };
  local.create_room = [address, create_delay, &creates](const room::RoomConfig&) {
    std::this_thread::sleep_for(create_delay);
    ++creates;
    return std::variant<CreatedRoom, PlacementError>(CreatedRoom{"{}", address, ""});
  };
  local.remote_event = [](notifications::ServerEvent) {};
  local.rest = [](const RestRequest&) { return std::optional<RestReply>{}; };
  return local;
}

TEST(ClusterPlacementFallback, AChosenNodeThatFailsDuringTheCreateHandsTheRoomToTheNextBest) {
  const auto busy_name = node_name("busy"), hung_name = node_name("hung");
  std::atomic<int> busy_creates{0}, hung_creates{0};
  // The hung node is the least loaded (0 rooms against 5), so placement picks it first.
  Cluster hung(dist(hung_name, {}), local_node(0, "hung:1", 2s, hung_creates), 300ms);
  Cluster busy(dist(busy_name, {hung_name}), local_node(5, "busy:1", 0ms, busy_creates), 300ms);
  ASSERT_TRUE(hung.start().ok());
  ASSERT_TRUE(busy.start().ok());
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (busy.connected_nodes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_EQ(busy.connected_nodes().size(), 1u);

  const auto started = std::chrono::steady_clock::now();
  auto placed = busy.place_room(room::RoomConfig{});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(std::holds_alternative<CreatedRoom>(placed));
  EXPECT_EQ(std::get<CreatedRoom>(placed).address, "busy:1");
  EXPECT_EQ(std::get<CreatedRoom>(placed).node, busy_name);
  EXPECT_EQ(busy_creates, 1);
  EXPECT_LT(took, 1500ms);  // one call timeout, not the hung node's 2 s
  busy.stop();
  hung.stop();
}

}  // namespace
}  // namespace shoal::cluster
