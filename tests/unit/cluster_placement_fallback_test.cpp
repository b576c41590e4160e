// Placement falls back to the next best node when the chosen one fails during the create call,
// and the late room the slow node makes afterwards is deleted: two Cluster nodes in this process
// over real Erlang distribution (the real epmd); the less loaded one hangs in its create, longer
// than the call timeout.
#include "cluster/cluster.hpp"

#include <gtest/gtest.h>

#include <unistd.h>

#include <atomic>
#include <mutex>
#include <random>
#include <set>
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

struct Rooms {
  std::mutex mutex;
  std::set<std::string> live;
  std::atomic<int> creates{0};

  bool has(const std::string& id) {
    std::lock_guard lock(mutex);
    return live.count(id) != 0;
  }
};

Cluster::LocalNode local_node(std::uint64_t rooms, std::string address, std::chrono::milliseconds create_delay,
                              Rooms& made) {
  Cluster::LocalNode local;
  local.usage = [rooms] { return NodeUsage{"", 0, rooms}; };
  local.create_room = [address, create_delay, &made](const room::RoomConfig&) {
    std::this_thread::sleep_for(create_delay);
    const auto id = address + "/room-" + std::to_string(++made.creates);
    std::lock_guard lock(made.mutex);
    made.live.insert(id);
    return std::variant<CreatedRoom, PlacementError>(CreatedRoom{"{}", address, "", id});
  };
  local.delete_room = [&made](const std::string& id) {
    std::lock_guard lock(made.mutex);
    made.live.erase(id);
  };
  local.remote_event = [](notifications::ServerEvent) {};
  local.rest = [](const RestRequest&) { return std::optional<RestReply>{}; };
  return local;
}

TEST(ClusterPlacementFallback, AChosenNodeThatFailsDuringTheCreateHandsTheRoomToTheNextBest) {
  const auto busy_name = node_name("busy"), hung_name = node_name("hung");
  Rooms busy_rooms, hung_rooms;
  // The hung node is the least loaded (0 rooms against 5), so placement picks it first.
  Cluster hung(dist(hung_name, {}), local_node(0, "hung:1", 2s, hung_rooms), 300ms);
  Cluster busy(dist(busy_name, {hung_name}), local_node(5, "busy:1", 0ms, busy_rooms), 300ms);
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
  EXPECT_EQ(busy_rooms.creates, 1);
  EXPECT_LT(took, 1500ms);  // one call timeout, not the hung node's 2 s

  // The hung node makes its room after all, once its 2 s are up; the placement had given up on
  // it, so the room is deleted rather than left with an id nobody knows.
  const auto made_deadline = std::chrono::steady_clock::now() + 5s;
  while (hung_rooms.creates == 0 && std::chrono::steady_clock::now() < made_deadline) std::this_thread::sleep_for(20ms);
  ASSERT_EQ(hung_rooms.creates, 1);
  const auto gone_deadline = std::chrono::steady_clock::now() + 2s;
  while (hung_rooms.has("hung:1/room-1") && std::chrono::steady_clock::now() < gone_deadline) {
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_FALSE(hung_rooms.has("hung:1/room-1"));
  EXPECT_TRUE(busy_rooms.has("busy:1/room-1"));
  busy.stop();
  hung.stop();
}

}  // namespace
}  // namespace shoal::cluster
