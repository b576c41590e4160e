#include "server/node.hpp"

#include "core/uuid.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

namespace shoal::server {

cluster::CreatedRoom create_local_room(Node& node, const room::RoomConfig& config) {
  auto room = std::make_shared<room::Room>(core::make_uuid_v4(), config, node.loops.next_loop(),
                                           room::RoomSettings{node.config.webrtc.used, &node.bus});
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
