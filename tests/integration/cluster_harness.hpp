#pragma once
// Helpers shared by the cluster tests: node names, the cluster environment of a node, waiting for
// the mesh, and a small lab of network namespaces for multi-host setups on one machine.
#include "harness.hpp"

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace shoal::test {

// `base_<random>@127.0.0.1`: unique per test so that parallel tests never share a name in epmd.
std::string unique_node_name(const std::string& base);

// Environment of a cluster node on loopback: distribution on, `nodes` listed, JF_HOST on `port`.
Env cluster_env(const std::string& name, const std::string& nodes, std::uint16_t port);

// The node's /health `nodesInCluster` (itself included); 0 when it does not answer.
std::size_t nodes_in_cluster(std::uint16_t port);

// Waits until the node reports `count` nodes in its cluster (itself included).
bool wait_for_cluster(std::uint16_t port, std::size_t count,
                      std::chrono::milliseconds timeout = std::chrono::seconds(5));

// Runs `fn` on a thread that has entered the network namespace `ns` (namespaces are per thread;
// processes forked there stay in it). Exceptions from `fn` are rethrown here.
void in_netns(const std::string& ns, const std::function<void()>& fn);

// Network namespaces, each with one veth into a bridge that lives in a hub namespace of its own,
// so that every namespace reaches every other one and nothing is added to the host's network.
// Namespace i has address 10.213.0.(i+1)/24 and loopback up. Everything created, and every
// process still inside, is removed on destruction. Needs root; ok() is false when any step fails.
class NetnsLab {
 public:
  explicit NetnsLab(std::size_t count);
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  bool ok() const { return ok_; }
  std::size_t size() const { return names_.size(); }
  const std::string& name(std::size_t i) const { return names_[i]; }
  const std::string& address(std::size_t i) const { return addresses_[i]; }
  // Adds `ip`/32 on namespace i's loopback (e.g. to stand in for a nameserver address).
  bool add_local_address(std::size_t i, const std::string& ip);
  // Runs a shell command inside namespace i; true when it exits 0.
  bool run(std::size_t i, const std::string& command);
  // Cuts namespace i off the bridge, as a host losing its network: no FIN, no RST, just silence.
  bool disconnect(std::size_t i);

 private:
  std::string hub_;
  std::vector<std::string> names_;
  std::vector<std::string> addresses_;
  std::vector<std::string> hub_ends_;  // the bridge side of each namespace's veth
  bool ok_ = false;
};

}  // namespace shoal::test
