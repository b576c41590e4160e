#include "cluster/load_publisher.hpp"

#include <sys/resource.h>

#include <algorithm>
#include <iterator>
#include <tuple>

namespace shoal::cluster {

namespace {

bool same_load(const NodeUsage& a, const NodeUsage& b) {
  return std::tie(a.forwarded_tracks, a.rooms, a.peers, a.draining, a.event_subscribers) ==
         std::tie(b.forwarded_tracks, b.rooms, b.peers, b.draining, b.event_subscribers);
}

std::chrono::microseconds process_cpu_time() {
  rusage usage{};
  if (::getrusage(RUSAGE_SELF, &usage) != 0) return {};
  auto micros = [](const timeval& t) { return std::chrono::seconds(t.tv_sec) + std::chrono::microseconds(t.tv_usec); };
  return micros(usage.ru_utime) + micros(usage.ru_stime);
}

}  // namespace

std::vector<std::string> LoadPushSchedule::targets(const NodeUsage& load, const std::vector<std::string>& connected,
                                                   core::Time now) {
  std::vector<std::string> targets;
  const auto since = now - last_push_;
  if (!last_ || since >= interval_ || (!same_load(*last_, load) && since >= change_gap_)) {
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

void LoadPushSchedule::pushed(const NodeUsage& load, const std::vector<std::string>& connected, core::Time now) {
  last_ = load;
  last_push_ = now;
  pushed_to_ = connected;
}

ProcessCpuMeter::ProcessCpuMeter() : last_wall_(core::now()), last_cpu_(process_cpu_time()) {}

std::uint64_t RecentCpuShare::permille() {
  std::lock_guard lock(mutex_);
  const auto now = core::now();
  if (now - sampled_ >= window_) {
    permille_ = meter_.sample_permille();
    sampled_ = now;
  }
  return permille_;
}

std::uint64_t ProcessCpuMeter::sample_permille() {
  const auto wall = core::now();
  const auto cpu = process_cpu_time();
  const auto wall_us = std::chrono::duration_cast<std::chrono::microseconds>(wall - last_wall_).count();
  const auto cpu_us = (cpu - last_cpu_).count();
  last_wall_ = wall;
  last_cpu_ = cpu;
  if (wall_us <= 0 || cpu_us <= 0) return 0;
  return static_cast<std::uint64_t>(cpu_us * 1000 / wall_us);
}

LoadPublisher::LoadPublisher(Hooks hooks, std::chrono::milliseconds interval, std::chrono::milliseconds change_gap,
                             std::chrono::milliseconds tick)
    : hooks_(std::move(hooks)), tick_(tick), schedule_(interval, change_gap), cpu_(interval) {}

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

void LoadPublisher::push_now() { round(true); }

void LoadPublisher::run() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, tick_, [this] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    round(false);
    lock.lock();
  }
}

void LoadPublisher::round(bool everyone) {
  std::lock_guard round_lock(round_mutex_);
  const auto now = core::now();
  auto load = hooks_.sample();
  load.cpu_permille = cpu_.permille();
  const auto connected = hooks_.connected_nodes();
  std::vector<std::string> targets;
  if (everyone) {
    targets = connected;
    schedule_.pushed(load, connected, now);
  } else {
    targets = schedule_.targets(load, connected, now);
  }
  if (targets.empty()) return;
  const auto term = encode_load(load);
  if (everyone) {
    hooks_.deliver(targets, term);
    return;
  }
  for (const auto& node : targets) hooks_.send(node, term);
}

}  // namespace shoal::cluster
