// Two Cluster nodes in this process over real Erlang distribution (the real epmd). Placement
// falls back to the next best node when the chosen one fails during the create call, and the late
// room the slow node makes afterwards is deleted; it decides from the load the other node pushed,
// without asking it, and asks only a node whose pushed load is missing or stale. Notifications
// are relayed only to a node with a subscribed server socket.
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
  std::atomic<int> relayed_here{0};

  bool has(const std::string& id) {
    std::lock_guard lock(mutex);
    return live.count(id) != 0;
  }
};

Cluster::LocalNode local_node(std::uint64_t rooms, std::string address, std::chrono::milliseconds create_delay,
                              Rooms& made, std::atomic<int>* usage_delay_ms = nullptr) {
  Cluster::LocalNode local;
  local.usage = [rooms, usage_delay_ms, &made] {
    if (usage_delay_ms != nullptr) std::this_thread::sleep_for(std::chrono::milliseconds(usage_delay_ms->load()));
    return NodeUsage{"", 0, rooms + static_cast<std::uint64_t>(made.creates.load())};
  };
  local.create_room = [address, create_delay, &made](const room::RoomConfig&) {
    std::this_thread::sleep_for(create_delay);
    const auto id = address + "/room-" + std::to_string(++made.creates);
    std::lock_guard lock(made.mutex);
    made.live.insert(id);
    return core::Result<CreatedRoom, PlacementError>(CreatedRoom{"{}", address, "", id});
  };
  local.delete_room = [&made](const std::string& id) {
    std::lock_guard lock(made.mutex);
    made.live.erase(id);
  };
  local.remote_event = [&made](notifications::ServerEvent) { ++made.relayed_here; };
  local.rest = [](const RestRequest&) { return std::optional<RestReply>{}; };
  return local;
}

bool wait_connected(const Cluster& cluster) {
  const auto deadline = std::chrono::steady_clock::now() + 5s;
  while (cluster.connected_nodes().empty() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(20ms);
  }
  return !cluster.connected_nodes().empty();
}

TEST(ClusterPlacementFallback, AChosenNodeThatFailsDuringTheCreateHandsTheRoomToTheNextBest) {
  const auto busy_name = node_name("busy"), hung_name = node_name("hung");
  Rooms busy_rooms, hung_rooms;
  // The hung node is the least loaded (0 rooms against 5), so placement picks it first.
  Cluster hung(dist(hung_name, {}), local_node(0, "hung:1", 2s, hung_rooms), 300ms);
  Cluster busy(dist(busy_name, {hung_name}), local_node(5, "busy:1", 0ms, busy_rooms), 300ms);
  ASSERT_TRUE(hung.start().has_value());
  ASSERT_TRUE(busy.start().has_value());
  ASSERT_TRUE(wait_connected(busy));

  const auto started = std::chrono::steady_clock::now();
  auto placed = busy.place_room(room::RoomConfig{});
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->address, "busy:1");
  EXPECT_EQ(placed->node, busy_name);
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

std::uint64_t rooms_seen(Cluster& cluster, const std::string& node) {
  for (const auto& usage : cluster.gather_usage()) {
    if (usage.node == node) return usage.rooms;
  }
  return ~0ull;
}

TEST(ClusterPushedLoad, PlacementDecidesFromThePushedLoadWithoutWaitingOnASlowNode) {
  const auto entry_name = node_name("entry"), slow_name = node_name("slow");
  Rooms entry_rooms, slow_rooms;
  std::atomic<int> slow_usage_ms{0};
  Cluster slow(dist(slow_name, {}), local_node(0, "slow:1", 0ms, slow_rooms, &slow_usage_ms), 1000ms);
  Cluster entry(dist(entry_name, {slow_name}), local_node(3, "entry:1", 0ms, entry_rooms), 1000ms);
  ASSERT_TRUE(slow.start().has_value());
  ASSERT_TRUE(entry.start().has_value());
  ASSERT_TRUE(wait_connected(entry));
  // The slow node pushes its load at the next 50 ms check after the connection comes up.
  std::this_thread::sleep_for(500ms);

  // From now on the slow node takes 1.5 s to work out its load: asking it would cost every create
  // a call timeout. Its pushes stall as well, but the table stays fresh for 3 s.
  slow_usage_ms = 1500;
  std::this_thread::sleep_for(100ms);
  const auto started = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(entry.place_room(room::RoomConfig{}).has_value());
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_LT(took, 500ms);
  // 3 rooms against 0: the slow node gets three (counted here as they are placed, before it
  // reports them), then they alternate from 3 : 3.
  EXPECT_EQ(slow_rooms.creates, 4);
  EXPECT_EQ(entry_rooms.creates, 1);
  slow_usage_ms = 0;
  entry.stop();
  slow.stop();
}

TEST(ClusterPushedLoad, ANodeThatPushesNoLoadIsAskedAsBefore) {
  const auto entry_name = node_name("entry"), quiet_name = node_name("quiet");
  Rooms entry_rooms, quiet_rooms;
  // The quiet node's first push would come after a minute: it stands in for a node of an older
  // version, which pushes nothing.
  Cluster quiet(dist(quiet_name, {}), local_node(7, "quiet:1", 0ms, quiet_rooms), 1000ms, 5000ms,
                LoadReporting{60s, 60s, 60s, 3s});
  Cluster entry(dist(entry_name, {quiet_name}), local_node(9, "entry:1", 0ms, entry_rooms), 1000ms);
  ASSERT_TRUE(quiet.start().has_value());
  ASSERT_TRUE(entry.start().has_value());
  ASSERT_TRUE(wait_connected(entry));
  EXPECT_EQ(rooms_seen(entry, quiet_name), 7u);  // asked
  auto placed = entry.place_room(room::RoomConfig{});
  ASSERT_TRUE(placed.has_value());
  EXPECT_EQ(placed->node, quiet_name);
  entry.stop();
  quiet.stop();
}

TEST(ClusterRelay, NotificationsGoOnlyToANodeWithASubscribedServerSocket) {
  const auto source_name = node_name("source"), sink_name = node_name("sink");
  Rooms source_rooms, sink_rooms;
  Cluster sink(dist(sink_name, {}), local_node(0, "sink:1", 0ms, sink_rooms), 1000ms);
  Cluster source(dist(source_name, {sink_name}), local_node(0, "source:1", 0ms, source_rooms), 1000ms);
  ASSERT_TRUE(sink.start().has_value());
  ASSERT_TRUE(source.start().has_value());
  ASSERT_TRUE(wait_connected(source));
  const notifications::ServerEvent created{notifications::ServerEventKind::RoomCreated, "room-1", {}};
  auto relayed_within = [&](std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (sink_rooms.relayed_here == 0 && std::chrono::steady_clock::now() < deadline) std::this_thread::sleep_for(5ms);
    return sink_rooms.relayed_here.load();
  };

  // Before the sink has reported, the source cannot know: it relays, as to older nodes.
  // (The sink reports at its first 50 ms check, so wait that out instead.)
  std::this_thread::sleep_for(500ms);
  source.relay_event(created);
  EXPECT_EQ(relayed_within(300ms), 0);  // reported: no subscriber there

  // Subscribed and announced: the very next event is relayed.
  sink.add_event_subscriber();
  sink.announce_load();
  source.relay_event(created);
  EXPECT_EQ(relayed_within(2s), 1);

  // Unsubscribed: told at the next report (within the 250 ms gap and a 50 ms check).
  sink.remove_event_subscriber();
  std::this_thread::sleep_for(600ms);
  sink_rooms.relayed_here = 0;
  source.relay_event(created);
  EXPECT_EQ(relayed_within(300ms), 0);
  source.stop();
  sink.stop();
}

}  // namespace
}  // namespace shoal::cluster
