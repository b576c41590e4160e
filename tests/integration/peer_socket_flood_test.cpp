// Connection floods on the peer WebSocket against the real shoal binary: a thousand authenticated
// sockets in one room, and a couple of hundred sockets that send garbage first frames, while
// REST and other peers keep being served.
#include "harness.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

constexpr int kFloodPeers = 1000;
constexpr int kGarbageSockets = 200;

// Each harness WsClient holds a socket plus its own io_context (epoll, eventfd, timerfd).
constexpr rlim_t kDescriptorsPerClient = 4;

rlim_t raise_descriptor_limit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::size_t count_status(std::uint16_t port, const std::string& room_id, const std::string& status) {
  auto result = api(port, "GET", "/room/" + room_id);
  if (result.status != 200) return 0;
  std::size_t n = 0;
  const json body = result.json_body();  // named: a temporary would die before the loop body
  for (const auto& peer : body["data"]["peers"]) n += peer["status"] == status ? 1 : 0;
  return n;
}

json update_metadata_event(const json& metadata) {
  return {{"type", "updateEndpointMetadata"}, {"data", {{"metadata", metadata}}}};
}

class PeerSocketFlood : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    descriptor_limit_ = raise_descriptor_limit();
    node_ = std::make_unique<ShoalProcess>();
  }
  static void TearDownTestSuite() {
    if (node_) {
      EXPECT_EQ(node_->terminate(load_budget(std::chrono::seconds(5))), 0);
      node_.reset();
    }
  }
  void SetUp() override {
    ASSERT_NE(node_, nullptr) << "shoal did not start";
    ASSERT_TRUE(node_->running()) << node_->output();
  }
  static std::uint16_t port() { return node_->port(); }

  static inline std::unique_ptr<ShoalProcess> node_;
  static inline rlim_t descriptor_limit_ = 0;
};

TEST_F(PeerSocketFlood, ThousandAuthenticatedSocketsInOneRoom) {
  ASSERT_GE(descriptor_limit_, kDescriptorsPerClient * kFloodPeers + 256)
      << "RLIMIT_NOFILE hard limit too low for " << kFloodPeers << " client sockets";
  const auto started = Clock::now();
  auto room = create_room(port());

  std::vector<CreatedPeer> peers;
  peers.reserve(kFloodPeers);
  for (int i = 0; i < kFloodPeers; ++i) peers.push_back(create_peer(port(), room));
  const double created_s = seconds_since(started);

  // Open every socket first, then send every auth_request, then collect every answer: the
  // server has up to a thousand handshakes/authentications in flight at once.
  std::vector<std::unique_ptr<WsClient>> sockets;
  sockets.reserve(kFloodPeers);
  for (int i = 0; i < kFloodPeers; ++i) sockets.push_back(std::make_unique<WsClient>(port()));
  for (int i = 0; i < kFloodPeers; ++i) sockets[i]->send_binary(auth_request(peers[i].token));
  // One budget for all answers, not one per socket: the server answers in whatever order its
  // loops get to the handshakes, so on a loaded machine socket 0 may well be among the last.
  int authenticated = 0;
  const auto answers_due = Clock::now() + load_budget(30s);
  for (int i = 0; i < kFloodPeers; ++i) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(answers_due - Clock::now());
    auto frame = sockets[i]->read(std::max(left, std::chrono::milliseconds(100)));
    if (frame && is_authenticated(*frame)) {
      ++authenticated;
    } else if (authenticated + 10 > i) {  // report the first few failures only
      auto closed = sockets[i]->closed();
      ADD_FAILURE() << "socket " << i << " not authenticated: "
                    << (closed ? std::to_string(closed->code) + " " + closed->reason : "timeout");
    }
  }
  ASSERT_EQ(authenticated, kFloodPeers);
  const double authenticated_s = seconds_since(started);
  EXPECT_EQ(count_status(port(), room, "connected"), static_cast<std::size_t>(kFloodPeers));

  // The node still answers REST, and one more peer can authenticate and talk.
  auto listing = api(port(), "GET", "/room");
  EXPECT_EQ(listing.status, 200);
  auto health = api(port(), "GET", "/health");
  EXPECT_EQ(health.status, 200) << health.body;
  auto extra = create_peer(port(), room);
  auto extra_socket = connect_peer(port(), extra.token);
  extra_socket->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", "extra"}}}}));
  auto event = next_event(*extra_socket);
  EXPECT_EQ(event["type"], "connected") << event.dump();
  EXPECT_EQ(event["data"]["id"], extra.id);
  EXPECT_EQ(count_status(port(), room, "connected"), static_cast<std::size_t>(kFloodPeers + 1));

  // Close everything; all return to disconnected within 10 s.
  for (auto& socket : sockets) socket->close();
  extra_socket->close();
  sockets.clear();
  extra_socket.reset();
  const auto closing = Clock::now();
  std::size_t disconnected = 0;
  while (Clock::now() - closing < load_budget(10s)) {
    disconnected = count_status(port(), room, "disconnected");
    if (disconnected == static_cast<std::size_t>(kFloodPeers + 1)) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(disconnected, static_cast<std::size_t>(kFloodPeers + 1));
  EXPECT_EQ(count_status(port(), room, "connected"), 0u);
  std::printf("[ timing   ] %d peers created in %.2f s, authenticated by %.2f s, all disconnected %.2f s after closing\n",
              kFloodPeers, created_s, authenticated_s, seconds_since(closing));
  EXPECT_TRUE(node_->running());
}

TEST_F(PeerSocketFlood, GarbageFirstFramesAreClosedWhileALegitPeerKeepsWorking) {
  ASSERT_GE(descriptor_limit_, kDescriptorsPerClient * kGarbageSockets + 256);
  auto legit_room = create_room(port());
  auto legit = create_peer(port(), legit_room);
  auto legit_socket = connect_peer(port(), legit.token);
  legit_socket->send_binary(media_event({{"type", "connect"}, {"data", {{"metadata", 0}}}}));
  auto joined = next_event(*legit_socket);
  ASSERT_EQ(joined["type"], "connected") << joined.dump();

  // A peer in a third room whose token some garbage sockets try to misuse.
  auto other_room = create_room(port());
  auto victim = create_peer(port(), other_room);

  struct Kind {
    std::string first;
    bool text;
    std::string reason;
  };
  const std::vector<Kind> kinds = {
      {std::string(12, '\xff'), false, "unauthenticated"},                         // undecodable
      {"garbage text", true, "unauthenticated"},                                     // text frame
      {media_event({{"type", "connect"}, {"data", {{"metadata", 1}}}}), false, "unauthenticated"},
      {std::string(), false, "unauthenticated"},                                     // empty PeerMessage
      {auth_request("not-a-token"), false, "invalid token"},
      {json{{"token", victim.token}}.dump(), true, "unauthenticated"},               // valid token as text
  };

  std::atomic<int> wrong_closes{0};
  std::atomic<int> done{0};
  std::string first_wrong;
  std::mutex first_wrong_mutex;
  std::thread flood([&] {
    // Batches of 50 sockets open at once, each sending its garbage before any is read.
    for (int base = 0; base < kGarbageSockets; base += 50) {
      std::vector<std::unique_ptr<WsClient>> batch;
      for (int i = base; i < base + 50; ++i) {
        try {
          batch.push_back(std::make_unique<WsClient>(port()));
          const auto& kind = kinds[static_cast<std::size_t>(i) % kinds.size()];
          if (kind.text) {
            batch.back()->send_text(kind.first);
          } else {
            batch.back()->send_binary(kind.first);
          }
        } catch (const std::exception& e) {
          ++wrong_closes;
          std::lock_guard lock(first_wrong_mutex);
          if (first_wrong.empty()) first_wrong = "socket " + std::to_string(i) + ": " + e.what();
        }
      }
      for (std::size_t j = 0; j < batch.size(); ++j) {
        int i = base + static_cast<int>(j);
        const auto& kind = kinds[static_cast<std::size_t>(i) % kinds.size()];
        auto close = batch[j]->read_until_close(5s);
        if (close.code != 1000 || close.reason != kind.reason) {
          ++wrong_closes;
          std::lock_guard lock(first_wrong_mutex);
          if (first_wrong.empty()) {
            first_wrong = "socket " + std::to_string(i) + ": " + std::to_string(close.code) + " \"" +
                          close.reason + "\", expected 1000 \"" + kind.reason + "\"";
          }
        }
        ++done;
      }
    }
  });

  // Meanwhile the legit peer keeps round-tripping metadata updates.
  int round_trips = 0;
  int failures = 0;
  const auto started = Clock::now();
  while ((done.load() < kGarbageSockets || round_trips < 5) && Clock::now() - started < 30s) {
    ++round_trips;
    legit_socket->send_binary(media_event(update_metadata_event(round_trips)));
    auto event = next_event(*legit_socket);
    json expected = {{"type", "endpointUpdated"}, {"data", {{"id", legit.id}, {"metadata", round_trips}}}};
    if (event != expected) {
      ++failures;
      ADD_FAILURE() << "legit peer round trip " << round_trips << ": " << event.dump();
      break;
    }
  }
  flood.join();
  EXPECT_EQ(failures, 0);
  EXPECT_EQ(done.load(), kGarbageSockets);
  EXPECT_EQ(wrong_closes.load(), 0) << first_wrong;
  std::printf("[ timing   ] %d garbage sockets closed in %.2f s, %d legit round trips meanwhile\n",
              kGarbageSockets, seconds_since(started), round_trips);

  // Afterwards: the victim's token was never consumed and works; REST is fine.
  EXPECT_EQ(count_status(port(), other_room, "disconnected"), 1u);
  auto victim_socket = connect_peer(port(), victim.token);
  EXPECT_EQ(count_status(port(), other_room, "connected"), 1u);
  EXPECT_EQ(count_status(port(), legit_room, "connected"), 1u);
  EXPECT_TRUE(node_->running());
}

}  // namespace
}  // namespace shoal::test
