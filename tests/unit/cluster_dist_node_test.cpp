// DistNode against the real EPMD on 127.0.0.1:4369, in-process, loopback only. Every test uses
// fresh node names so stale EPMD registrations from earlier runs never collide.
#include "cluster/dist_node.hpp"
#include "cluster/epmd.hpp"
#include "cluster/term.hpp"

#ifndef _REENTRANT
#define _REENTRANT
#endif
#include <ei.h>

#include "command_output.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <csignal>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace shoal::cluster {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string unique_prefix() {
  static std::atomic<int> counter{0};
  std::random_device rd;
  char buf[64];
  std::snprintf(buf, sizeof(buf), "shoal_t%x_%d_%d", rd() & 0xffffff, static_cast<int>(::getpid()),
                counter.fetch_add(1));
  return buf;
}

config::DistConfig dist_config(const std::string& node, std::vector<std::string> nodes = {},
                               std::string cookie = "test_cookie",
                               config::DistMode mode = config::DistMode::LongNames) {
  config::DistConfig c;
  c.enabled = true;
  c.node_name = node;
  c.cookie = std::move(cookie);
  c.nodes = std::move(nodes);
  c.mode = mode;
  return c;
}

bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (pred()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return pred();
}

bool sees(const DistNode& node, const std::vector<std::string>& others) {
  auto connected = node.connected_nodes();
  return std::all_of(others.begin(), others.end(), [&](const std::string& o) {
    return std::find(connected.begin(), connected.end(), o) != connected.end();
  });
}

using shoal::test::command_output;

// Collects log messages (payload only) of the default logger during a test.
class CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::vector<std::pair<spdlog::level::level_enum, std::string>> messages() {
    std::lock_guard lock(mutex_);
    return messages_;
  }
  bool has(spdlog::level::level_enum level, const std::string& text) {
    auto all = messages();
    return std::any_of(all.begin(), all.end(), [&](const auto& m) { return m.first == level && m.second == text; });
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    messages_.emplace_back(msg.level, std::string(msg.payload.begin(), msg.payload.end()));
  }
  void flush_() override {}

 private:
  std::vector<std::pair<spdlog::level::level_enum, std::string>> messages_;
};

class ScopedCapture {
 public:
  ScopedCapture() : sink_(std::make_shared<CaptureSink>()) {
    spdlog::default_logger()->sinks().push_back(sink_);
  }
  ~ScopedCapture() {
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), sink_), sinks.end());
  }
  CaptureSink& operator*() { return *sink_; }
  CaptureSink* operator->() { return sink_.get(); }

 private:
  std::shared_ptr<CaptureSink> sink_;
};

// Starts a node and checks that stop() at the end of the test is quick.
struct NodeGuard {
  explicit NodeGuard(config::DistConfig c, DistOptions o = {})
      : node(std::make_unique<DistNode>(std::move(c), std::move(o))) {}
  ~NodeGuard() {
    auto t0 = Clock::now();
    node->stop();
    EXPECT_LT(Clock::now() - t0, 1500ms) << "stop() of " << node->node_name() << " was slow";
  }
  DistNode* operator->() { return node.get(); }
  DistNode& operator*() { return *node; }
  std::unique_ptr<DistNode> node;
};

// A hand-made C node (plain ei) for protocol edge cases: it connects, may claim to be a shoal
// peer, and then does whatever the test needs (usually nothing).
struct FakePeer {
  FakePeer(const std::string& name, const std::string& cookie) {
    auto at = name.find('@');
    std::string alive = name.substr(0, at);
    std::string host = name.substr(at + 1);
    in_addr unused{};
    ok = ei_connect_xinit(&ec, host.c_str(), alive.c_str(), name.c_str(), &unused, cookie.c_str(), 1) == 0;
  }
  ~FakePeer() {
    if (fd >= 0) ei_close_connection(fd);
  }
  bool connect(const std::string& target) {
    std::vector<char> buf(target.begin(), target.end());
    buf.push_back('\0');
    fd = ei_connect_tmo(&ec, buf.data(), 2000);
    return fd >= 0;
  }
  bool reg_send(const char* to, const TermWriter& w) {
    return ei_reg_send_tmo(&ec, fd, const_cast<char*>(to), const_cast<char*>(w.data()),
                           static_cast<int>(w.size()), 2000) == 0;
  }
  ei_cnode ec{};
  int fd = -1;
  bool ok = false;
};

// ---------------------------------------------------------------------------------------------

TEST(ClusterTerm, ValidatesWellFormedTerms) {
  TermWriter w;
  w.tuple(4).atom("shoal_call").ulonglong(1ull << 40).binary("abc");
  w.list(2).atom("a").string("xyz").nil();
  ASSERT_TRUE(w.ok());
  auto bytes = w.bytes();
  EXPECT_TRUE(validate_term(bytes));
  // Every truncation is rejected, and so is trailing garbage.
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_FALSE(validate_term(bytes.data(), n)) << n;
  }
  auto longer = bytes;
  longer.push_back('j');
  EXPECT_FALSE(validate_term(longer));
  // No version byte.
  EXPECT_FALSE(validate_term(bytes.data() + 1, bytes.size() - 1));
}

TEST(ClusterTerm, RejectsLiesAndBombs) {
  // Binary claiming 4 GiB.
  std::vector<char> big = {char(131), 'm', char(0xff), char(0xff), char(0xff), char(0xff), 'x'};
  EXPECT_FALSE(validate_term(big));
  // List claiming 2^32-1 elements.
  std::vector<char> list = {char(131), 'l', char(0xff), char(0xff), char(0xff), char(0xff), 'j'};
  EXPECT_FALSE(validate_term(list));
  // Nesting deeper than the limit.
  std::vector<char> deep = {char(131)};
  for (int i = 0; i < kMaxTermDepth + 5; ++i) {
    deep.push_back('h');
    deep.push_back(1);
  }
  deep.push_back('j');
  EXPECT_FALSE(validate_term(deep));
  // Atom cache references only exist with a distribution header we never negotiate.
  std::vector<char> cache_ref = {char(131), 'R', 0};
  EXPECT_FALSE(validate_term(cache_ref));
  // Oversized payload.
  std::string payload(kMaxTermSize + 10, 'x');
  auto huge = encode_binary(payload);
  EXPECT_FALSE(validate_term(huge));
}

TEST(ClusterTerm, AtomAndBinaryHelpers) {
  EXPECT_EQ(decode_atom(encode_atom("hello")), "hello");
  EXPECT_EQ(decode_binary(encode_binary(std::string("a\0b", 3))), std::string("a\0b", 3));
  EXPECT_EQ(decode_binary(encode_atom("x")), std::nullopt);
}

TEST(ClusterNodeName, ChecksNamingMode) {
  using config::DistMode;
  EXPECT_EQ(check_node_name("a@127.0.0.1", DistMode::LongNames), "");
  EXPECT_EQ(check_node_name("a@host.example.com", DistMode::LongNames), "");
  EXPECT_NE(check_node_name("a@host", DistMode::LongNames), "");
  EXPECT_EQ(check_node_name("a@host", DistMode::ShortNames), "");
  EXPECT_NE(check_node_name("a@h.b", DistMode::ShortNames), "");
  EXPECT_NE(check_node_name("a", DistMode::LongNames), "");
  EXPECT_NE(check_node_name("@h.b", DistMode::LongNames), "");
  EXPECT_NE(check_node_name("a b@h.b", DistMode::LongNames), "");
  EXPECT_NE(check_node_name("a@b@c.d", DistMode::LongNames), "");
}

TEST(ClusterDistNode, StartRejectsBadNames) {
  DistNode node(dist_config("nohost", {}));
  auto status = node.start();
  EXPECT_FALSE(status.has_value());
  EXPECT_FALSE(node.running());
}

TEST(ClusterDistNode, TwoNodesConnectAndAreListedByEpmd) {
  ScopedCapture capture;
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  std::vector<std::pair<std::string, bool>> a_events;
  std::mutex events_mu;

  NodeGuard b(dist_config(b_name));
  ASSERT_TRUE(b->start().has_value());
  NodeGuard a(dist_config(a_name, {b_name, a_name}));  // listing itself is allowed
  a->on_membership([&](const std::string& node, bool up) {
    std::lock_guard lock(events_mu);
    a_events.emplace_back(node, up);
  });
  auto t0 = Clock::now();
  ASSERT_TRUE(a->start().has_value());
  EXPECT_NE(a->port(), 0);

  EXPECT_TRUE(wait_until([&] { return sees(*a, {b_name}) && sees(*b, {a_name}); }, 2s));
  std::printf("[          ] two nodes connected in %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  EXPECT_EQ(a->connected_nodes(), std::vector<std::string>{b_name});
  EXPECT_EQ(a->known_nodes(), std::vector<std::string>{b_name});

  // Both are registered with EPMD, under their alive names and their ports.
  auto names = epmd_names(2s);
  ASSERT_TRUE(names.has_value());
  EXPECT_NE(names->find("name " + p + "a at port " + std::to_string(a->port())), std::string::npos) << *names;
  EXPECT_NE(names->find("name " + p + "b at port " + std::to_string(b->port())), std::string::npos) << *names;
  auto cli = command_output("epmd -names 2>&1");
  EXPECT_NE(cli.find("name " + p + "a at port"), std::string::npos) << cli;
  EXPECT_NE(cli.find("name " + p + "b at port"), std::string::npos) << cli;

  EXPECT_TRUE(wait_until([&] { return capture->has(spdlog::level::info, "connected to :\"" + b_name + "\""); }, 1s));
  EXPECT_TRUE(capture->has(spdlog::level::info, "connected to :\"" + a_name + "\""));
  {
    std::lock_guard lock(events_mu);
    ASSERT_EQ(a_events.size(), 1u);
    EXPECT_EQ(a_events[0], std::make_pair(b_name, true));
  }

  // A stopped node is noticed (socket closed) and unregistered from EPMD.
  auto t1 = Clock::now();
  b->stop();
  EXPECT_LT(Clock::now() - t1, 1s);
  EXPECT_TRUE(wait_until([&] { return a->connected_nodes().empty(); }, 3500ms));
  EXPECT_TRUE(wait_until([&] {
    std::lock_guard lock(events_mu);
    return a_events.size() == 2 && a_events[1] == std::make_pair(b_name, false);
  }, 1s));
  EXPECT_TRUE(capture->has(spdlog::level::warn, "disconnected from :\"" + b_name + "\""));
  names = epmd_names(2s);
  ASSERT_TRUE(names.has_value());
  EXPECT_EQ(names->find("name " + p + "b at port"), std::string::npos);
}

TEST(ClusterDistNode, CallAndSend) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  NodeGuard b(dist_config(b_name));
  std::mutex mu;
  std::vector<std::tuple<std::string, std::string, std::vector<char>>> received;
  b->on_call([&](const std::string& from, const char* term, std::size_t size) -> std::vector<char> {
    auto request = decode_binary(std::vector<char>(term, term + size));
    if (!request) return {};
    if (*request == "silence") return {};
    return encode_binary("reply to " + *request + " from " + from);
  });
  b->on_message([&](const std::string& from, const std::string& to, std::vector<char> bytes) {
    std::lock_guard lock(mu);
    received.emplace_back(from, to, std::move(bytes));
  });
  ASSERT_TRUE(b->start().has_value());
  NodeGuard a(dist_config(a_name, {b_name}));
  ASSERT_TRUE(a->start().has_value());
  ASSERT_TRUE(wait_until([&] { return sees(*a, {b_name}); }, 2s));

  auto reply = a->call(b_name, encode_binary("hello"), 2s);
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(decode_binary(*reply), "reply to hello from " + a_name);

  // A handler without an answer makes call() return at once, not after the timeout.
  auto t0 = Clock::now();
  EXPECT_EQ(a->call(b_name, encode_binary("silence"), 5s), std::nullopt);
  EXPECT_LT(Clock::now() - t0, 2s);
  // Not connected / malformed request: nullopt immediately.
  EXPECT_EQ(a->call(p + "nobody@127.0.0.1", encode_binary("x"), 5s), std::nullopt);
  EXPECT_EQ(a->call(b_name, std::vector<char>{char(131), 'm', 0, 0}, 5s), std::nullopt);

  // Plain messages to a registered name reach the message handler.
  auto term = encode_atom("ding");
  ASSERT_TRUE(a->send(b_name, "room_service", term).has_value());
  ASSERT_TRUE(wait_until([&] {
    std::lock_guard lock(mu);
    return !received.empty();
  }, 2s));
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(std::get<0>(received[0]), a_name);
    EXPECT_EQ(std::get<1>(received[0]), "room_service");
    EXPECT_EQ(std::get<2>(received[0]), term);
  }
  EXPECT_FALSE(a->send(p + "nobody@127.0.0.1", "x", term).has_value());
  EXPECT_FALSE(a->send(b_name, "x", std::vector<char>{1, 2, 3}).has_value());
}

TEST(ClusterDistNode, ConcurrentCalls) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  NodeGuard b(dist_config(b_name));
  b->on_call([](const std::string&, const char* term, std::size_t size) {
    return std::vector<char>(term, term + size);  // echo
  });
  ASSERT_TRUE(b->start().has_value());
  NodeGuard a(dist_config(a_name, {b_name}));
  ASSERT_TRUE(a->start().has_value());
  ASSERT_TRUE(wait_until([&] { return sees(*a, {b_name}); }, 2s));

  std::atomic<int> answered{0};
  std::atomic<int> wrong{0};
  auto t0 = Clock::now();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        auto payload = "t" + std::to_string(t) + "-" + std::to_string(i);
        auto reply = a->call(b_name, encode_binary(payload), 5s);
        if (!reply) continue;
        if (decode_binary(*reply) == payload) {
          ++answered;
        } else {
          ++wrong;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::printf("[          ] 400 concurrent calls in %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));
  EXPECT_EQ(answered, 400);
  EXPECT_EQ(wrong, 0);
}

TEST(ClusterDistNode, FullMeshByTransitivity) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  auto c_name = p + "c@127.0.0.1";
  NodeGuard a(dist_config(a_name));
  ASSERT_TRUE(a->start().has_value());
  NodeGuard b(dist_config(b_name, {a_name}));
  ASSERT_TRUE(b->start().has_value());
  ASSERT_TRUE(wait_until([&] { return sees(*a, {b_name}) && sees(*b, {a_name}); }, 2s));
  NodeGuard c(dist_config(c_name, {b_name}));  // C only knows B
  ASSERT_TRUE(c->start().has_value());
  EXPECT_TRUE(wait_until([&] {
    return sees(*a, {b_name, c_name}) && sees(*b, {a_name, c_name}) && sees(*c, {a_name, b_name});
  }, 3s));
  EXPECT_EQ(c->known_nodes(), (std::vector<std::string>{a_name, b_name}));
  // The mesh is stable: exactly one connection per pair, nothing flapping.
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(a->connected_nodes().size(), 2u);
  EXPECT_EQ(b->connected_nodes().size(), 2u);
  EXPECT_EQ(c->connected_nodes().size(), 2u);
}

TEST(ClusterDistNode, LaterNodeIsReachedByRetries) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  NodeGuard a(dist_config(a_name, {b_name}));
  ASSERT_TRUE(a->start().has_value());
  std::this_thread::sleep_for(700ms);  // several failed attempts
  EXPECT_TRUE(a->connected_nodes().empty());
  NodeGuard b(dist_config(b_name));
  auto t0 = Clock::now();
  ASSERT_TRUE(b->start().has_value());
  // The retry backoff after 700 ms of failures is under 2 s; the rest is slack for a loaded machine.
  EXPECT_TRUE(wait_until([&] { return sees(*a, {b_name}) && sees(*b, {a_name}); }, 6s));
  std::printf("[          ] late node reached after %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t0).count()));

  // And again after it restarts under the same name.
  b->stop();
  ASSERT_TRUE(wait_until([&] { return a->connected_nodes().empty(); }, 3500ms));
  NodeGuard b2(dist_config(b_name));
  ASSERT_TRUE(b2->start().has_value());
  EXPECT_TRUE(wait_until([&] { return sees(*a, {b_name}) && sees(*b2, {a_name}); }, 6s));
}

TEST(ClusterDistNode, WrongCookieNeverConnects) {
  ScopedCapture capture;
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto b_name = p + "b@127.0.0.1";
  NodeGuard b(dist_config(b_name, {}, "cookie_b"));
  ASSERT_TRUE(b->start().has_value());
  NodeGuard a(dist_config(a_name, {b_name}, "cookie_a"));
  ASSERT_TRUE(a->start().has_value());
  std::this_thread::sleep_for(1500ms);
  EXPECT_TRUE(a->connected_nodes().empty());
  EXPECT_TRUE(b->connected_nodes().empty());
  // Both sides say who failed the handshake.
  auto mentions = [&](const std::string& node) {
    auto all = capture->messages();
    return std::any_of(all.begin(), all.end(), [&](const auto& m) {
      return m.first == spdlog::level::warn && m.second.find(":\"" + node + "\"") != std::string::npos &&
             m.second.find("handshake") != std::string::npos;
    });
  };
  EXPECT_TRUE(mentions(a_name));  // logged by B
  EXPECT_TRUE(mentions(b_name));  // logged by A
}

TEST(ClusterDistNode, ShortNames) {
  char host[256] = {};
  ASSERT_EQ(::gethostname(host, sizeof(host) - 1), 0);
  std::string h = host;
  h = h.substr(0, h.find('.'));
  if (!::gethostbyname(h.c_str())) GTEST_SKIP() << "host name " << h << " does not resolve";
  auto p = unique_prefix();
  auto a_name = p + "a@" + h;
  auto b_name = p + "b@" + h;
  NodeGuard b(dist_config(b_name, {}, "c", config::DistMode::ShortNames));
  ASSERT_TRUE(b->start().has_value());
  NodeGuard a(dist_config(a_name, {b_name}, "c", config::DistMode::ShortNames));
  ASSERT_TRUE(a->start().has_value());
  EXPECT_TRUE(wait_until([&] { return sees(*a, {b_name}) && sees(*b, {a_name}); }, 2s));
}

TEST(ClusterDistNode, PortRange) {
  auto p = unique_prefix();
  // Find a small free range by letting the kernel pick, then reuse a range starting there.
  NodeGuard probe(dist_config(p + "probe@127.0.0.1"));
  ASSERT_TRUE(probe->start().has_value());
  std::uint16_t taken = probe->port();
  auto c = dist_config(p + "a@127.0.0.1");
  c.port_range = config::PortRange{taken, static_cast<std::uint16_t>(taken + 20)};
  NodeGuard a(c);
  ASSERT_TRUE(a->start().has_value());
  EXPECT_GT(a->port(), taken);  // the first port is in use by probe
  EXPECT_LE(a->port(), taken + 20);

  auto c2 = dist_config(p + "b@127.0.0.1");
  c2.port_range = config::PortRange{taken, taken};
  DistNode b(c2);
  auto status = b.start();
  EXPECT_FALSE(status.has_value());
  EXPECT_NE(status.error().find("distribution port"), std::string::npos) << status.error();
}

TEST(ClusterDistNode, DuplicateNameIsRefused) {
  auto p = unique_prefix();
  NodeGuard a(dist_config(p + "a@127.0.0.1"));
  ASSERT_TRUE(a->start().has_value());
  DistNode again(dist_config(p + "a@127.0.0.1"));
  auto status = again.start();
  EXPECT_FALSE(status.has_value());
  EXPECT_NE(status.error().find("EPMD"), std::string::npos) << status.error();
}

TEST(ClusterDistNode, SilentPeerIsDroppedByHeartbeat) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  DistOptions fast;
  fast.heartbeat_interval = 300ms;
  fast.heartbeat_timeout = 1000ms;
  NodeGuard a(dist_config(a_name), fast);
  std::atomic<int> downs{0};
  a->on_membership([&](const std::string&, bool up) {
    if (!up) ++downs;
  });
  ASSERT_TRUE(a->start().has_value());

  FakePeer fake(p + "fake@127.0.0.1", "test_cookie");
  ASSERT_TRUE(fake.ok);
  ASSERT_TRUE(fake.connect(a_name));
  TermWriter members;
  members.tuple(2).atom("shoal_members").nil();  // "I am a shoal node" ... then silence
  ASSERT_TRUE(fake.reg_send("shoal_dist", members));
  ASSERT_TRUE(wait_until([&] { return sees(*a, {p + "fake@127.0.0.1"}); }, 1s));
  auto t0 = Clock::now();
  EXPECT_TRUE(wait_until([&] { return a->connected_nodes().empty(); }, 2500ms));
  auto took = Clock::now() - t0;
  EXPECT_GT(took, 500ms);
  EXPECT_TRUE(wait_until([&] { return downs == 1; }, 1s));
}

TEST(ClusterDistNode, NamesLearnedFromAPeerAreCappedAndForgottenWhenUnreachable) {
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  auto configured = p + "configured@127.0.0.1";
  DistOptions fast;
  fast.max_learned_nodes = 50;
  fast.learned_expiry = 1000ms;
  NodeGuard a(dist_config(a_name, {configured}), fast);
  ASSERT_TRUE(a->start().has_value());

  // A cookie holder names 600 nodes that do not exist.
  FakePeer fake(p + "fake@127.0.0.1", "test_cookie");
  ASSERT_TRUE(fake.ok);
  ASSERT_TRUE(fake.connect(a_name));
  TermWriter members;
  members.tuple(2).atom("shoal_members").list(600);
  for (int i = 0; i < 600; ++i) members.atom(p + "ghost" + std::to_string(i) + "@127.0.0.1");
  members.nil();
  ASSERT_TRUE(fake.reg_send("shoal_dist", members));
  auto ghosts = [&] {
    auto known = a->known_nodes();
    return std::count_if(known.begin(), known.end(), [](const std::string& n) { return n.find("ghost") != std::string::npos; });
  };
  ASSERT_TRUE(wait_until([&] { return ghosts() > 0; }, 2s));
  EXPECT_LE(ghosts(), 49) << "50 learned names at most, the fake peer itself included";

  // Unreachable since a peer named them: forgotten; the configured node stays a target.
  EXPECT_TRUE(wait_until([&] { return ghosts() == 0; }, 8s)) << ghosts() << " ghosts left";
  auto known = a->known_nodes();
  EXPECT_NE(std::find(known.begin(), known.end(), configured), known.end());
}

TEST(ClusterDistNode, OversizedMessageDropsTheConnection) {
  ::signal(SIGPIPE, SIG_IGN);  // the fake peer's own write fails once A hangs up
  auto p = unique_prefix();
  auto a_name = p + "a@127.0.0.1";
  NodeGuard a(dist_config(a_name));
  std::atomic<int> messages{0};
  a->on_message([&](const std::string&, const std::string&, std::vector<char>) { ++messages; });
  ASSERT_TRUE(a->start().has_value());
  FakePeer fake(p + "fake@127.0.0.1", "test_cookie");
  ASSERT_TRUE(fake.ok);
  ASSERT_TRUE(fake.connect(a_name));
  ASSERT_TRUE(wait_until([&] { return sees(*a, {p + "fake@127.0.0.1"}); }, 1s));

  TermWriter small;
  small.binary("ok");
  ASSERT_TRUE(fake.reg_send("anything", small));
  ASSERT_TRUE(wait_until([&] { return messages == 1; }, 1s));

  auto send_binary_of = [&](std::size_t size) {
    std::string payload(size, 'x');
    ei_x_buff x;
    ei_x_new_with_version(&x);
    ei_x_encode_binary(&x, payload.data(), static_cast<int>(payload.size()));
    ei_reg_send_tmo(&fake.ec, fake.fd, const_cast<char*>("anything"), x.buff, x.index, 2000);
    ei_x_free(&x);
  };
  // Just over the 1 MiB term limit: the message is dropped, the connection stays usable.
  send_binary_of(kMaxTermSize + 100);
  ASSERT_TRUE(fake.reg_send("anything", small));
  ASSERT_TRUE(wait_until([&] { return messages == 2; }, 2s));
  EXPECT_TRUE(sees(*a, {p + "fake@127.0.0.1"}));
  // Far over it: the frame length alone gets the connection dropped before anything is read.
  send_binary_of(2 * kMaxTermSize);
  EXPECT_TRUE(wait_until([&] { return a->connected_nodes().empty(); }, 2s));
  EXPECT_EQ(messages, 2);
}

TEST(ClusterDistNode, EnsureEpmdIsIdempotent) {
  EXPECT_EQ(ensure_epmd(), "");
  EXPECT_TRUE(epmd_reachable(1s));
  EXPECT_EQ(ensure_epmd("/nonexistent/epmd"), "") << "a running EPMD is enough";
}

}  // namespace
}  // namespace shoal::cluster
