// Simulcast layer control of a room: which layer of a publisher's simulcast track each
// subscriber gets (its own LayerSelector), driven by the subscriber's setTargetTrackVariant and
// by which layers the publisher actually sends. The switch itself happens on the packet path
// (room_forwarding.cpp) at a keyframe of the new layer.
#include "room/media_timer.hpp"
#include "room/room.hpp"

#include "log/log.hpp"

namespace shoal::room {

namespace {
// A layer without packets for this long is inactive (the browser stopped sending it, e.g. for
// lack of bandwidth or a disabled encoding); subscribers fall back to another layer.
constexpr std::chrono::milliseconds kLayerInactive{1500};
}  // namespace

void Room::on_set_target_variant(Peer& peer, const nlohmann::json& data) {
  const auto track_id = data.find("trackId");
  const auto variant = data.find("variant");
  if (!data.is_object() || track_id == data.end() || !track_id->is_string() || variant == data.end() ||
      !variant->is_string()) {
    logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": ignoring malformed setTargetTrackVariant", peer.id);
    return;
  }
  const auto layer = media::layer_of_rid(variant->get_ref<const std::string&>());
  if (!layer) {
    logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": ignoring setTargetTrackVariant with unknown variant {}",
                  peer.id, variant->dump());
    return;
  }
  if (!peer.media) return;
  for (auto& outbound : peer.media->outbound) {
    media::Consumer& consumer = *outbound;
    if (consumer.producer() == nullptr || consumer.track_id() != track_id->get_ref<const std::string&>()) continue;
    if (!consumer.producer()->is_simulcast()) {
      logging::debug(logging::peer(id_, peer.id), "Peer \"{}\": setTargetTrackVariant for non-simulcast track \"{}\"",
                     peer.id, consumer.track_id());
      return;
    }
    consumer.layers().set_target(*layer);
    if (consumer.needs_keyframe()) {
      consumer.request_keyframe(core::now());
    }
    return;
  }
  logging::debug(logging::peer(id_, peer.id), "Peer \"{}\": setTargetTrackVariant for a track it does not receive",
                 peer.id);
}

void Room::update_layer_activity(media::Producer& track, core::Time now) {
  track.expire_streams(now, kLayerInactive);
  const std::uint8_t mask = track.active_streams();
  for (media::Consumer* consumer : router_.consumers(track)) {
    media::LayerSelector& layers = consumer->layers();
    const int wanted = layers.wanted();
    layers.set_active_layers(mask);
    if (layers.wanted() != wanted && consumer->needs_keyframe()) consumer->request_keyframe(now);
  }
}

// Called on the packet path, inside the publisher's guard (room_crash.cpp): a fault here is the
// publisher's, as when the room did the switch itself.
void Room::on_peer_layer_switched(PeerMedia& media, const media::Consumer& consumer) {
  notify_encoding_switched(media, consumer);
}

void Room::notify_encoding_switched(PeerMedia& media, const media::Consumer& consumer) {
  const media::Producer* track = consumer.producer();
  if (track == nullptr) return;
  Peer* receiver = find_peer(media.peer_id());
  if (receiver == nullptr || !receiver->channel || !receiver->endpoint_ready) return;
  const nlohmann::json event = {
      {"type", "custom"},
      {"data",
       {{"type", "encodingSwitched"},
        {"data",
         {{"endpointId", track->owner_id()},
          {"trackId", track->id()},
          {"encoding", media::rid_of_layer(consumer.layers().current())},
          {"reason", to_string(consumer.layers().reason())}}}}}};
  receiver->channel->send_media_event(event.dump());
  logging::debug(logging::peer(id_, receiver->id), "Peer \"{}\" now receives layer {} of track \"{}\"", receiver->id,
                 media::rid_of_layer(consumer.layers().current()), track->id());
}

}  // namespace shoal::room
