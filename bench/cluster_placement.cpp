// Cluster figures: room-create latency on one node vs through a 3-node cluster (same run),
// time for a 10-node mesh to form, time to notice a killed node, and balance after 1,000
// creates.  Usage: cluster_placement [creates=500]
#include "cluster_harness.hpp"

#include <algorithm>
#include <csignal>
#include <iostream>
#include <map>
#include <thread>

namespace {

using namespace shoal::test;
using Clock = std::chrono::steady_clock;

Env dist_env(const std::string& name, const std::string& nodes) { return cluster_env(name, nodes, free_port()); }

double wait_cluster(const std::vector<std::uint16_t>& ports, std::size_t size, std::chrono::seconds limit) {
  auto start = Clock::now();
  while (Clock::now() - start < limit) {
    bool all = true;
    for (auto port : ports) all = all && nodes_in_cluster(port) == size;
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
    auto a = unique_node_name("a"), b = unique_node_name("b"), c = unique_node_name("c");
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
    while (nodes_in_cluster(na.port()) != 2 && Clock::now() - start < std::chrono::seconds(10)) {
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
      auto name = unique_node_name("m" + std::to_string(i));
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
