// The multi-host setup the original documentation says cannot be tried on one machine: three
// network namespaces joined by veths through a bridge, each its own "host" with its own epmd on
// 4369, nodes named by their namespace addresses and listed as in the documentation (each lists
// only the previous one), all serving HTTP on the same port 5002 as separate hosts would.
// Needs root (skipped otherwise); everything created is removed at the end.
#include "cluster_harness.hpp"
#include "command_output.hpp"

#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <memory>
#include <set>
#include <thread>

namespace shoal::test {
namespace {

constexpr std::uint16_t kPort = 5002;

std::string node_name(const NetnsLab& lab, std::size_t i) { return "shoal@" + lab.address(i); }

std::string host(const NetnsLab& lab, std::size_t i) { return lab.address(i) + ":" + std::to_string(kPort); }

// What `epmd -names` prints inside namespace `ns`.
std::string epmd_names(const std::string& ns) {
  return command_output("ip netns exec " + ns + " epmd -names 2>&1");
}

bool wait_in(const std::string& ns, std::size_t count, std::chrono::milliseconds timeout) {
  bool reached = false;
  in_netns(ns, [&] { reached = wait_for_cluster(kPort, count, timeout); });
  return reached;
}

TEST(ClusterMultiHost, ThreeNamespacesFormAMeshAndPlaceRoomsAcrossIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "multi-host test needs root (network namespaces); skipped";
  NetnsLab lab(3);
  if (!lab.ok()) GTEST_SKIP() << "cannot create network namespaces joined by veths here (ip netns); skipped";

  std::unique_ptr<ShoalProcess> nodes[3];
  for (std::size_t i = 0; i < 3; ++i) {
    in_netns(lab.name(i), [&] {
      nodes[i] = std::make_unique<ShoalProcess>(Env{{"JF_DIST_ENABLED", "true"},
                                                    {"JF_DIST_NODE_NAME", node_name(lab, i)},
                                                    {"JF_DIST_NODES", i == 0 ? "" : node_name(lab, i - 1)},
                                                    {"JF_PORT", std::to_string(kPort)},
                                                    {"JF_HOST", host(lab, i)}});
    });
  }
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(wait_in(lab.name(i), 3, std::chrono::seconds(10))) << nodes[i]->output();
    // Each host has its own epmd on 4369, started by the node, listing only that host's node.
    EXPECT_NE(epmd_names(lab.name(i)).find("name shoal at port"), std::string::npos) << epmd_names(lab.name(i));
  }
  // The first node was listed by nobody and learnt the third through the second.
  EXPECT_NE(nodes[0]->output().find("connected to :\"" + node_name(lab, 2) + "\""), std::string::npos)
      << nodes[0]->output();

  // Creates through the last node spread over the three hosts; each answer names its host.
  std::map<std::string, std::string> room_on_host;
  in_netns(lab.name(2), [&] {
    for (int r = 0; r < 3; ++r) {
      auto created = api(kPort, "POST", "/room");
      ASSERT_EQ(created.status, 201) << created.body;
      const auto data = created.json_body()["data"];
      room_on_host[data["jellyfish_address"]] = data["room"]["id"];
    }
  });
  ASSERT_EQ(room_on_host.size(), 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    ASSERT_TRUE(room_on_host.count(host(lab, i))) << host(lab, i);
    in_netns(lab.name(i), [&] {
      // The owner lists exactly its room; any host answers for any room.
      auto local = api(kPort, "GET", "/room").json_body()["data"];
      ASSERT_EQ(local.size(), 1u);
      EXPECT_EQ(local[0]["id"], room_on_host[host(lab, i)]);
      for (const auto& [owner, id] : room_on_host) EXPECT_EQ(api(kPort, "GET", "/room/" + id).status, 200) << owner;
    });
  }

  // A host that drops off the network (no FIN, no RST: only the heartbeat can tell) is noticed
  // by the others within 3 s, and creates keep working on the rest.
  const auto cut_at = std::chrono::steady_clock::now();
  ASSERT_TRUE(lab.disconnect(1));
  ASSERT_TRUE(wait_in(lab.name(0), 2, std::chrono::seconds(6))) << nodes[0]->output();
  const auto noticed_after = std::chrono::steady_clock::now() - cut_at;
  EXPECT_LT(noticed_after, std::chrono::milliseconds(3500));
  RecordProperty("dead_host_noticed_ms",
                 static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(noticed_after).count()));
  in_netns(lab.name(0), [&] {
    for (int r = 0; r < 4; ++r) {
      auto created = api(kPort, "POST", "/room");
      EXPECT_EQ(created.status, 201) << created.body;
      EXPECT_NE(created.json_body()["data"]["jellyfish_address"], host(lab, 1));
    }
  });
  for (auto& node : nodes) node->terminate();
}

// A host where no epmd runs and none can be reached once started: the node stops and tells the
// operator what to do. A fresh namespace whose loopback is down is such a host: epmd may start,
// but nothing reaches it on 127.0.0.1:4369.
TEST(ClusterMultiHost, WithoutEpmdTheNodeStopsAndSaysHowToStartIt) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root (network namespaces); skipped";
  NetnsLab lab(1);
  if (!lab.ok()) GTEST_SKIP() << "cannot create a network namespace here (ip netns); skipped";
  ASSERT_TRUE(lab.run(0, "ip link set lo down"));
  ExitResult result;
  in_netns(lab.name(0), [&] {
    result = run_shoal_to_exit({{"JF_DIST_ENABLED", "true"},
                                {"JF_DIST_NODE_NAME", node_name(lab, 0)}},
                               {"--dev"});
  });
  EXPECT_NE(result.exit_code, 0);
  EXPECT_NE(result.output.find("Couldn't start epmd daemon. Run `epmd -daemon` and restart shoal."),
            std::string::npos)
      << result.output;
}

}  // namespace
}  // namespace shoal::test
