// DNS discovery (JF_DIST_STRATEGY_NAME=DNS) between two real nodes. Nodes found by DNS share a
// basename and differ by address, which one loopback cannot provide (one epmd per address), so
// each node runs in its own network namespace created here: joined by veths, each
// namespace gets its own epmd (started by the node), and a tiny DNS responder answers the
// query with both addresses on the nameserver address of /etc/resolv.conf, bound inside the
// namespace. No system file is touched and no packet leaves the namespaces. Needs root (skipped
// otherwise); everything created is removed at the end.
#include "cluster_harness.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <future>
#include <set>
#include <sstream>
#include <thread>

namespace shoal::test {
namespace {

constexpr const char* kQuery = "shoal-nodes.dns-test";

std::string first_ipv4_nameserver() {
  std::ifstream resolv("/etc/resolv.conf");
  std::string line;
  while (std::getline(resolv, line)) {
    std::istringstream words(line);
    std::string key;
    std::string value;
    in_addr address{};
    if (words >> key >> value && key == "nameserver" && inet_pton(AF_INET, value.c_str(), &address) == 1) return value;
  }
  return {};
}

// Answers A queries for kQuery with `addresses`, anything else with no records (NOERROR).
class DnsResponder {
 public:
  DnsResponder(std::string ns, std::string listen_ip, std::vector<std::string> addresses)
      : addresses_(std::move(addresses)) {
    std::promise<bool> bound;
    auto ready = bound.get_future();
    thread_ = std::thread([this, ns = std::move(ns), listen_ip = std::move(listen_ip), &bound] {
      int nsfd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
      int fd = nsfd >= 0 && ::setns(nsfd, CLONE_NEWNET) == 0 ? ::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0) : -1;
      if (nsfd >= 0) ::close(nsfd);
      sockaddr_in local{};
      local.sin_family = AF_INET;
      local.sin_port = htons(53);
      inet_pton(AF_INET, listen_ip.c_str(), &local.sin_addr);
      bool ok = fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) == 0;
      bound.set_value(ok);
      while (ok && !stop_) {
        pollfd p{fd, POLLIN, 0};
        if (::poll(&p, 1, 100) <= 0) continue;
        unsigned char query[512];
        sockaddr_in from{};
        socklen_t from_len = sizeof(from);
        auto n = ::recvfrom(fd, query, sizeof(query), 0, reinterpret_cast<sockaddr*>(&from), &from_len);
        if (n <= 12) continue;
        auto answer = respond(query, static_cast<std::size_t>(n));
        if (!answer.empty()) {
          ::sendto(fd, answer.data(), answer.size(), 0, reinterpret_cast<sockaddr*>(&from), from_len);
        }
      }
      if (fd >= 0) ::close(fd);
    });
    bound_ = ready.get();
  }
  ~DnsResponder() {
    stop_ = true;
    thread_.join();
  }
  bool bound() const { return bound_; }
  int queries() const { return queries_; }

 private:
  std::vector<unsigned char> respond(const unsigned char* q, std::size_t size) {
    // Header (12 bytes), one question: labels, type, class.
    std::size_t pos = 12;
    std::string name;
    while (pos < size && q[pos] != 0) {
      std::size_t len = q[pos];
      if (len > 63 || pos + 1 + len >= size) return {};
      if (!name.empty()) name += '.';
      name.append(reinterpret_cast<const char*>(q + pos + 1), len);
      pos += 1 + len;
    }
    if (pos + 5 > size) return {};
    const std::size_t question_end = pos + 5;
    const unsigned qtype = (q[pos + 1] << 8) | q[pos + 2];
    ++queries_;
    const bool match = qtype == 1 && name == kQuery;
    std::vector<unsigned char> out(q, q + question_end);
    out[2] = static_cast<unsigned char>(0x80 | (q[2] & 0x01) | 0x04);  // QR, AA, RD copied
    out[3] = 0x80;                                                     // RA, NOERROR
    out[4] = 0, out[5] = 1;                                            // one question
    const auto count = match ? addresses_.size() : 0;
    out[6] = 0, out[7] = static_cast<unsigned char>(count);
    out[8] = out[9] = out[10] = out[11] = 0;
    for (std::size_t i = 0; i < count; ++i) {
      in_addr address{};
      inet_pton(AF_INET, addresses_[i].c_str(), &address);
      const unsigned char record[] = {0xC0, 0x0C, 0, 1, 0, 1, 0, 0, 0, 1, 0, 4};  // name ptr, A, IN, TTL 1
      out.insert(out.end(), record, record + sizeof(record));
      auto* bytes = reinterpret_cast<const unsigned char*>(&address.s_addr);
      out.insert(out.end(), bytes, bytes + 4);
    }
    return out;
  }

  std::vector<std::string> addresses_;
  std::atomic<bool> stop_{false};
  std::atomic<int> queries_{0};
  bool bound_ = false;
  std::thread thread_;
};

TEST(ClusterDns, TwoNodesFindEachOtherThroughADnsQuery) {
  if (::geteuid() != 0) GTEST_SKIP() << "DNS discovery test needs root (network namespaces); skipped";
  const auto nameserver = first_ipv4_nameserver();
  if (nameserver.empty()) GTEST_SKIP() << "no IPv4 nameserver in /etc/resolv.conf to stand in for; skipped";
  NetnsLab ns(2);
  if (!ns.ok()) GTEST_SKIP() << "cannot create network namespaces and a veth pair here (ip netns); skipped";
  std::vector<std::unique_ptr<DnsResponder>> responders;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(ns.add_local_address(i, nameserver));
    responders.push_back(std::make_unique<DnsResponder>(ns.name(i), nameserver,
                                                        std::vector<std::string>{ns.address(0), ns.address(1)}));
    ASSERT_TRUE(responders.back()->bound());
  }

  std::unique_ptr<ShoalProcess> nodes[2];
  std::uint16_t ports[2] = {};
  for (int i = 0; i < 2; ++i) {
    in_netns(ns.name(i), [&] {
      ports[i] = free_port();
      nodes[i] = std::make_unique<ShoalProcess>(Env{{"JF_DIST_ENABLED", "true"},
                                                    {"JF_DIST_STRATEGY_NAME", "DNS"},
                                                    {"JF_DIST_QUERY", kQuery},
                                                    {"JF_DIST_POLLING_INTERVAL", "200"},
                                                    {"JF_DIST_NODE_NAME", "shoal@" + ns.address(i)},
                                                    {"JF_PORT", std::to_string(ports[i])},
                                                    {"JF_HOST", ns.address(i) + ":" + std::to_string(ports[i])}});
    });
  }

  // Both find the other by the query (neither lists any node).
  for (int i = 0; i < 2; ++i) {
    bool joined = false;
    in_netns(ns.name(i), [&] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (!joined && std::chrono::steady_clock::now() < deadline) {
        joined = nodes_in_cluster(ports[i]) == 2;
        if (!joined) std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    });
    ASSERT_TRUE(joined) << nodes[i]->output();
    EXPECT_NE(nodes[i]->output().find("DNS query " + std::string(kQuery) + " found node :\"shoal@" +
                                      ns.address(1 - i) + "\""),
              std::string::npos)
        << nodes[i]->output();
    EXPECT_GT(responders[i]->queries(), 0);
  }

  // The cluster works across the namespaces: rooms are balanced and routed.
  in_netns(ns.name(0), [&] {
    std::set<std::string> addresses;
    std::vector<std::string> ids;
    for (int r = 0; r < 2; ++r) {
      auto created = api(ports[0], "POST", "/room").json_body()["data"];
      addresses.insert(created["jellyfish_address"].get<std::string>());
      ids.push_back(created["room"]["id"]);
    }
    EXPECT_EQ(addresses.size(), 2u);
    for (const auto& id : ids) EXPECT_EQ(api(ports[0], "GET", "/room/" + id).status, 200) << id;
  });
  for (auto& node : nodes) node->terminate();
}

}  // namespace
}  // namespace shoal::test
