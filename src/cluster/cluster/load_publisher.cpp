#include "cluster/load_publisher.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <iterator>
#include <tuple>

namespace shoal::cluster {

namespace {

bool same_load(const NodeUsage& a, const NodeUsage& b) {
  return std::tie(a.forwarded_tracks, a.rooms, a.peers, a.draining) ==
         std::tie(b.forwarded_tracks, b.rooms, b.peers, b.draining);
}

std::chrono::microseconds process_cpu_time() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return {};
  auto micros = [](const timeval& t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

}  // namespace

std::vector<std::string> LoadPushSchedule::targets(const NodeUsage& load, const std::vector<std::string>& connected,
                                                   Clock::time_point now) {
  std::vector<std::string> targets;
  if (!last_ || !same_load(*last_, load) || now - last_push_ >= interval_) {
    targets = connected;
    last_ = load;
    last_push_ = now;
  } else {
    std::set_difference(connected.begin(), connected.end(), pushed_to_.begin(), pushed_to_.end(),
                        std::back_inserter(targets));
  }
  // Nodes that left are dropped, so one that comes back gets the load at once.
  pushed_to_ = connected;
  return targets;
}

ProcessCpuMeter::ProcessCpuMeter() : last_wall_(std::chrono::steady_clock::now()), last_cpu_(process_cpu_time()) {}

std::uint64_t ProcessCpuMeter::sample_permille() {
  const auto wall = std::chrono::steady_clock::now();
  const auto cpu = process_cpu_time();
  const auto wall_us = std::chrono::duration_cast<std::chrono::microseconds>(wall - last_wall_).count();
  const auto cpu_us = (cpu - last_cpu_).count();
  last_wall_ = wall;
  last_cpu_ = cpu;
  if (wall_us <= 0 || cpu_us <= 0) return 0;
  return static_cast<std::uint64_t>(cpu_us * 1000 / wall_us);
}

LoadPublisher::LoadPublisher(Hooks hooks, std::chrono::milliseconds interval, std::chrono::milliseconds tick)
    : hooks_(std::move(hooks)), tick_(tick), schedule_(interval), interval_(interval) {}

LoadPublisher::~LoadPublisher() { stop(); }

void LoadPublisher::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void LoadPublisher::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LoadPublisher::nudge() {
  {
    std::lock_guard lock(mutex_);
    nudged_ = true;
  }
  wake_.notify_all();
}

void LoadPublisher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, tick_, [this] { return stopping_ || nudged_; });
    if (stopping_) break;
    nudged_ = false;
    lock.unlock();
    const auto now = LoadPushSchedule::Clock::now();
    // CPU is averaged over the push interval, not the tick: a tick's share would be noise.
    if (now - cpu_sampled_ >= interval_) {
      cpu_permille_ = cpu_.sample_permille();
      cpu_sampled_ = now;
    }
    auto load = hooks_.sample();
    load.cpu_permille = cpu_permille_;
    const auto targets = schedule_.targets(load, hooks_.connected_nodes(), now);
    if (!targets.empty()) {
      const auto term = encode_load(load);
      for (const auto& node : targets) hooks_.send(node, term);
    }
    lock.lock();
  }
}

}  // namespace shoal::cluster
