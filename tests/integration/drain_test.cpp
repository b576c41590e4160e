// Draining a node (SIGTERM, POST /drain) with real processes: it takes no new rooms or peers,
// serves its rooms until they end or JF_DRAIN_TIMEOUT passes, then closes them as deleted and
// exits 0; a second SIGTERM stops it at once; in a cluster, a rolling restart under a stream of
// creates loses no request and no live room before its deadline.
#include "cluster_harness.hpp"
#include "jellyfish/server_notifications.pb.h"

#include <boost/asio/error.hpp>
#include <boost/system/system_error.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <map>
#include <thread>

namespace shoal::test {
namespace {

using jellyfish::ServerMessage;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

bool exits_within(ShoalProcess& node, std::chrono::milliseconds limit) {
  const auto deadline = Clock::now() + limit;
  while (node.running() && Clock::now() < deadline) std::this_thread::sleep_for(20ms);
  return !node.running();
}

bool draining(std::uint16_t port) { return api(port, "GET", "/health").json_body()["data"]["draining"] == true; }

bool wait_draining(std::uint16_t port) {
  const auto deadline = Clock::now() + 3s;
  while (!draining(port) && Clock::now() < deadline) std::this_thread::sleep_for(10ms);
  return draining(port);
}

std::unique_ptr<WsClient> subscribed_server_socket(std::uint16_t port) {
  auto socket = std::make_unique<WsClient>(port, "/socket/server/websocket");
  ServerMessage auth;
  auth.mutable_auth_request()->set_token("development");
  socket->send_binary(auth.SerializeAsString());
  if (!socket->read()) return nullptr;
  ServerMessage subscribe;
  subscribe.mutable_subscribe_request()->set_event_type(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION);
  socket->send_binary(subscribe.SerializeAsString());
  if (!socket->read()) return nullptr;
  return socket;
}

TEST(Drain, SigtermKeepsServingRoomsUntilTheyEndAndRefusesNewOnes) {
  ShoalProcess node(Env{{"JF_DRAIN_TIMEOUT", "30"}});
  const auto room = create_room(node.port());
  const auto peer = create_peer(node.port(), room);
  auto socket = connect_peer(node.port(), peer.token);

  kill(node.pid(), SIGTERM);
  ASSERT_TRUE(wait_draining(node.port())) << node.output();
  EXPECT_TRUE(output_contains(node, "Draining: no new rooms or peers; 1 rooms left, closed in 30 s at the latest", 2s));
  auto refused_room = api(node.port(), "POST", "/room");
  EXPECT_EQ(refused_room.status, 503);
  EXPECT_EQ(refused_room.json_body()["errors"], "This node is draining and takes no new rooms");
  auto refused_peer = api(node.port(), "POST", "/room/" + room + "/peer", json{{"type", "webrtc"}}.dump());
  EXPECT_EQ(refused_peer.status, 503);
  EXPECT_EQ(refused_peer.json_body()["errors"], "This node is draining and takes no new peers");
  EXPECT_NE(http_request(node.metrics_port(), "GET", "/metrics").body.find("\nshoal_draining 1"), std::string::npos);

  // The room and its peer live on: the room answers, the peer's socket stays open.
  EXPECT_EQ(api(node.port(), "GET", "/room/" + room).status, 200);
  socket->ping();
  EXPECT_FALSE(socket->closed());
  EXPECT_TRUE(node.running());

  // Its last room ended: the node exits, cleanly.
  EXPECT_EQ(api(node.port(), "DELETE", "/room/" + room).status, 204);
  ASSERT_TRUE(exits_within(node, 5s)) << node.output();
  EXPECT_EQ(node.terminate(), 0);
}

TEST(Drain, TheDeadlineClosesTheRoomsAsDeletedWithTheirNotifications) {
  ShoalProcess node(Env{{"JF_DRAIN_TIMEOUT", "1"}});
  auto notifications = subscribed_server_socket(node.port());
  ASSERT_TRUE(notifications);
  const auto room = create_room(node.port());
  auto socket = connect_peer(node.port(), create_peer(node.port(), room).token);

  const auto signalled = Clock::now();
  kill(node.pid(), SIGTERM);
  std::this_thread::sleep_for(500ms);
  EXPECT_EQ(api(node.port(), "GET", "/room/" + room).status, 200);  // before the deadline

  bool deleted = false;
  const auto deadline = Clock::now() + 5s;
  while (!deleted && Clock::now() < deadline) {
    auto frame = notifications->read(std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()));
    if (!frame) break;
    ServerMessage message;
    deleted = message.ParseFromString(*frame) && message.has_room_deleted() && message.room_deleted().room_id() == room;
  }
  EXPECT_TRUE(deleted) << node.output();
  EXPECT_GE(Clock::now() - signalled, 900ms);
  EXPECT_NE(socket->read_until_close(3s).code, 0);  // the peer's socket is closed, not cut
  ASSERT_TRUE(exits_within(node, 5s)) << node.output();
  EXPECT_EQ(node.terminate(), 0);
  EXPECT_NE(node.output().find("Drain deadline passed: closing 1 rooms"), std::string::npos) << node.output();
}

TEST(Drain, ASecondSigtermStopsAtOnce) {
  ShoalProcess node(Env{{"JF_DRAIN_TIMEOUT", "600"}});
  create_room(node.port());
  kill(node.pid(), SIGTERM);
  ASSERT_TRUE(wait_draining(node.port()));
  EXPECT_FALSE(exits_within(node, 300ms));
  kill(node.pid(), SIGTERM);
  ASSERT_TRUE(exits_within(node, 5s)) << node.output();
  EXPECT_EQ(node.terminate(), 0);
  EXPECT_NE(node.output().find("Received signal 15 again, shutting down now"), std::string::npos) << node.output();
}

TEST(Drain, PostDrainStartsOneWithItsOwnTimeout) {
  ShoalProcess node(Env{{"JF_DRAIN_TIMEOUT", "600"}});
  const auto room = create_room(node.port());
  EXPECT_EQ(http_request(node.port(), "POST", "/drain", "{}", {{"content-type", "application/json"}}).status, 401);
  for (const auto* bad : {R"({"timeout":"soon"})", R"({"timeout":-1})", R"({"timeout":1.5})", R"({"timeout":86401})"}) {
    auto refused = api(node.port(), "POST", "/drain", bad);
    EXPECT_EQ(refused.status, 400) << bad;
    EXPECT_EQ(refused.json_body()["errors"], "timeout must be whole seconds from 0 to 86400") << bad;
  }
  EXPECT_FALSE(draining(node.port()));

  auto accepted = api(node.port(), "POST", "/drain", json{{"timeout", 30}}.dump());
  ASSERT_EQ(accepted.status, 202) << accepted.body;
  EXPECT_EQ(accepted.json_body(), (json{{"data", {{"draining", true}, {"rooms", 1}, {"timeout", 30}}}}));
  EXPECT_TRUE(draining(node.port()));
  EXPECT_EQ(api(node.port(), "GET", "/room/" + room).status, 200);
  // Again, shorter: the deadline comes forward; the room is closed and the node exits.
  EXPECT_EQ(api(node.port(), "POST", "/drain", json{{"timeout", 0}}.dump()).status, 202);
  ASSERT_TRUE(exits_within(node, 5s)) << node.output();
  EXPECT_EQ(node.terminate(), 0);
}

TEST(Drain, ABadDrainTimeoutStopsTheServer) {
  for (const auto* bad : {"soon", "-1", "86401", ""}) {
    auto result = run_shoal_to_exit(Env{{"JF_DRAIN_TIMEOUT", bad}}, {"--dev"});
    EXPECT_EQ(result.exit_code, 1) << bad << result.output;
    EXPECT_NE(result.output.find(std::string("Bad JF_DRAIN_TIMEOUT environment variable value. Expected whole seconds "
                                             "from 0 to 86400, got: ") + bad),
              std::string::npos)
        << result.output;
  }
}

// A create through any live node, as a load balancer would send it: a node that refuses the
// connection (stopped) is skipped; an accepted request must get an answer.
struct CreateStream {
  std::atomic<int> created{0};
  std::atomic<int> failed{0};  // answered, but not 201
  std::atomic<int> lost{0};    // accepted and never answered
  std::atomic<bool> stop{false};
  std::vector<std::string> errors;
  std::mutex errors_mutex;

  void run(const std::vector<std::uint16_t>& ports) {
    for (std::size_t i = 0; !stop && i < 100000; ++i) {
      const auto port = ports[i % ports.size()];
      try {
        auto result = api(port, "POST", "/room");
        if (result.status == 201) {
          ++created;
        } else {
          ++failed;
          std::lock_guard lock(errors_mutex);
          errors.push_back(std::to_string(result.status) + " " + result.body);
        }
      } catch (const boost::system::system_error& e) {
        if (e.code() != boost::asio::error::connection_refused) {
          ++lost;
          std::lock_guard lock(errors_mutex);
          errors.push_back(e.what());
        }
      }
      std::this_thread::sleep_for(5ms);
    }
  }
};

TEST(Drain, ARollingRestartOfAClusterLosesNoRequestAndNoLiveRoomBeforeItsDeadline) {
  const std::vector<std::string> names{unique_node_name("r1"), unique_node_name("r2"), unique_node_name("r3")};
  const std::vector<std::uint16_t> ports{free_port(), free_port(), free_port()};
  auto env = [&](std::size_t i) {
    auto e = cluster_env(names[i], names[(i + 1) % 3], ports[i]);
    e["JF_DRAIN_TIMEOUT"] = "2";
    return e;
  };
  std::vector<std::unique_ptr<ShoalProcess>> nodes;
  for (std::size_t i = 0; i < 3; ++i) nodes.push_back(std::make_unique<ShoalProcess>(env(i)));
  for (auto port : ports) ASSERT_TRUE(wait_for_cluster(port, 3, 10s));

  CreateStream stream;
  std::vector<std::string> drained_logs;
  std::thread creates([&] { stream.run(ports); });
  struct Join {
    CreateStream& stream;
    std::thread& thread;
    ~Join() {
      stream.stop = true;
      if (thread.joinable()) thread.join();
    }
  } join{stream, creates};
  for (std::size_t i = 0; i < 3; ++i) {
    // A live room on the node about to restart (one the stream placed there), with a peer.
    std::string room;
    const auto found_by = Clock::now() + 10s;
    while (room.empty() && Clock::now() < found_by) {
      auto rooms = api(ports[i], "GET", "/room").json_body()["data"];
      if (!rooms.empty()) room = rooms.back()["id"];
      if (room.empty()) std::this_thread::sleep_for(50ms);
    }
    ASSERT_FALSE(room.empty()) << "no room landed on node " << i;
    auto peer = connect_peer(ports[i], create_peer(ports[i], room).token);

    const auto signalled = Clock::now();
    kill(nodes[i]->pid(), SIGTERM);
    ASSERT_TRUE(wait_draining(ports[i]));
    // Until the deadline the room is served: through the draining node and through the others.
    std::this_thread::sleep_for(1200ms);
    EXPECT_EQ(api(ports[i], "GET", "/room/" + room).status, 200);
    EXPECT_EQ(api(ports[(i + 1) % 3], "GET", "/room/" + room).status, 200);
    peer->ping();
    EXPECT_FALSE(peer->closed());
    ASSERT_TRUE(exits_within(*nodes[i], 6s)) << nodes[i]->output();
    EXPECT_GE(Clock::now() - signalled, 1900ms);
    EXPECT_EQ(nodes[i]->terminate(), 0) << nodes[i]->output();

    // Back under the same name; it rejoins and takes rooms again.
    drained_logs.push_back(nodes[i]->output());
    nodes[i] = std::make_unique<ShoalProcess>(env(i));
    for (auto port : ports) ASSERT_TRUE(wait_for_cluster(port, 3, 10s)) << port;
  }
  stream.stop = true;
  creates.join();
  EXPECT_GT(stream.created, 50);
  EXPECT_EQ(stream.failed, 0);
  EXPECT_EQ(stream.lost, 0);
  if (stream.failed + stream.lost > 0) {
    for (const auto& log : drained_logs) ADD_FAILURE() << log;
  }
  for (const auto& error : stream.errors) ADD_FAILURE() << error;
}

}  // namespace
}  // namespace shoal::test
