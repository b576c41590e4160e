#pragma once
#include <atomic>
#include <cstdint>

namespace shoal::metrics {

// Node-wide byte counters of WebRTC traffic. Rooms add their deltas a few times a second (not
// per packet, so loops do not fight over the cache line); the aggregator takes the deltas.
struct TrafficCounters {
  std::atomic<std::uint64_t> ingress_bytes{0};
  std::atomic<std::uint64_t> egress_bytes{0};
  void add_ingress(std::uint64_t bytes) { ingress_bytes.fetch_add(bytes, std::memory_order_relaxed); }
  void add_egress(std::uint64_t bytes) { egress_bytes.fetch_add(bytes, std::memory_order_relaxed); }
};

}  // namespace shoal::metrics
