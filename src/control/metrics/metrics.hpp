#pragma once
// The jellyfish_* Prometheus metrics of v0.2.1, aggregated every 10 s from live state and from
// byte counters that the transport adds to as it sends and receives.
#include "room/room_registry.hpp"

#include <boost/asio/io_context.hpp>
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "metrics/refusal_counters.hpp"
#include "metrics/traffic_counters.hpp"

namespace shoal::metrics {

class Metrics {
 public:
  static constexpr std::chrono::seconds kAggregationPeriod{10};

  explicit Metrics(const room::RoomRegistry& rooms);

  TrafficCounters& traffic() { return traffic_; }
  RefusalCounters& refusals() { return refusals_; }
  // Starts the periodic aggregation on `loop`.
  void start(boost::asio::io_context& loop);
  // One aggregation step covering `window` seconds (public so tests can drive it).
  void aggregate(std::chrono::seconds window);
  // Prometheus text exposition format.
  std::string render() const;

  // Cluster mode: rooms placed per target node, and where the connected-node count comes from.
  void count_placement(const std::string& node);
  void set_cluster_size_source(std::function<std::size_t()> source) { cluster_size_ = std::move(source); }
  void set_draining(bool draining) { draining_.Set(draining ? 1 : 0); }

  prometheus::Counter& webhooks_delivered() { return webhooks_delivered_; }
  prometheus::Counter& webhooks_failed() { return webhooks_failed_; }

 private:
  const room::RoomRegistry& rooms_;
  TrafficCounters traffic_;
  RefusalCounters refusals_;
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Counter& ingress_total_;
  prometheus::Gauge& ingress_throughput_;
  prometheus::Counter& egress_total_;
  prometheus::Gauge& egress_throughput_;
  prometheus::Gauge& rooms_gauge_;
  prometheus::Gauge& forwarded_tracks_;
  prometheus::Family<prometheus::Gauge>& room_peers_;
  prometheus::Family<prometheus::Counter>& room_peer_time_;
  prometheus::Gauge& resident_memory_;
  prometheus::Family<prometheus::Counter>& webhook_deliveries_;
  prometheus::Counter& webhooks_delivered_;
  prometheus::Counter& webhooks_failed_;
  prometheus::Family<prometheus::Counter>& placements_;
  prometheus::Gauge& connected_nodes_;
  prometheus::Gauge& draining_;
  prometheus::Family<prometheus::Counter>& refused_;
  // render() brings shoal_refused_total up to refusals_ (counters only grow by deltas).
  mutable std::mutex refused_mutex_;
  mutable std::array<std::uint64_t, static_cast<std::size_t>(Refusal::Count)> refused_exported_{};
  std::function<std::size_t()> cluster_size_;  // set before start(); read by aggregate()
  struct RoomSeries {
    prometheus::Gauge* peers;
    prometheus::Counter* peer_time;
  };
  std::unordered_map<std::string, RoomSeries> room_series_;  // touched only by aggregate()
};

}  // namespace shoal::metrics
