// Fault isolation: the room's entry points run their work under a guard, so that a bug that
// throws costs one peer's endpoint or one room, as a crashed process does in the original
// (PeerCrashed / RoomCrashed), and never the event loop the room shares with other rooms.
#include "room/room.hpp"

#include "log/log.hpp"

#include <boost/asio/post.hpp>

namespace shoal::room {

core::Result<AddedPeer, RoomError> Room::add_peer(const std::optional<PeerOptions>& options) {
  core::Result<AddedPeer, RoomError> result;
  if (!guard_room([&] { result = add_peer_unguarded(options); })) return RoomError::RoomNotFound;
  return result;
}

core::Result<void, RoomError> Room::remove_peer(std::string_view peer_id) {
  core::Result<void, RoomError> result;
  if (!guard_room([&] { result = remove_peer_unguarded(peer_id); })) return RoomError::RoomNotFound;
  return result;
}

core::Result<AddedComponent, RoomError> Room::add_component(ComponentType type,
                                                             const std::optional<ComponentOptions>& options) {
  core::Result<AddedComponent, RoomError> result;
  if (!guard_room([&] { result = add_component_unguarded(type, options); })) return RoomError::RoomNotFound;
  return result;
}

core::Result<void, RoomError> Room::remove_component(std::string_view component_id) {
  core::Result<void, RoomError> result;
  if (!guard_room([&] { result = remove_component_unguarded(component_id); })) return RoomError::RoomNotFound;
  return result;
}

core::Result<void, RoomError> Room::connect_peer(std::string_view peer_id, std::shared_ptr<PeerChannel> channel) {
  core::Result<void, RoomError> result;
  if (!guard_room([&] { result = connect_peer_unguarded(peer_id, std::move(channel)); })) return RoomError::RoomNotFound;
  return result;
}

void Room::peer_socket_closed(std::string_view peer_id, const PeerChannel* channel) {
  guard_room([&] { peer_socket_closed_unguarded(peer_id, channel); });
}

void Room::handle_media_event(std::string_view peer_id, const PeerChannel* channel, std::string_view data) {
  guard_peer(peer_id, [&] { handle_media_event_unguarded(peer_id, channel, data); });
}

void Room::close() { guard_room([&] { close_unguarded(); }); }

void Room::on_peer_rtp(PeerMedia& media, std::span<std::uint8_t> packet) {
  guard_peer(media.peer_id(), [&] { handle_peer_rtp(media, packet); });
}

void Room::on_peer_rtcp(PeerMedia& media, std::span<std::uint8_t> packet) {
  guard_peer(media.peer_id(), [&] { handle_peer_rtcp(media, packet); });
}

void Room::on_peer_transport_connected(PeerMedia& media) {
  guard_peer(media.peer_id(), [&] { handle_peer_transport_connected(media); });
}

void Room::on_peer_transport_failed(PeerMedia& media, std::string_view reason) {
  guard_peer(media.peer_id(), [&] { handle_peer_transport_failed(media, reason); });
}

void Room::crash_peer(std::string_view peer_id, std::string_view what) noexcept {
  const std::string id(peer_id);  // the view may point into the media being dropped
  logging::error(logging::peer(id_, id), "RTC Engine endpoint \"{}\" crashed: {}", id, what);
  Peer* peer = find_peer(id);
  if (peer == nullptr || closed_) return;
  try {
    if (settings_.bus) settings_.bus->publish({notifications::ServerEventKind::PeerCrashed, id_, id});
    auto channel = std::move(peer->channel);
    // The others see it leave as if its socket had closed; the peer stays in the room,
    // disconnected, and may connect again with its token.
    on_endpoint_gone(*peer);  // drops its media too
    if (channel) channel->close("");
    publish_snapshot();
  } catch (const std::exception& error) {
    crash(error.what());  // the peer could not even be isolated: the room goes
  } catch (...) {
    crash("unknown exception while isolating a crashed peer");
  }
}

void Room::crash(std::string_view what) noexcept {
  logging::warn(logging::room(id_), "Process \"{}\" is down with reason: {}", id_, what);
  if (closed_) return;
  closed_ = true;
  media_timer_.cancel();
  try {
    stop_components();
  } catch (...) {
  }
  if (settings_.bus) {
    try {
      settings_.bus->publish({notifications::ServerEventKind::RoomCrashed, id_, {}});
    } catch (...) {
      logging::error(logging::room(id_), "Room \"{}\": RoomCrashed could not be published", id_);
    }
  }
  for (auto& peer : peers_) {
    peer.endpoint_ready = false;  // no events to peers being closed
    auto channel = std::move(peer.channel);
    try {
      drop_media(peer);
      if (channel) channel->close("");
    } catch (...) {
      // Best effort: the room is gone either way.
    }
  }
  try {
    leave_members();  // the room goes on on the other members, without this one's peers
    publish_snapshot();
    publish_endpoint_metrics();
  } catch (...) {
  }
  if (settings_.on_crashed) {
    // Later: forgetting the room may destroy it, and a caller up the stack is inside it.
    boost::asio::post(loop_, [on_crashed = settings_.on_crashed, id = id_] { on_crashed(id); });
  }
}

}  // namespace shoal::room
