#include "cluster_harness.hpp"

#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cstdlib>
#include <exception>
#include <random>
#include <stdexcept>
#include <thread>

namespace shoal::test {
namespace {

bool sh(const std::string& command) { return std::system((command + " >/dev/null 2>&1").c_str()) == 0; }

}  // namespace

std::string unique_node_name(const std::string& base) {
  static std::mt19937 rng{std::random_device{}()};
  return base + "_" + std::to_string(rng() % 1000000) + "@127.0.0.1";
}

Env cluster_env(const std::string& name, const std::string& nodes, std::uint16_t port) {
  return {{"JF_DIST_ENABLED", "true"},
          {"JF_DIST_NODE_NAME", name},
          {"JF_DIST_NODES", nodes},
          {"JF_PORT", std::to_string(port)},
          {"JF_HOST", "localhost:" + std::to_string(port)}};
}

std::size_t nodes_in_cluster(std::uint16_t port) {
  auto health = api(port, "GET", "/health");
  if (health.status != 200) return 0;
  const auto count = health.json_body()["data"]["distribution"]["nodesInCluster"];
  return count.is_number_unsigned() ? count.get<std::size_t>() : 0;
}

bool wait_for_cluster(std::uint16_t port, std::size_t count, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (nodes_in_cluster(port) == count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

void in_netns(const std::string& ns, const std::function<void()>& fn) {
  std::exception_ptr error;
  std::thread worker([&] {
    const int fd = ::open(("/var/run/netns/" + ns).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 || ::setns(fd, CLONE_NEWNET) != 0) {
      error = std::make_exception_ptr(std::runtime_error("cannot enter network namespace " + ns));
    } else {
      try {
        fn();
      } catch (...) {
        error = std::current_exception();
      }
    }
    if (fd >= 0) ::close(fd);
  });
  worker.join();
  if (error) std::rethrow_exception(error);
}

NetnsLab::NetnsLab(std::size_t count) {
  const auto id = std::to_string(::getpid() % 100000);
  hub_ = "shoal_hub" + id;
  ok_ = sh("ip netns add " + hub_) && sh("ip netns exec " + hub_ + " ip link add br0 type bridge") &&
        sh("ip netns exec " + hub_ + " ip link set br0 up");
  for (std::size_t i = 0; ok_ && i < count; ++i) {
    const auto name = "shoal_ns" + std::to_string(i) + "_" + id;
    const auto address = "10.213.0." + std::to_string(i + 1);
    const auto inner = "shv" + std::to_string(i) + "n" + id;  // veth names: at most 15 characters
    const auto outer = "shv" + std::to_string(i) + "h" + id;
    names_.push_back(name);
    addresses_.push_back(address);
    hub_ends_.push_back(outer);
    const auto in_ns = "ip netns exec " + name + " ";
    const auto in_hub = "ip netns exec " + hub_ + " ";
    ok_ = sh("ip netns add " + name) && sh("ip link add " + inner + " type veth peer name " + outer) &&
          sh("ip link set " + inner + " netns " + name) && sh("ip link set " + outer + " netns " + hub_) &&
          sh(in_hub + "ip link set " + outer + " master br0") && sh(in_hub + "ip link set " + outer + " up") &&
          sh(in_ns + "ip link set lo up") && sh(in_ns + "ip addr add " + address + "/24 dev " + inner) &&
          sh(in_ns + "ip link set " + inner + " up");
  }
}

NetnsLab::~NetnsLab() {
  for (const auto& ns : names_) {
    // epmd daemons the nodes started inside (and anything else left there) end with it.
    sh("for p in $(ip netns pids " + ns + "); do kill -9 $p; done");
    sh("ip netns del " + ns);
  }
  sh("ip netns del " + hub_);  // takes the bridge and the hub ends of the veths with it
}

bool NetnsLab::add_local_address(std::size_t i, const std::string& ip) { return run(i, "ip addr add " + ip + "/32 dev lo"); }

bool NetnsLab::run(std::size_t i, const std::string& command) { return sh("ip netns exec " + names_[i] + " " + command); }

}  // namespace shoal::test

namespace shoal::test {

bool NetnsLab::disconnect(std::size_t i) { return sh("ip netns exec " + hub_ + " ip link set " + hub_ends_[i] + " down"); }

}  // namespace shoal::test
