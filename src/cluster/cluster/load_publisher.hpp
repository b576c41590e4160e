#pragma once
// Pushes this node's load to every connected node (to the registered name shoal_load), so their
// placement decides from a table (load_table.hpp): when the load changes (rooms, tracks, peers,
// draining), at least every `interval` otherwise (so CPU and freshness stay current), and at
// once to a node that just connected.
//
// LoadPushSchedule is the decision, driven by `now` and tested with a fake clock; LoadPublisher
// is the thread that samples, decides and sends.
#include "cluster/cluster_messages.hpp"

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace shoal::cluster {

class LoadPushSchedule {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LoadPushSchedule(std::chrono::milliseconds interval) : interval_(interval) {}

  // The nodes to send `load` to now (`connected` sorted): all of them when the load changed or
  // the interval has passed since the last push; otherwise those not pushed to since they
  // connected. Records the push it returns.
  std::vector<std::string> targets(const NodeUsage& load, const std::vector<std::string>& connected,
                                   Clock::time_point now);

 private:
  std::chrono::milliseconds interval_;
  std::optional<NodeUsage> last_;
  Clock::time_point last_push_{};
  std::vector<std::string> pushed_to_;  // sorted
};

// Share of one core this process used between two samples, in permille.
class ProcessCpuMeter {
 public:
  ProcessCpuMeter();
  std::uint64_t sample_permille();

 private:
  std::chrono::steady_clock::time_point last_wall_;
  std::chrono::microseconds last_cpu_{};
};

class LoadPublisher {
 public:
  struct Hooks {
    std::function<NodeUsage()> sample;                          // tracks, rooms, peers, draining
    std::function<std::vector<std::string>()> connected_nodes;  // sorted
    std::function<void(const std::string& node, const std::vector<char>& term)> send;
  };

  // Checks for a change every `tick`; pushes at least every `interval`.
  LoadPublisher(Hooks hooks, std::chrono::milliseconds interval, std::chrono::milliseconds tick);
  ~LoadPublisher();  // stop()
  LoadPublisher(const LoadPublisher&) = delete;
  LoadPublisher& operator=(const LoadPublisher&) = delete;

  void start();
  void stop();
  // The load probably changed (a room was created or deleted here): check now, not at the tick.
  void nudge();

 private:
  void run();

  Hooks hooks_;
  std::chrono::milliseconds tick_;
  LoadPushSchedule schedule_;
  ProcessCpuMeter cpu_;
  std::uint64_t cpu_permille_ = 0;
  LoadPushSchedule::Clock::time_point cpu_sampled_{};
  std::chrono::milliseconds interval_;

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool nudged_ = false;
  std::thread thread_;
};

}  // namespace shoal::cluster
