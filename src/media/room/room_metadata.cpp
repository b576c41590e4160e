// Endpoint and track metadata: size-capped, and updates rate-limited per peer. Every update is
// repeated to every ready peer, so an unthrottled sender could fill the others' send queues
// until they are disconnected. Updates over the rate are coalesced rather than dropped: the
// latest value is delivered once the peer's bucket refills, so the others still converge.
#include "room/media_timer.hpp"
#include "room/room.hpp"

#include "log/log.hpp"

#include <chrono>

namespace shoal::room {

using nlohmann::json;

bool Room::refuse_oversized_metadata(Peer& peer, std::string_view what, const json& metadata) {
  auto size = signaling::oversized_metadata(metadata);
  if (!size) return false;
  logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": refusing {} of {} bytes (limit {})", peer.id, what, *size,
                signaling::kMaxMetadataBytes);
  if (settings_.refusals != nullptr) settings_.refusals->add(metrics::Refusal::OversizedMetadata);
  if (peer.channel) {
    peer.channel->send_media_event(signaling::error_event(fmt::format(
        "{} is {} bytes; the limit is {} bytes", what, *size, signaling::kMaxMetadataBytes)));
  }
  return true;
}

void Room::on_update_endpoint_metadata(Peer& peer, json metadata) {
  if (refuse_oversized_metadata(peer, "endpoint metadata", metadata)) return;
  const core::Time now = core::now();
  // An update already waiting keeps its place in line: applying a newer one now would let the
  // older one overwrite it later.
  if (peer.deferred_endpoint_metadata || !peer.metadata_updates.try_take(1, now)) {
    peer.deferred_endpoint_metadata = std::move(metadata);
    schedule_metadata_flush(peer.metadata_updates.wait(1, now));
    return;
  }
  apply_endpoint_metadata(peer, std::move(metadata));
}

void Room::on_update_track_metadata(Peer& peer, signaling::UpdateTrackMetadata& event) {
  media::Producer* track = find_track(event.track_id);
  if (track == nullptr || track->owner_id() != peer.id) {
    logging::debug(logging::peer(id_, peer.id), "Peer \"{}\": ignoring updateTrackMetadata for unknown track \"{}\"",
                   peer.id, event.track_id);
    return;
  }
  if (refuse_oversized_metadata(peer, "track metadata", event.metadata)) return;
  const core::Time now = core::now();
  if (peer.deferred_track_metadata.contains(event.track_id) || !peer.metadata_updates.try_take(1, now)) {
    peer.deferred_track_metadata[event.track_id] = std::move(event.metadata);
    schedule_metadata_flush(peer.metadata_updates.wait(1, now));
    return;
  }
  apply_track_metadata(peer.id, event.track_id, std::move(event.metadata));
}

void Room::apply_endpoint_metadata(Peer& peer, json metadata) {
  if (!peer.endpoint_ready || peer.metadata == metadata) return;
  peer.metadata = std::move(metadata);
  send_to_ready_peers(signaling::endpoint_updated_event(peer.id, peer.metadata), {});
  tell_members(EndpointUpdated{peer.id, peer.metadata});
  publish_endpoint_metrics();
  publish_snapshot_soon();
}

void Room::apply_track_metadata(std::string_view owner_id, std::string_view track_id, json metadata) {
  media::Producer* track = find_track(track_id);
  if (track == nullptr || track->owner_id() != owner_id || track->metadata() == metadata) return;
  track->set_metadata(std::move(metadata));
  send_to_ready_peers(signaling::track_updated_event(track->owner_id(), track->id(), track->metadata()), owner_id);
  if (find_peer(owner_id) != nullptr) {
    tell_members(TrackUpdated{track->owner_id(), track->id(), track->metadata()});
  }
  publish_snapshot_soon();
}

void Room::schedule_metadata_flush(std::chrono::milliseconds wait) {
  if (metadata_timer_armed_ || closed_) return;
  metadata_timer_armed_ = true;
  metadata_timer_.expires_after(std::clamp(wait, std::chrono::milliseconds{1}, std::chrono::milliseconds{10'000}));
  metadata_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive) return;
    metadata_timer_armed_ = false;
    if (ec || closed_) return;
    guard_room([&] { flush_deferred_metadata(); });
  });
}

void Room::flush_deferred_metadata() {
  const core::Time now = core::now();
  std::optional<std::chrono::milliseconds> next_wait;  // none: nothing deferred
  for (auto& peer : peers_) {
    while (peer.deferred_endpoint_metadata && peer.metadata_updates.try_take(1, now)) {
      json metadata = std::move(*peer.deferred_endpoint_metadata);
      peer.deferred_endpoint_metadata.reset();
      apply_endpoint_metadata(peer, std::move(metadata));
    }
    while (!peer.deferred_track_metadata.empty() && peer.metadata_updates.try_take(1, now)) {
      auto entry = peer.deferred_track_metadata.extract(peer.deferred_track_metadata.begin());
      apply_track_metadata(peer.id, entry.key(), std::move(entry.mapped()));
    }
    if (peer.deferred_endpoint_metadata || !peer.deferred_track_metadata.empty()) {
      const std::chrono::milliseconds wait = peer.metadata_updates.wait(1, now);
      next_wait = next_wait ? std::min(*next_wait, wait) : wait;
    }
  }
  if (next_wait) schedule_metadata_flush(*next_wait);
}

}  // namespace shoal::room
