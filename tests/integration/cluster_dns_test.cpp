// DNS discovery (JF_DIST_STRATEGY_NAME=DNS) between two real nodes. Nodes found by DNS share a
// basename and differ by address, which one loopback cannot provide (one epmd per address), so
// each node runs in its own network namespace created here: joined by veths, each
// namespace gets its own epmd (started by the node), and a tiny DNS responder answers the
// query with both addresses on the nameserver address of /etc/resolv.conf, bound inside the
// namespace. No system file is touched and no packet leaves the namespaces. Needs root (skipped
// otherwise); everything created is removed at the end.
#include "cluster_harness.hpp"
#include "dns_responder.hpp"

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

TEST(ClusterDns, TwoNodesFindEachOtherThroughADnsQuery) {
  if (::geteuid() != 0) GTEST_SKIP() << "DNS discovery test needs root (network namespaces); skipped";
  const auto nameserver = first_ipv4_nameserver();
  if (nameserver.empty()) GTEST_SKIP() << "no IPv4 nameserver in /etc/resolv.conf to stand in for; skipped";
  NetnsLab ns(2);
  if (!ns.ok()) GTEST_SKIP() << "cannot create network namespaces and a veth pair here (ip netns); skipped";
  std::vector<std::unique_ptr<DnsResponder>> responders;
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(ns.add_local_address(i, nameserver));
    responders.push_back(std::make_unique<DnsResponder>(
        ns.name(i), nameserver,
        DnsResponder::Answers{{kQuery, std::vector<std::string>{ns.address(0), ns.address(1)}}}));
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
