// The distribution port under handshake pressure: connections that send half a message, and
// connections that send a node's name and then stall, must not keep a real node from joining.
// Each used to hold the only handshake thread for a second.
#include "cluster_harness.hpp"

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

namespace shoal::test {
namespace {

using namespace std::chrono_literals;

Env with_dist_port(Env env, std::uint16_t dist_port) {
  env["JF_DIST_MIN_PORT"] = std::to_string(dist_port);
  env["JF_DIST_MAX_PORT"] = std::to_string(dist_port);
  return env;
}

// The first handshake message of a hidden node (protocol version 6): 'N', flags, creation, name.
std::string name_message(const std::string& name) {
  const std::uint64_t flags = 0x4 | 0x10 | 0x80 | 0x100 | 0x200 | 0x400 | 0x800 | 0x4000 | 0x10000 | 0x20000 |
                              0x40000 | 0x1000000 | 0x2000000 | (std::uint64_t{1} << 34);
  std::string body = "N";
  for (int shift = 56; shift >= 0; shift -= 8) body += static_cast<char>((flags >> shift) & 0xff);
  body += std::string("\0\0\0\1", 4);  // creation
  body += static_cast<char>(name.size() >> 8);
  body += static_cast<char>(name.size() & 0xff);
  body += name;
  std::string message;
  message += static_cast<char>(body.size() >> 8);
  message += static_cast<char>(body.size() & 0xff);
  return message + body;
}

// Sends a node's name and reads the server's answer: what a staller does before going silent.
std::string send_name_and_read_status(int fd, const std::string& name) {
  auto message = name_message(name);
  if (::send(fd, message.data(), message.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(message.size())) return {};
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, 2000) <= 0) return {};
  char buf[64];
  ssize_t n = ::recv(fd, buf, sizeof buf, 0);
  return n > 2 ? std::string(buf + 2, static_cast<std::size_t>(n) - 2) : std::string();
}

TEST(ClusterHandshakeLimits, ANodeJoinsWhileHalfSentAndStalledHandshakesHoldThePort) {
  const auto a = unique_node_name("hs_a"), b = unique_node_name("hs_b");
  const auto pa = free_port(), pb = free_port(), dist_a = free_port();
  ShoalProcess target(with_dist_port(cluster_env(a, "", pa), dist_a));
  ASSERT_TRUE(wait_for_cluster(pa, 1));

  // A staller really holds a handshake: the server accepted its name and waits for its reply.
  int probe = connect_from("127.0.0.2", dist_a);
  ASSERT_GE(probe, 0);
  ASSERT_EQ(send_name_and_read_status(probe, "staller@127.0.0.2").substr(0, 3), "sok");
  ::close(probe);

  // 100 connections that send one byte of a length (past the kernel's deferred accept) and stop.
  std::vector<int> half_sent;
  for (int i = 0; i < 100; ++i) {
    int fd = connect_from("127.0.0.1", dist_a);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::send(fd, "\0", 1, MSG_NOSIGNAL), 1);
    half_sent.push_back(fd);
  }
  // From another address, eight stallers at a time, each replaced as soon as it is dropped.
  std::atomic<bool> stop{false};
  std::thread stallers([&] {
    std::vector<int> open;
    for (int round = 0; round < 200 && !stop; ++round) {
      for (int fd : open) ::close(fd);
      open.clear();
      for (int i = 0; i < 8; ++i) {
        int fd = connect_from("127.0.0.2", dist_a);
        if (fd < 0) continue;
        auto message = name_message("staller" + std::to_string(i) + "@127.0.0.2");
        ::send(fd, message.data(), message.size(), MSG_NOSIGNAL);
        open.push_back(fd);
      }
      for (int wait = 0; wait < 20 && !stop; ++wait) std::this_thread::sleep_for(50ms);
    }
    for (int fd : open) ::close(fd);
  });

  ShoalProcess joining(cluster_env(b, a, pb));
  const bool joined = wait_for_cluster(pb, 2, 6s) && wait_for_cluster(pa, 2, 1s);
  stop = true;
  stallers.join();
  for (int fd : half_sent) ::close(fd);
  EXPECT_TRUE(joined) << joining.output() << target.output();
  EXPECT_TRUE(target.running());
}

// ei waits for EPMD with select(), which cannot take a descriptor above 1023: a node holding
// a thousand API connections (anyone can open them) crashed when it dialled another node.
TEST(ClusterHandshakeLimits, ANodeHoldingOverAThousandSocketsStillDialsOtherNodes) {
  raise_open_file_limit();
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0 || limit.rlim_cur < 2400) {
    GTEST_SKIP() << "the open-file limit is too low for 1100 client sockets";
  }
  const auto a = unique_node_name("fd_a"), b = unique_node_name("fd_b");
  const auto pa = free_port(), pb = free_port();
  auto env = cluster_env(a, b, pa);  // b starts later: a keeps dialling it
  env["JF_MAX_CONNECTIONS_PER_IP"] = "4096";
  ShoalProcess dialling(env);
  std::vector<int> clients;
  for (int i = 0; i < 1100; ++i) {
    int fd = connect_from("127.0.0.1", pa);
    ASSERT_GE(fd, 0) << "connection " << i;
    clients.push_back(fd);
  }
  std::size_t open = 0;
  for (int wait = 0; wait < 100 && open <= 1100; ++wait) {
    open = std::distance(std::filesystem::directory_iterator("/proc/" + std::to_string(dialling.pid()) + "/fd"),
                         std::filesystem::directory_iterator{});
    std::this_thread::sleep_for(20ms);
  }
  ASSERT_GT(open, 1100u) << "the node does not hold the connections";
  ShoalProcess dialled(cluster_env(b, "", pb));
  const bool joined = wait_for_cluster(pb, 2, 6s);
  for (int fd : clients) ::close(fd);
  EXPECT_TRUE(joined) << dialling.output();
  EXPECT_TRUE(dialling.running()) << dialling.output();
}

}  // namespace
}  // namespace shoal::test
