#include "notifications/metrics_report.hpp"

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include <memory>

namespace shoal::notifications {

std::string build_metrics_report(const room::RoomRegistry& rooms) {
  nlohmann::json report = nlohmann::json::object();
  for (const auto& room : rooms.all()) {
    auto endpoints = room->endpoint_metrics();
    if (endpoints && !endpoints->empty()) report["room_id=" + room->id()] = *endpoints;
  }
  return report.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

namespace {

struct Reporter {
  boost::asio::steady_timer timer;
  const room::RoomRegistry& rooms;
  NotificationBus& bus;
};

void schedule(std::shared_ptr<Reporter> reporter) {
  reporter->timer.expires_after(kMetricsReportPeriod);
  reporter->timer.async_wait([reporter](const boost::system::error_code& ec) {
    if (ec) return;
    if (reporter->bus.has_subscribers()) {
      reporter->bus.publish({ServerEventKind::MetricsReport, {}, {}, build_metrics_report(reporter->rooms)});
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
