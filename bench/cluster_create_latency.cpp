// Room-create latency through a cluster, two server binaries in the same sitting: a 3-node
// cluster, the same with one node made slow to answer (stopped with SIGSTOP for `pause_ms` of
// every `pause_ms` + 10 ms, as a node starved of CPU would be), and an N-node mesh on this machine
// (node i lists node i-1; creates through the first node). Each create is a new HTTP connection,
// as a backend's curl would make. Creates are sent both one after another and open-loop (one
// every 10 ms from a pool of senders, latency counted from when it was due, as independent
// backends would send them: a stalled node then holds up every create due while it is stopped,
// not just the one waiting when it stopped). Prints p50/p90/p99 per binary and scenario, and how
// rooms spread.
//
// Usage: cluster_create_latency BASE_BINARY CANDIDATE_BINARY [creates=200] [nodes=50] [pause_ms=40]
#include "cluster_harness.hpp"

#include <algorithm>
#include <atomic>
#include <csignal>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <thread>

namespace {

using namespace shoal::test;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Latency {
  double p50 = 0;
  double p90 = 0;
  double p99 = 0;
  std::size_t least = 0;  // rooms on the emptiest and fullest node
  std::size_t most = 0;
};

// `interval` zero: one create after another; otherwise create i is due at start + i * interval.
Latency measure(std::uint16_t port, int creates, std::chrono::milliseconds interval = {}) {
  std::vector<double> ms(static_cast<std::size_t>(creates));
  std::vector<std::string> where(static_cast<std::size_t>(creates));
  std::atomic<int> next{0};
  const auto start = Clock::now();
  auto sender = [&] {
    for (int i = next++; i < creates; i = next++) {
      const auto due = interval.count() == 0 ? Clock::now() : start + i * interval;
      std::this_thread::sleep_until(due);
      auto created = api(port, "POST", "/room");
      ms[static_cast<std::size_t>(i)] = std::chrono::duration<double, std::milli>(Clock::now() - due).count();
      if (created.status == 201) {
        where[static_cast<std::size_t>(i)] = created.json_body()["data"]["jellyfish_address"].get<std::string>();
      }
    }
  };
  std::vector<std::thread> senders;
  for (int t = 0; t < (interval.count() == 0 ? 1 : 32); ++t) senders.emplace_back(sender);
  for (auto& s : senders) s.join();
  std::map<std::string, std::size_t> rooms;
  for (const auto& address : where) {
    if (!address.empty()) rooms[address]++;
  }
  std::sort(ms.begin(), ms.end());
  Latency latency{ms[ms.size() / 2], ms[ms.size() * 9 / 10], ms[ms.size() * 99 / 100], 0, 0};
  for (const auto& [node, count] : rooms) {
    latency.least = latency.least == 0 ? count : std::min(latency.least, count);
    latency.most = std::max(latency.most, count);
  }
  return latency;
}

// Starts `count` nodes, node i listing node i-1, and waits for the full mesh.
std::vector<std::unique_ptr<ShoalProcess>> start_chain(std::size_t count, const std::string& tag) {
  std::vector<std::unique_ptr<ShoalProcess>> nodes;
  std::string previous;
  for (std::size_t i = 0; i < count; ++i) {
    auto name = unique_node_name(tag + std::to_string(i));
    nodes.push_back(std::make_unique<ShoalProcess>(cluster_env(name, previous, free_port())));
    previous = name;
  }
  const auto deadline = Clock::now() + std::chrono::seconds(60 + 2 * count);
  for (const auto& node : nodes) {
    while (nodes_in_cluster(node->port()) != count && Clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  // Let each node's first load reports arrive (nodes that push) before measuring.
  std::this_thread::sleep_for(std::chrono::seconds(2));
  return nodes;
}

void report(const std::string& binary_label, const std::string& scenario, const Latency& l) {
  std::cout << binary_label << "  " << scenario << ": p50 " << l.p50 << " ms, p90 " << l.p90 << " ms, p99 " << l.p99
            << " ms, rooms per node "
            << l.least << ".." << l.most << std::endl;
}

// Stops a process for `pause` out of every `pause` + 10 ms while alive.
class Staller {
 public:
  Staller(pid_t pid, std::chrono::milliseconds pause)
      : thread_([this, pid, pause] {
          while (!stop_) {
            kill(pid, SIGSTOP);
            std::this_thread::sleep_for(pause);
            kill(pid, SIGCONT);
            std::this_thread::sleep_for(std::chrono::milliseconds(10));
          }
        }) {}
  ~Staller() {
    stop_ = true;
    thread_.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

void run_binary(const std::string& label, const std::string& binary, int creates, std::size_t big,
                std::chrono::milliseconds pause, bool with_big) {
  ::setenv("SHOAL_TEST_BINARY", binary.c_str(), 1);
  {
    auto nodes = start_chain(3, "t");
    report(label, "3 nodes                      ", measure(nodes.front()->port(), creates));
    report(label, "3 nodes, open-loop           ", measure(nodes.front()->port(), creates, 10ms));
    Staller slow(nodes.back()->pid(), pause);
    report(label, "3 nodes, one slow            ", measure(nodes.front()->port(), creates));
    report(label, "3 nodes, one slow, open-loop ", measure(nodes.front()->port(), creates, 10ms));
  }
  if (with_big) {
    auto nodes = start_chain(big, "m");
    report(label, std::to_string(big) + " nodes                     ", measure(nodes.front()->port(), creates));
    report(label, std::to_string(big) + " nodes, open-loop          ", measure(nodes.front()->port(), creates, 10ms));
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::cerr << "usage: cluster_create_latency BASE_BINARY CANDIDATE_BINARY [creates=200] [nodes=50] [pause_ms=40]\n";
    return 2;
  }
  const std::string base = argv[1], candidate = argv[2];
  const int creates = argc > 3 ? std::atoi(argv[3]) : 200;
  const std::size_t big = argc > 4 ? static_cast<std::size_t>(std::atoi(argv[4])) : 50;
  const std::chrono::milliseconds pause(argc > 5 ? std::atoi(argv[5]) : 40);
  // Interleaved, and in both orders, so neither binary always runs on a warmer machine.
  run_binary("base", base, creates, big, pause, true);
  run_binary("cand", candidate, creates, big, pause, true);
  run_binary("cand", candidate, creates, big, pause, false);
  run_binary("base", base, creates, big, pause, false);
  return 0;
}
