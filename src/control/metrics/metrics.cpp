#include "metrics/metrics.hpp"

#include <boost/asio/steady_timer.hpp>
#include <prometheus/text_serializer.h>

#include <fstream>
#include <unistd.h>
#include <unordered_set>

namespace shoal::metrics {

namespace {

double resident_bytes() {
  std::ifstream statm("/proc/self/statm");
  long pages_total = 0, pages_resident = 0;
  if (!(statm >> pages_total >> pages_resident)) return 0;
  return static_cast<double>(pages_resident) * static_cast<double>(sysconf(_SC_PAGESIZE));
}

void schedule(std::shared_ptr<boost::asio::steady_timer> timer, Metrics* metrics) {
  timer->expires_after(Metrics::kAggregationPeriod);
  timer->async_wait([timer, metrics](const boost::system::error_code& ec) {
    if (ec) return;
    metrics->aggregate(Metrics::kAggregationPeriod);
    schedule(timer, metrics);
  });
}

}  // namespace

Metrics::Metrics(const room::RoomRegistry& rooms)
    : rooms_(rooms),
      registry_(std::make_shared<prometheus::Registry>()),
      ingress_total_(prometheus::BuildCounter()
                         .Name("jellyfish_traffic_ingress_total_bytes")
                         .Help("Total traffic received (bytes)")
                         .Register(*registry_)
                         .Add({})),
      ingress_throughput_(prometheus::BuildGauge()
                              .Name("jellyfish_traffic_ingress_throughput_bytes_per_second")
                              .Help("Current throughput for received traffic (bytes/second)")
                              .Register(*registry_)
                              .Add({})),
      egress_total_(prometheus::BuildCounter()
                        .Name("jellyfish_traffic_egress_total_bytes")
                        .Help("Total traffic sent (bytes)")
                        .Register(*registry_)
                        .Add({})),
      egress_throughput_(prometheus::BuildGauge()
                             .Name("jellyfish_traffic_egress_throughput_bytes_per_second")
                             .Help("Current throughput for sent traffic (bytes/second)")
                             .Register(*registry_)
                             .Add({})),
      rooms_gauge_(prometheus::BuildGauge()
                       .Name("jellyfish_rooms")
                       .Help("Amount of rooms currently present in Jellyfish")
                       .Register(*registry_)
                       .Add({})),
      forwarded_tracks_(prometheus::BuildGauge()
                            .Name("shoal_forwarded_tracks")
                            .Help("Track streams forwarded to subscribers (one per track per subscriber); "
                                  "the load cluster placement compares")
                            .Register(*registry_)
                            .Add({})),
      room_peers_(prometheus::BuildGauge()
                      .Name("jellyfish_room_peers")
                      .Help("Amount of peers currently present in a given room")
                      .Register(*registry_)),
      room_peer_time_(prometheus::BuildCounter()
                          .Name("jellyfish_room_peer_time_total_seconds")
                          .Help("Total peer time accumulated for a given room (seconds)")
                          .Register(*registry_)),
      resident_memory_(prometheus::BuildGauge()
                           .Name("shoal_process_resident_memory_bytes")
                           .Help("Resident memory of the shoal process (bytes)")
                           .Register(*registry_)
                           .Add({})),
      webhook_deliveries_(prometheus::BuildCounter()
                              .Name("shoal_webhook_deliveries_total")
                              .Help("Webhook events delivered (2xx) or given up on after retries")
                              .Register(*registry_)),
      webhooks_delivered_(webhook_deliveries_.Add({{"result", "delivered"}})),
      webhooks_failed_(webhook_deliveries_.Add({{"result", "failed"}})),
      placements_(prometheus::BuildCounter()
                      .Name("shoal_cluster_placements_total")
                      .Help("Rooms placed by this node, per target node")
                      .Register(*registry_)),
      connected_nodes_(prometheus::BuildGauge()
                           .Name("shoal_cluster_connected_nodes")
                           .Help("Other cluster nodes this node is connected to")
                           .Register(*registry_)
                           .Add({})),
      draining_(prometheus::BuildGauge()
                    .Name("shoal_draining")
                    .Help("1 while this node drains: it takes no new rooms or peers")
                    .Register(*registry_)
                    .Add({})),
      refused_(prometheus::BuildCounter()
                   .Name("shoal_refused_total")
                   .Help("Requests, connections and packets refused by a resource limit, per reason")
                   .Register(*registry_)) {
  for (std::size_t i = 0; i < static_cast<std::size_t>(Refusal::Count); ++i) {
    refused_.Add({{"reason", std::string(refusal_label(static_cast<Refusal>(i)))}});
  }
}

void Metrics::count_placement(const std::string& node) { placements_.Add({{"node", node}}).Increment(); }

void Metrics::start(boost::asio::io_context& loop) {
  schedule(std::make_shared<boost::asio::steady_timer>(loop), this);
}

void Metrics::aggregate(std::chrono::seconds window) {
  const auto seconds = static_cast<std::uint64_t>(window.count());
  const auto ingress = traffic_.ingress_bytes.exchange(0, std::memory_order_relaxed);
  const auto egress = traffic_.egress_bytes.exchange(0, std::memory_order_relaxed);
  ingress_total_.Increment(static_cast<double>(ingress));
  egress_total_.Increment(static_cast<double>(egress));
  ingress_throughput_.Set(static_cast<double>(seconds ? ingress / seconds : 0));
  egress_throughput_.Set(static_cast<double>(seconds ? egress / seconds : 0));

  auto rooms = rooms_.all();
  rooms_gauge_.Set(static_cast<double>(rooms.size()));
  std::unordered_set<std::string> live;
  std::size_t forwarded = 0;
  for (const auto& room : rooms) {
    live.insert(room->id());
    forwarded += room->forwarded_tracks();
    auto [it, inserted] = room_series_.try_emplace(room->id());
    if (inserted) {
      it->second.peers = &room_peers_.Add({{"room_id", room->id()}});
      it->second.peer_time = &room_peer_time_.Add({{"room_id", room->id()}});
    }
    const auto peers = static_cast<double>(room->peer_count());
    it->second.peers->Set(peers);
    it->second.peer_time->Increment(peers * static_cast<double>(seconds));
  }
  forwarded_tracks_.Set(static_cast<double>(forwarded));
  // Unlike v0.2.1, series of deleted rooms are dropped so cardinality tracks live rooms.
  for (auto it = room_series_.begin(); it != room_series_.end();) {
    if (live.count(it->first) == 0) {
      room_peers_.Remove(it->second.peers);
      room_peer_time_.Remove(it->second.peer_time);
      it = room_series_.erase(it);
    } else {
      ++it;
    }
  }
  resident_memory_.Set(resident_bytes());
  if (cluster_size_) connected_nodes_.Set(static_cast<double>(cluster_size_()));
}

std::string Metrics::render() const {
  {
    std::lock_guard lock(refused_mutex_);
    for (std::size_t i = 0; i < static_cast<std::size_t>(Refusal::Count); ++i) {
      const auto reason = static_cast<Refusal>(i);
      const std::uint64_t total = refusals_.get(reason);
      if (total == refused_exported_[i]) continue;
      refused_.Add({{"reason", std::string(refusal_label(reason))}})
          .Increment(static_cast<double>(total - refused_exported_[i]));
      refused_exported_[i] = total;
    }
  }
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

}  // namespace shoal::metrics
