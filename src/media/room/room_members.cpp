// A room spread over members (room_members.hpp): this member's endpoints and tracks as the other
// members learn of them, and theirs as this member's peers see them. Another member's endpoint
// is announced to the peers here like a local one; its tracks are mirror producers that the
// negotiation subscribes the peers here to like any other track.
#include "log/log.hpp"
#include "room/room.hpp"
#include "signaling/media_event.hpp"

#include <algorithm>
#include <utility>

namespace shoal::room {

using nlohmann::json;

void Room::apply_member_event(MemberEvent event) {
  guard_room([&] { apply_member_event_unguarded(event); });
}

void Room::apply_member_event_unguarded(MemberEvent& event) {
  if (closed_) return;
  std::visit(
      [&](auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, EndpointJoined>) {
          on_endpoint_joined(e);
        } else if constexpr (std::is_same_v<E, EndpointUpdated>) {
          on_endpoint_updated(e);
        } else if constexpr (std::is_same_v<E, EndpointLeft>) {
          on_endpoint_left(e);
        } else if constexpr (std::is_same_v<E, TrackPublished>) {
          on_track_published(e);
        } else if constexpr (std::is_same_v<E, TracksUnpublished>) {
          on_tracks_unpublished(e);
        } else if constexpr (std::is_same_v<E, TrackUpdated>) {
          if (find_remote_endpoint(e.owner_id) != nullptr) apply_track_metadata(e.owner_id, e.track_id, std::move(e.metadata));
        }
      },
      event);
}

std::vector<MemberEvent> Room::member_state() {
  std::vector<MemberEvent> state;
  if (closed_ || settings_.members == nullptr) return state;
  for (const auto& peer : peers_) {
    if (!peer.announced) continue;
    state.emplace_back(EndpointJoined{peer.id, peer.metadata});
    for (const auto& track : tracks_) {
      if (track->owner_id() == peer.id) state.emplace_back(export_track(*track));
    }
  }
  return state;
}

void Room::on_endpoint_joined(EndpointJoined& event) {
  // An id this member already knows (its own peer, or a repeated event) changes nothing.
  if (find_peer(event.id) != nullptr || find_remote_endpoint(event.id) != nullptr) return;
  remote_endpoints_.push_back({event.id, std::move(event.metadata)});
  const RemoteEndpoint& joined = remote_endpoints_.back();
  send_to_ready_peers(signaling::endpoint_added_event({joined.id, "webrtc", joined.metadata}), {});
}

void Room::on_endpoint_updated(EndpointUpdated& event) {
  RemoteEndpoint* endpoint = find_remote_endpoint(event.id);
  if (endpoint == nullptr || endpoint->metadata == event.metadata) return;
  endpoint->metadata = std::move(event.metadata);
  send_to_ready_peers(signaling::endpoint_updated_event(endpoint->id, endpoint->metadata), {});
}

void Room::on_endpoint_left(const EndpointLeft& event) {
  if (find_remote_endpoint(event.id) == nullptr) return;
  // Its member unpublished its tracks first; should that event have been lost, they go now.
  std::vector<std::string> owned;
  for (const auto& track : tracks_) {
    if (track->owner_id() == event.id) owned.push_back(track->id());
  }
  if (!owned.empty()) unpublish_tracks(event.id, nullptr, owned);
  std::erase_if(remote_endpoints_, [&](const RemoteEndpoint& e) { return e.id == event.id; });
  send_to_ready_peers(signaling::endpoint_removed_event(event.id), {});
}

void Room::on_track_published(TrackPublished& event) {
  const std::string owner_id = event.description.owner_id;
  if (settings_.members == nullptr || find_remote_endpoint(owner_id) == nullptr) return;
  // Track ids are the room's: one this member already has (a peer's here) is refused; the same
  // mirror announced twice (a member's state sent again) changes nothing.
  if (const media::Producer* known = find_track(event.description.id)) {
    if (known->owner_id() == owner_id) return;
    logging::warn(logging::room(id_), "Track \"{}\" of endpoint \"{}\" on another member clashes with a track here",
                  event.description.id, owner_id);
    return;
  }
  auto mirror = std::make_unique<media::Producer>(event.description, event.metadata,
                                                  settings_.members->import_link(event));
  mirror->set_transport_cc_extension_id(event.transport_cc_extension_id);
  media::Producer& track = *mirror;
  tracks_.push_back(std::move(mirror));
  settings_.members->import_track(event, track);
  publish_tracks(owner_id, {&track});
  update_forwarded_count();
}

void Room::on_tracks_unpublished(const TracksUnpublished& event) {
  if (find_remote_endpoint(event.owner_id) == nullptr) return;
  std::vector<std::string> owned;
  for (const auto& id : event.track_ids) {
    const media::Producer* track = find_track(id);
    if (track != nullptr && track->owner_id() == event.owner_id) owned.push_back(id);
  }
  if (!owned.empty()) unpublish_tracks(event.owner_id, nullptr, owned);
}

void Room::export_tracks(const std::string& owner_id, const std::vector<media::Producer*>& added) {
  if (settings_.members == nullptr || find_peer(owner_id) == nullptr) return;
  for (media::Producer* track : added) tell_members(export_track(*track));
}

TrackPublished Room::export_track(media::Producer& track) {
  const std::uint32_t key = settings_.members->export_track(track);
  return TrackPublished{track.description(), track.metadata(), key, track.transport_cc_extension_id()};
}

void Room::stop_crossing(const media::Producer& track) {
  if (find_remote_endpoint(track.owner_id()) != nullptr) {
    settings_.members->release_track(track.id());
  } else {
    settings_.members->unexport_track(track);
  }
}

void Room::unexport_tracks(const std::string& owner_id, const std::vector<std::string>& track_ids) {
  if (settings_.members == nullptr) return;
  for (const auto& id : track_ids) {
    const media::Producer* track = find_track(id);
    if (track != nullptr && track->owner_id() == owner_id) stop_crossing(*track);
  }
  if (find_peer(owner_id) != nullptr) tell_members(TracksUnpublished{owner_id, track_ids});
}

void Room::detach_from_members() {
  if (settings_.members == nullptr) return;
  for (const auto& track : tracks_) stop_crossing(*track);
}

void Room::leave_members() {
  for (auto& peer : peers_) {
    if (std::exchange(peer.announced, false)) tell_members(EndpointLeft{peer.id});
  }
  detach_from_members();
}

void Room::tell_members(MemberEvent event) {
  if (settings_.members != nullptr) settings_.members->broadcast(std::move(event));
}

}  // namespace shoal::room
