#include "notifications/metrics_report.hpp"

#include "core/time.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <memory>

namespace shoal::notifications {

nlohmann::json collect_metrics(const room::RoomRegistry& rooms) {
  nlohmann::json report = nlohmann::json::object();
  for (const auto& room : rooms.all()) {
    auto endpoints = room->endpoint_metrics();
    if (endpoints && !endpoints->empty()) report["room_id=" + room->id()] = *endpoints;
  }
  return report;
}

std::string build_metrics_report(const room::RoomRegistry& rooms) {
  return collect_metrics(rooms).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void add_rates(nlohmann::json& current, const nlohmann::json& previous, double elapsed_ms) {
  static constexpr const char* kCounters[] = {
      "inbound-rtp.packets", "inbound-rtp.bytes_received", "inbound-rtp.markers_received",
      "outbound-rtp.packets", "outbound-rtp.bytes", "outbound-rtp.markers_sent", "outbound-rtp.paddings_sent",
      "ice.bytes_received", "ice.bytes_sent", "ice.packets_received", "ice.packets_sent"};
  if (!current.is_object() || !previous.is_object() || elapsed_ms <= 0) return;
  for (const char* name : kCounters) {
    auto now = current.find(name);
    auto before = previous.find(name);
    if (now == current.end() || before == previous.end() || !now->is_number() || !before->is_number()) continue;
    current[std::string(name) + "-per-second"] = (now->get<double>() - before->get<double>()) * 1000.0 / elapsed_ms;
  }
  for (auto& [key, value] : current.items()) {
    if (!value.is_object()) continue;
    auto before = previous.find(key);
    if (before != previous.end()) add_rates(value, *before, elapsed_ms);
  }
}

namespace {

struct Reporter {
  boost::asio::steady_timer timer;
  const room::RoomRegistry& rooms;
  NotificationBus& bus;
  nlohmann::json previous = nlohmann::json::object();
  core::Time previous_at{};
};

void schedule(std::shared_ptr<Reporter> reporter) {
  reporter->timer.expires_after(kMetricsReportPeriod);
  reporter->timer.async_wait([reporter](const boost::system::error_code& ec) {
    if (ec) return;
    if (reporter->bus.has_subscribers()) {
      auto report = collect_metrics(reporter->rooms);
      const auto now = core::now();
      const auto elapsed = std::chrono::duration<double, std::milli>(now - reporter->previous_at).count();
      auto rated = report;
      add_rates(rated, reporter->previous, elapsed);
      reporter->previous = std::move(report);
      reporter->previous_at = now;
      reporter->bus.publish({ServerEventKind::MetricsReport, {}, {},
                             rated.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
    } else {
      reporter->previous = nlohmann::json::object();
    }
    schedule(reporter);
  });
}

}  // namespace

void start_metrics_reports(boost::asio::io_context& loop, const room::RoomRegistry& rooms,
                           NotificationBus& bus) {
  schedule(std::make_shared<Reporter>(Reporter{boost::asio::steady_timer(loop), rooms, bus}));
}

}  // namespace shoal::notifications
