// RTSP components of a room: each is an endpoint of the room, as in the original (peers get
// endpointAdded/endpointRemoved for it and see it in otherEndpoints), whose source's H264 video,
// while it plays, is a track of the room like a peer's: tracksAdded names the component as its
// endpoint, subscribers receive it through the router and the HLS component takes it.
#include "room/room.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"
#include "rtc/rtsp/rtsp_uri.hpp"

#include <algorithm>

namespace shoal::room {

core::Result<AddedComponent, RoomError> Room::start_rtsp(const ComponentOptions& options) {
  // The original had no TLS either; it would hang on an rtsps:// source. A clear refusal instead.
  auto uri = rtc::rtsp::parse_rtsp_uri(options.source_uri);
  if (!uri && uri.error() == rtc::rtsp::UriError::TlsUnsupported) {
    logging::warn(logging::room(id_), "Unable to add component: rtsps:// sources are not supported, room \"{}\"", id_);
    return RoomError::TlsSourceUnsupported;
  }
  Component component{core::make_uuid_v4(), options, false, nullptr};
  RtspSourceSettings settings;
  settings.room_id = id_;
  settings.component_id = component.id;
  settings.source_uri = options.source_uri;
  settings.rtp_port = options.rtp_port;
  settings.reconnect_delay_ms = options.reconnect_delay_ms;
  settings.keep_alive_interval_ms = options.keep_alive_interval_ms;
  settings.pierce_nat = options.pierce_nat;
  RtspSourceEvents& events = *this;
  component.rtsp = std::make_unique<RtspSource>(loop_, std::move(settings), events);
  AddedComponent added{component.id, component_json(component)};
  RtspSource& source = *component.rtsp;
  components_.push_back(std::move(component));
  // The URI as requests name it: never the credentials it may carry.
  logging::info(logging::component(id_, added.id), "Added component \"{}\" (rtsp, {}) to room \"{}\"", added.id,
                uri ? uri->uri : std::string("invalid sourceUri"), id_);
  send_to_ready_peers(signaling::endpoint_added_event({added.id, "rtsp", nlohmann::json(nullptr)}), {});
  publish_snapshot();
  source.start();
  return added;
}

Room::Component* Room::find_component(std::string_view component_id) {
  auto it = std::find_if(components_.begin(), components_.end(),
                         [&](const Component& c) { return c.id == component_id; });
  return it == components_.end() ? nullptr : &*it;
}

void Room::stop_rtsp(Component& component, bool notify) {
  if (!component.rtsp) return;
  auto source = std::move(component.rtsp);
  if (media::Producer* track = source->track()) {
    if (notify) {
      unpublish_tracks(component.id, nullptr, {track->id()});
    } else {
      // The room is closing: no events, but no consumer may keep pointing at the track.
      for (auto& peer : peers_) {
        if (!peer.media) continue;
        for (auto& consumer : peer.media->outbound) {
          if (consumer->producer() != track) continue;
          router_.unsubscribe(*consumer);
          consumer->detach();
        }
      }
      if (hls_feed_) hls_feed_->remove(*track);
      router_.remove_producer(*track);
      std::erase_if(tracks_, [&](const std::unique_ptr<media::Producer>& t) { return t.get() == track; });
      update_forwarded_count();
    }
  }
  // Safe inside one of the source's own callbacks: it checks that it is still alive after each
  // call into the room, and its session outlives it until the TEARDOWN is written.
  source->stop();
}

media::Producer& Room::on_rtsp_track(RtspSource& source, media::TrackDescription description) {
  auto track = std::make_unique<media::Producer>(std::move(description), nlohmann::json(nullptr), source.publisher());
  media::Producer& created = *track;
  tracks_.push_back(std::move(track));
  return created;
}

void Room::on_rtsp_track_ready(RtspSource& source) {
  media::Producer* track = source.track();
  if (track == nullptr) return;
  guard_room([&] { publish_tracks(source.component_id(), {track}); });
  media_tick();  // receiver reports to the source, keyframe requests for its subscribers
}

void Room::on_rtsp_track_gone(RtspSource& source, const std::string& track_id) {
  guard_room([&] { unpublish_tracks(source.component_id(), nullptr, {track_id}); });
}

void Room::on_rtsp_packet(media::Producer& track, const rtc::rtp::RtpPacket& packet, core::Time arrival) {
  guard_room([&] { on_media_packet(track, 0, packet, false, arrival); });
}

void Room::on_rtsp_crashed(RtspSource& source, std::string_view reason) {
  const std::string component_id = source.component_id();
  Component* component = find_component(component_id);
  if (component == nullptr || component->rtsp.get() != &source) return;
  logging::error(logging::component(id_, component_id), "Component \"{}\" of room \"{}\" crashed: {}", component_id,
                 id_, reason);
  // The component stays listed, as a crashed HLS one does; only its source ends.
  // The engine removed a crashed endpoint: the peers see it leave.
  guard_room([&] {
    stop_rtsp(*component, true);
    send_to_ready_peers(signaling::endpoint_removed_event(component_id), {});
  });
  if (settings_.bus) settings_.bus->publish({notifications::ServerEventKind::ComponentCrashed, id_, component_id});
}

}  // namespace shoal::room
