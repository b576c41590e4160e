// Room ids that name their owner node, and DNS discovery (resolved with the machine's own
// resolver for "localhost", so no DNS server or system file is involved).
#include "cluster/cluster.hpp"
#include "cluster/dns_poller.hpp"
#include "cluster/room_owner.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <mutex>
#include <regex>
#include <set>
#include <thread>

namespace shoal::cluster {
namespace {

const std::regex kUuidV4("^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$");

TEST(RoomOwner, IdsStayUuidV4AndEndWithTheNodeTag) {
  const std::string node = "shoal@10.0.0.1";
  const auto tag = node_tag(node);
  EXPECT_EQ(tag.size(), kNodeTagLength);
  EXPECT_EQ(tag, node_tag(node));  // stable across calls and processes (SHA-256)
  EXPECT_NE(tag, node_tag("shoal@10.0.0.2"));
  std::set<std::string> ids;
  for (int i = 0; i < 100; ++i) {
    auto id = make_room_id(node);
    EXPECT_TRUE(std::regex_match(id, kUuidV4)) << id;
    EXPECT_EQ(id.substr(id.size() - kNodeTagLength), tag);
    EXPECT_EQ(room_id_tag(id).value_or("none"), tag);
    ids.insert(id);
  }
  EXPECT_EQ(ids.size(), 100u);  // still random
}

TEST(RoomOwner, CandidatesAreTheNodesWhoseTagTheIdCarries) {
  const std::vector<std::string> nodes = {"a@10.0.0.1", "b@10.0.0.2", "c@10.0.0.3"};
  auto id = make_room_id("b@10.0.0.2");
  EXPECT_EQ(owner_candidates(id, nodes), (std::vector<std::string>{"b@10.0.0.2"}));
  EXPECT_TRUE(owner_candidates(make_room_id("d@10.0.0.4"), nodes).empty());
  // Anything that is not a canonical lowercase UUID names no node.
  const std::vector<std::string> others = {"", "room", "../../etc", id.substr(1), id + "0",
                                           "AAAAAAAA-AAAA-4AAA-8AAA-AAAAAAAAAAAA"};
  for (const auto& other : others) {
    EXPECT_FALSE(room_id_tag(other).has_value()) << other;
    EXPECT_TRUE(owner_candidates(other, nodes).empty()) << other;
  }
}

TEST(DnsDiscovery, NodesFromAddressesUseTheOwnBasenameAndSkipSelf) {
  EXPECT_EQ(nodes_from_addresses("shoal", {"10.0.0.2", "10.0.0.1", "10.0.0.2", "fe80::1%eth0", "::1"},
                                 "shoal@10.0.0.1"),
            (std::vector<std::string>{"shoal@10.0.0.2", "shoal@::1"}));
  EXPECT_TRUE(nodes_from_addresses("shoal", {}, "shoal@10.0.0.1").empty());
}

TEST(DnsDiscovery, LocalhostResolvesThroughGetaddrinfo) {
  auto addresses = resolve_host("localhost");
  EXPECT_NE(std::find(addresses.begin(), addresses.end(), "127.0.0.1"), addresses.end());
  EXPECT_TRUE(std::is_sorted(addresses.begin(), addresses.end()));
  EXPECT_TRUE(resolve_host("no-such-host.invalid").empty());  // .invalid never resolves (RFC 6761)

  EXPECT_EQ(node_name_with_address("app@localhost").value_or("none"), "app@127.0.0.1");
  EXPECT_EQ(node_name_with_address("app@10.1.2.3").value_or("none"), "app@10.1.2.3");
  EXPECT_FALSE(node_name_with_address("app@no-such-host.invalid").has_value());
}

TEST(DnsDiscovery, PollReportsAppearedAndVanishedNodes) {
  std::vector<std::string> answer = {"10.0.0.1", "10.0.0.2"};
  std::vector<std::string> appeared;
  std::vector<std::string> vanished;
  DnsPoller poller("q", "shoal", "shoal@10.0.0.1", std::chrono::milliseconds(1000),
                   {[&](const std::string& n) { appeared.push_back(n); }, [&](const std::string& n) { vanished.push_back(n); }},
                   [&](const std::string& query) {
                     EXPECT_EQ(query, "q");
                     return answer;
                   });
  EXPECT_EQ(poller.poll_once(), (std::vector<std::string>{"shoal@10.0.0.2"}));
  EXPECT_EQ(appeared, (std::vector<std::string>{"shoal@10.0.0.2"}));
  poller.poll_once();  // unchanged: nothing reported again
  EXPECT_EQ(appeared.size(), 1u);

  answer = {"10.0.0.1", "10.0.0.3"};
  poller.poll_once();
  EXPECT_EQ(appeared, (std::vector<std::string>{"shoal@10.0.0.2", "shoal@10.0.0.3"}));
  EXPECT_EQ(vanished, (std::vector<std::string>{"shoal@10.0.0.2"}));

  answer.clear();  // a failed lookup looks like an empty answer
  poller.poll_once();
  EXPECT_EQ(vanished, (std::vector<std::string>{"shoal@10.0.0.2", "shoal@10.0.0.3"}));
}

TEST(DnsDiscovery, ThePollerThreadResolvesLocalhostPeriodicallyAndStopsPromptly) {
  std::mutex mu;
  std::vector<std::string> appeared;
  std::atomic<int> resolutions{0};
  DnsPoller poller("localhost", "shoal", "shoal@10.9.9.9", std::chrono::milliseconds(20),
                   {[&](const std::string& n) {
                      std::lock_guard lock(mu);
                      appeared.push_back(n);
                    },
                    nullptr},
                   [&](const std::string& query) {
                     ++resolutions;
                     return resolve_host(query);
                   });
  poller.start();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (resolutions < 3 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_GE(resolutions.load(), 3);
  auto before = std::chrono::steady_clock::now();
  poller.stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(2));
  std::lock_guard lock(mu);
  EXPECT_NE(std::find(appeared.begin(), appeared.end(), "shoal@127.0.0.1"), appeared.end());
  EXPECT_EQ(std::count(appeared.begin(), appeared.end(), "shoal@127.0.0.1"), 1);  // reported once
}

}  // namespace
}  // namespace shoal::cluster
