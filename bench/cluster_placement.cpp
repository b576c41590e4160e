// Cluster figures: room-create latency on one node vs through a 3-node cluster (same run),
// time for a 10-node mesh to form, time to notice a killed node, and balance after 1,000
// creates.  Usage: cluster_placement [creates=500]
#include "harness.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <random>
#include <thread>

namespace {

using namespace shoal::test;
using Clock = std::chrono::steady_clock;

std::string node_name(const std::string& base) {
  static std::mt19937 rng{std::random_device{}()};
  return base + "_" + std::to_string(rng() % 1000000) + "@127.0.0.1";
}

Env dist_env(const std::string& name, const std::string& nodes) {
  return {{"JF_DIST_ENABLED", "true"}, {"JF_DIST_NODE_NAME", name}, {"JF_DIST_NODES", nodes}};
}

std::size_t cluster_size(std::uint16_t port) {
  auto health = api(port, "GET", "/health").json_body();
  return health["data"]["distribution"]["nodesInCluster"].get<std::size_t>();
}

double wait_cluster(const std::vector<std::uint16_t>& ports, std::size_t size, std::chrono::seconds limit) {
  auto start = Clock::now();
  while (Clock::now() - start < limit) {
    bool all = true;
    for (auto port : ports) all = all && cluster_size(port) == size;
    if (all) return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return -1;
}

void report_latency(const std::string& label, std::uint16_t port, int creates) {
  std::vector<double> ms;
  for (int i = 0; i < creates; ++i) {
    auto start = Clock::now();
    api(port, "POST", "/room");
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
  }
  std::sort(ms.begin(), ms.end());
  std::cout << label << ": p50 " << ms[ms.size() / 2] << " ms, p99 " << ms[ms.size() * 99 / 100] << " ms\n";
}

}  // namespace

int main(int argc, char** argv) {
  const int creates = argc > 1 ? std::atoi(argv[1]) : 500;
  {
    ShoalProcess single;
    report_latency("create, single node      ", single.port(), creates);
  }
  {
    auto a = node_name("a"), b = node_name("b"), c = node_name("c");
    ShoalProcess na(dist_env(a, "")), nb(dist_env(b, a)), nc(dist_env(c, b));
    wait_cluster({na.port(), nb.port(), nc.port()}, 3, std::chrono::seconds(10));
    report_latency("create, 3-node cluster   ", na.port(), creates);

    std::map<std::string, int> rooms;
    for (int i = 0; i < 1000; ++i) rooms[api(nb.port(), "POST", "/room").json_body()["data"]["jellyfish_address"]]++;
    std::cout << "balance after 1,000 creates:";
    for (const auto& [node, count] : rooms) std::cout << " " << count;
    std::cout << " (plus " << creates << " earlier creates through one node)\n";

    auto start = Clock::now();
    kill(nc.pid(), SIGKILL);
    while (cluster_size(na.port()) != 2 && Clock::now() - start < std::chrono::seconds(10)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    std::cout << "killed node noticed after  " << std::chrono::duration<double, std::milli>(Clock::now() - start).count()
              << " ms\n";
  }
  {
    std::vector<std::unique_ptr<ShoalProcess>> nodes;
    std::vector<std::uint16_t> ports;
    std::string previous;
    auto start = Clock::now();
    for (int i = 0; i < 10; ++i) {
      auto name = node_name("m" + std::to_string(i));
      nodes.push_back(std::make_unique<ShoalProcess>(dist_env(name, previous)));  // each lists only the previous
      ports.push_back(nodes.back()->port());
      previous = name;
    }
    const double started = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    const double formed = wait_cluster(ports, 10, std::chrono::seconds(20));
    std::cout << "10-node mesh: processes up after " << started << " ms, full mesh " << formed
              << " ms after the last one started\n";
  }
  return 0;
}
