#pragma once
// Pushes this node's load to every connected node (to the registered name shoal_load), so their
// placement decides from a table (load_table.hpp): when the load changes (rooms, tracks, peers,
// draining, notification subscribers) but at most once per `change_gap`, at least every `interval` otherwise (so CPU and
// freshness stay current), and at once to a node that just connected.
//
// The gap matters at scale: each push wakes every other node, so pushing on every create would
// cost the cluster N wake-ups per create. A node that places a room counts it in its own table
// at once (LoadTable::placed), so the gap only delays what the other nodes learn.
//
// LoadPushSchedule is the decision, driven by `now` and tested with a fake clock; LoadPublisher
// is the thread that samples, decides and sends.
#include "cluster/cluster_messages.hpp"
#include "core/time.hpp"

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

  LoadPushSchedule(std::chrono::milliseconds interval, std::chrono::milliseconds change_gap)
      : interval_(interval), change_gap_(change_gap) {}

  // The nodes to send `load` to now (`connected` sorted): all of them when the load changed and
  // the gap has passed, or the interval has passed, since the last push; otherwise those not
  // pushed to since they connected. Records the push it returns.
  std::vector<std::string> targets(const NodeUsage& load, const std::vector<std::string>& connected,
                                   core::Time now);
  // A push made outside the schedule, to every node in `connected`.
  void pushed(const NodeUsage& load, const std::vector<std::string>& connected, core::Time now);

 private:
  std::chrono::milliseconds interval_;
  std::chrono::milliseconds change_gap_;
  std::optional<NodeUsage> last_;
  core::Time last_push_{};
  std::vector<std::string> pushed_to_;  // sorted
};

// Share of one core this process used between two samples, in permille.
class ProcessCpuMeter {
 public:
  ProcessCpuMeter();
  std::uint64_t sample_permille();

 private:
  core::Time last_wall_;
  std::chrono::microseconds last_cpu_{};
};

// The process's CPU share over the last window of at least `window`, for readers on any thread
// (an operator's view: GET /cluster); sampled when read, so idle nodes pay nothing.
class RecentCpuShare {
 public:
  explicit RecentCpuShare(std::chrono::milliseconds window = std::chrono::milliseconds(1000)) : window_(window) {}
  std::uint64_t permille();

 private:
  std::chrono::milliseconds window_;
  std::mutex mutex_;
  ProcessCpuMeter meter_;
  core::Time sampled_{};  // the first read samples since construction
  std::uint64_t permille_ = 0;
};

class LoadPublisher {
 public:
  struct Hooks {
    std::function<NodeUsage()> sample;                          // tracks, rooms, peers, draining
    std::function<std::vector<std::string>()> connected_nodes;  // sorted
    std::function<void(const std::string& node, const std::vector<char>& term)> send;
    // Sends to every node and returns once each has applied it (or did not answer in time).
    std::function<void(const std::vector<std::string>& nodes, const std::vector<char>& term)> deliver;
  };

  // Checks for a change every `tick`; pushes at least every `interval`, and on change at most
  // once per `change_gap`.
  LoadPublisher(Hooks hooks, std::chrono::milliseconds interval, std::chrono::milliseconds change_gap,
                std::chrono::milliseconds tick);
  ~LoadPublisher();  // stop()
  LoadPublisher(const LoadPublisher&) = delete;
  LoadPublisher& operator=(const LoadPublisher&) = delete;

  void start();
  void stop();
  // Pushes to every connected node now and returns once each has applied it (blocking; not on an
  // event loop). Rounds never interleave, so a report sampled earlier never follows this one.
  void push_now();

 private:
  void run();
  void round(bool everyone);

  Hooks hooks_;
  std::chrono::milliseconds tick_;
  LoadPushSchedule schedule_;
  // CPU is averaged over the push interval, not the tick: a tick's share would be noise.
  RecentCpuShare cpu_;

  std::mutex round_mutex_;  // one round (sample, decide, send) at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace shoal::cluster
