#include "server/node.hpp"

#include "core/uuid.hpp"
#include "rtc/dtls/dtls_certificate.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace shoal::server {

cluster::CreatedRoom create_local_room(Node& node, const room::RoomConfig& config) {
  room::RoomSettings settings{node.config.webrtc.used, &node.bus, {}};
  settings.transport.listen_ip = node.config.webrtc.turn_listen_ip;
  settings.transport.advertised_ip = node.config.webrtc.turn_ip;
  settings.transport.turn_port_range = node.config.webrtc.turn_port_range;
  settings.transport.certificate = rtc::dtls::DtlsCertificate::process_certificate();
  auto room = std::make_shared<room::Room>(core::make_uuid_v4(), config, node.loops.next_loop(), std::move(settings));
  node.rooms.insert(room);
  spdlog::info("Created room \"{}\"", room->id());
  if (config.webhook_url) node.webhooks.register_room(room->id(), *config.webhook_url);
  node.bus.publish({notifications::ServerEventKind::RoomCreated, room->id(), {}, {}});
  return {*room->snapshot(), node.config.address};
}

cluster::NodeUsage local_usage(const Node& node) {
  cluster::NodeUsage usage;
  for (const auto& room : node.rooms.all()) {
    usage.forwarded_tracks += room->forwarded_tracks();
    ++usage.rooms;
  }
  return usage;
}

}  // namespace shoal::server
