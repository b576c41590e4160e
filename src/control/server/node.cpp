#include "server/node.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"
#include "rtc/dtls/dtls_certificate.hpp"

#include <boost/asio/post.hpp>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include <memory>

namespace shoal::server {

namespace asio = boost::asio;

namespace {

// The node's TCP TURN listener, started on first use. A port that cannot be bound is logged and
// tried again with the next room; peers meanwhile get UDP TURN only.
std::shared_ptr<webrtc::TcpTurnListener> shared_tcp_turn(Node& node) {
  const auto& webrtc = node.config.webrtc;
  if (!webrtc.used || !webrtc.turn_tcp_port) return nullptr;
  std::lock_guard lock(node.tcp_turn_mutex);
  if (node.tcp_turn) return node.tcp_turn;
  webrtc::TcpTurnListenerSettings settings;
  settings.listen = {webrtc.turn_listen_ip, *webrtc.turn_tcp_port};
  settings.advertised_ip = webrtc.turn_ip;
  settings.turn_port_range = webrtc.turn_port_range;
  settings.refusals = &node.metrics.refusals();
  auto started = webrtc::TcpTurnListener::start(node.loops.loop(0), settings);
  if (!started) {
    spdlog::error("Cannot start the TCP TURN listener on {}:{} (JF_WEBRTC_TURN_LISTEN_IP/JF_WEBRTC_TURN_TCP_PORT): {}",
                  webrtc.turn_listen_ip.to_string(), *webrtc.turn_tcp_port, started.error());
    return nullptr;
  }
  node.tcp_turn = *std::move(started);
  spdlog::info("Started TCP TURN listener on {}:{}", webrtc.turn_listen_ip.to_string(), node.tcp_turn->port());
  return node.tcp_turn;
}

// A room's posted handlers and timers hold only `this` and a flag its destructor clears, which
// is safe only if the destructor runs on the room's own loop, never while one of them runs there.
// The last reference may go anywhere (a REST handler, the metrics report), so the room is handed
// to its loop to be destroyed there; at shutdown, with the loops stopped, destroying the queued
// hand-off destroys it.
std::shared_ptr<room::Room> make_room(std::string id, const room::RoomConfig& config, asio::io_context& loop,
                                      room::RoomSettings settings) {
  return std::shared_ptr<room::Room>(new room::Room(std::move(id), config, loop, std::move(settings)),
                                     [&loop](room::Room* room) {
                                       // Posted even from the loop itself: the last reference may
                                       // go inside one of the room's own handlers.
                                       asio::post(loop, [owned = std::unique_ptr<room::Room>(room)] {});
                                     });
}

}  // namespace

cluster::CreatedRoom create_local_room(Node& node, const room::RoomConfig& config) {
  room::RoomSettings settings{node.config.webrtc.used, &node.bus, {}};
  settings.transport.listen_ip = node.config.webrtc.turn_listen_ip;
  settings.transport.advertised_ip = node.config.webrtc.turn_ip;
  settings.transport.turn_port_range = node.config.webrtc.turn_port_range;
  settings.transport.certificate = rtc::dtls::DtlsCertificate::process_certificate();
  settings.transport.tcp_turn = shared_tcp_turn(node);
  settings.traffic = &node.metrics.traffic();
  settings.refusals = &node.metrics.refusals();
  settings.transport.refusals = &node.metrics.refusals();
  settings.on_crashed = [&node](const std::string& room_id) { node.rooms.remove(room_id); };
  settings.output_base_path = node.config.output_base_path;
  settings.hls_min_free_bytes = node.config.hls_min_free_mb << 20;
  settings.hls_live_index = &node.hls_live;
  // In cluster mode the id names this node, so every node can route the room's requests here.
  auto id = node.cluster ? node.cluster->new_room_id() : core::make_uuid_v4();
  auto room = make_room(std::move(id), config, node.loops.next_loop(), std::move(settings));
  node.rooms.insert(room);
  logging::info(logging::room(room->id()), "Created room \"{}\"", room->id());
  if (config.webhook_url) node.webhooks.register_room(room->id(), *config.webhook_url);
  node.bus.publish({notifications::ServerEventKind::RoomCreated, room->id(), {}, {}});
  return {*room->snapshot(), node.config.address, {}, room->id()};
}

void delete_local_room(Node& node, const std::string& room_id, std::function<void()> closed) {
  auto room = node.rooms.remove(room_id);
  if (!room) {
    if (closed) closed();
    return;
  }
  asio::post(room->loop(), [room, &bus = node.bus, closed = std::move(closed)] {
    room->close();
    bus.publish({notifications::ServerEventKind::RoomDeleted, room->id(), {}});
    if (closed) closed();
  });
}

cluster::NodeUsage local_usage(const Node& node) {
  cluster::NodeUsage usage;
  for (const auto& room : node.rooms.all()) {
    usage.forwarded_tracks += room->forwarded_tracks();
    usage.peers += room->peer_count();
    ++usage.rooms;
  }
  usage.draining = node.draining.load();
  return usage;
}

}  // namespace shoal::server
