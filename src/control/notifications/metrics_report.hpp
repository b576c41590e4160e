#pragma once
#include <nlohmann/json.hpp>
// The periodic MetricsReport for server sockets subscribed to EVENT_TYPE_METRICS:
// {"room_id=<room>": {"endpoint_id=<peer>": {...}}}, every second as in v0.2.1.
#include "notifications/server_event.hpp"
#include "room/room_registry.hpp"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <string>

namespace shoal::notifications {

inline constexpr std::chrono::milliseconds kMetricsReportPeriod{1000};

nlohmann::json collect_metrics(const room::RoomRegistry& rooms);
std::string build_metrics_report(const room::RoomRegistry& rooms);

// As the original does at every level of the report: for each counter present in both reports,
// adds "<name>-per-second" = delta * 1000 / elapsed_ms.
void add_rates(nlohmann::json& current, const nlohmann::json& previous, double elapsed_ms);

// Publishes a report on `bus` every period while anyone is subscribed.
void start_metrics_reports(boost::asio::io_context& loop, const room::RoomRegistry& rooms,
                           NotificationBus& bus);

}  // namespace shoal::notifications
