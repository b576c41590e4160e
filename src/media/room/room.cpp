#include "room/room.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"
#include "signaling/media_event.hpp"

#include <boost/asio/post.hpp>

#include <algorithm>
#include <utility>

namespace shoal::room {

using nlohmann::json;

std::string_view to_string(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::H264:
      return "h264";
    case VideoCodec::VP8:
      return "vp8";
    case VideoCodec::Unrestricted:
      break;
  }
  return "";
}

Room::Room(std::string id, RoomConfig config, boost::asio::io_context& loop, RoomSettings settings)
    : id_(std::move(id)), config_(config), loop_(loop), settings_(std::move(settings)), media_timer_(loop), metadata_timer_(loop) {
  logging::info(logging::room(id_), "Initialize room \"{}\"", id_);
  if (settings_.members != nullptr) settings_.members->attach(*this, router_);
  publish_snapshot();
  rebuild_endpoint_metrics();
}

Room::~Room() {
  *alive_ = false;
  media_timer_.cancel();
  metadata_timer_.cancel();
  stop_components();
  detach_from_members();
  if (settings_.members != nullptr) settings_.members->detach(*this);
  tracks_.clear();
  for (auto& peer : peers_) peer.media.reset();
}

Room::Peer* Room::find_peer(std::string_view peer_id) {
  auto it = std::find_if(peers_.begin(), peers_.end(), [&](const Peer& p) { return p.id == peer_id; });
  return it == peers_.end() ? nullptr : &*it;
}

Room::RemoteEndpoint* Room::find_remote_endpoint(std::string_view endpoint_id) {
  auto it = std::find_if(remote_endpoints_.begin(), remote_endpoints_.end(),
                         [&](const RemoteEndpoint& e) { return e.id == endpoint_id; });
  return it == remote_endpoints_.end() ? nullptr : &*it;
}

core::Result<AddedPeer, RoomError> Room::add_peer_unguarded(const std::optional<PeerOptions>& options) {
  if (closed_) return RoomError::RoomNotFound;
  if (config_.max_peers && static_cast<std::int64_t>(peers_.size()) >= *config_.max_peers) {
    return RoomError::PeerLimitReached;
  }
  // The original raised inside the room here and crashed it; a clean refusal keeps the room.
  if (!settings_.webrtc_enabled) {
    logging::warn(logging::room(id_), "Unable to add peer: WebRTC is disabled (JF_WEBRTC_USED=false), room \"{}\"",
                  id_);
    return RoomError::WebrtcDisabled;
  }
  if (!options) {
    logging::warn(logging::room(id_), "Unable to add peer: invalid options, room \"{}\"", id_);
    return RoomError::InvalidOptions;
  }
  Peer peer{core::make_uuid_v4(), *options, nullptr, false, json(nullptr)};
  AddedPeer added{peer.id, peer_json(peer)};
  peers_.push_back(std::move(peer));
  logging::info(logging::peer(id_, added.id), "Added peer \"{}\" to room \"{}\"", added.id, id_);
  publish_snapshot();
  return added;
}

core::Result<void, RoomError> Room::remove_peer_unguarded(std::string_view peer_id) {
  if (closed_) return RoomError::RoomNotFound;
  Peer* peer = find_peer(peer_id);
  if (peer == nullptr) return RoomError::PeerNotFound;
  auto channel = std::move(peer->channel);
  on_endpoint_gone(*peer);
  if (channel) channel->close("");
  std::erase_if(peers_, [&](const Peer& p) { return p.id == peer_id; });
  logging::info(logging::peer(id_, peer_id), "Removed peer \"{}\" from room \"{}\"", peer_id, id_);
  publish_snapshot();
  return {};
}

core::Result<AddedComponent, RoomError> Room::add_component_unguarded(
    ComponentType type, const std::optional<ComponentOptions>& options) {
  if (closed_) return RoomError::RoomNotFound;
  const bool codec_ok = type == ComponentType::Hls
                            ? config_.video_codec == VideoCodec::H264
                            : config_.video_codec != VideoCodec::VP8;
  if (!codec_ok) {
    logging::warn(logging::room(id_), "Unable to add component: incompatible codec, room \"{}\"", id_);
    return RoomError::IncompatibleCodec;
  }
  if (type == ComponentType::Hls &&
      std::any_of(components_.begin(), components_.end(),
                  [](const Component& c) { return c.options.type == ComponentType::Hls; })) {
    logging::warn(logging::room(id_), "Unable to add component: reached components limit, room \"{}\"", id_);
    return RoomError::ComponentsLimit;
  }
  if (!options) {
    logging::warn(logging::room(id_), "Unable to add component: invalid options, room \"{}\"", id_);
    return RoomError::InvalidOptions;
  }
  if (type == ComponentType::Hls) return start_hls(*options);
  return start_rtsp(*options);
}

core::Result<void, RoomError> Room::remove_component_unguarded(std::string_view component_id) {
  if (closed_) return RoomError::RoomNotFound;
  auto it = std::find_if(components_.begin(), components_.end(),
                         [&](const Component& c) { return c.id == component_id; });
  if (it == components_.end()) return RoomError::ComponentNotFound;
  // An RTSP component is an endpoint for the peers until it is removed or crashes.
  const bool endpoint = it->rtsp != nullptr;
  stop_hls(*it);
  stop_rtsp(*it, true);
  components_.erase(it);
  if (endpoint) send_to_ready_peers(signaling::endpoint_removed_event(component_id), {});
  logging::info(logging::component(id_, component_id), "Removed component \"{}\"", component_id);
  publish_snapshot();
  return {};
}

core::Result<void, RoomError> Room::connect_peer_unguarded(std::string_view peer_id,
                                                             std::shared_ptr<PeerChannel> channel) {
  if (closed_) return RoomError::RoomNotFound;
  Peer* peer = find_peer(peer_id);
  if (peer == nullptr) return RoomError::PeerNotFound;
  if (peer->channel) return RoomError::PeerAlreadyConnected;
  // As in v0.2.1, the peer's endpoint exists from here on (the engine adds it when the socket
  // authenticates); `connect` only makes it ready, i.e. visible to the others.
  peer->channel = std::move(channel);
  logging::info(logging::peer(id_, peer_id), "Peer \"{}\" connected", peer_id);
  publish_snapshot();
  publish_endpoint_metrics();
  return {};
}

void Room::peer_socket_closed_unguarded(std::string_view peer_id, const PeerChannel* channel) {
  Peer* peer = find_peer(peer_id);
  if (peer == nullptr || peer->channel.get() != channel) return;
  peer->channel.reset();
  on_endpoint_gone(*peer);
  publish_snapshot();
}

void Room::handle_media_event_unguarded(std::string_view peer_id, const PeerChannel* channel,
                                        std::string_view data) {
  Peer* peer = find_peer(peer_id);
  if (peer == nullptr || peer->channel.get() != channel) return;

  auto parsed = signaling::parse_client_event(data);
  if (!parsed) {
    logging::warn(logging::peer(id_, peer_id), "Ignoring invalid media event from peer \"{}\": {}", peer_id,
                  parsed.error().reason);
    return;
  }
  auto& event = *parsed;
  std::visit(
      [&](auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, signaling::Connect>) {
          if (peer->endpoint_ready) {
            logging::debug(logging::peer(id_, peer_id), "Ignoring repeated connect from peer \"{}\"", peer_id);
          } else if (!refuse_oversized_metadata(*peer, "endpoint metadata", e.metadata)) {
            on_connect(*peer, std::move(e.metadata));
          }
        } else if constexpr (std::is_same_v<E, signaling::UpdateEndpointMetadata>) {
          if (peer->endpoint_ready) on_update_endpoint_metadata(*peer, std::move(e.metadata));
        } else if constexpr (std::is_same_v<E, signaling::UpdateTrackMetadata>) {
          if (peer->endpoint_ready) on_update_track_metadata(*peer, e);
        } else if constexpr (std::is_same_v<E, signaling::Disconnect>) {
          // As in the original: a peer leaves when its socket closes, not on this event.
        } else if constexpr (std::is_same_v<E, signaling::CustomEvent>) {
          if (peer->endpoint_ready) {
            on_custom_event(*peer, e);
          } else {
            on_custom_event_before_connect(*peer, e);
          }
        }
      },
      event);
}

void Room::on_connect(Peer& peer, json metadata) {
  peer.endpoint_ready = true;
  peer.metadata = std::move(metadata);

  std::vector<signaling::EndpointView> others;
  for (const auto& other : peers_) {
    if (other.endpoint_ready && other.id != peer.id) {
      others.push_back({other.id, "webrtc", other.metadata, signaling::tracks_json(track_views(other.id))});
    }
  }
  for (const auto& remote : remote_endpoints_) {
    others.push_back({remote.id, "webrtc", remote.metadata, signaling::tracks_json(track_views(remote.id))});
  }
  for (const auto& component : components_) {
    if (component.options.type == ComponentType::Rtsp && !component.rtsp) continue;  // crashed: gone
    others.push_back({component.id, component.options.type == ComponentType::Hls ? "hls" : "rtsp",
                      json(nullptr), signaling::tracks_json(track_views(component.id))});
  }
  peer.channel->send_media_event(signaling::connected_event(peer.id, others));
  // The v0.5.3 client ignores `otherEndpoints[].tracks`: existing tracks must follow as
  // tracksAdded, then a negotiation round to receive them.
  announce_tracks_to(peer);
  send_to_ready_peers(signaling::endpoint_added_event({peer.id, "webrtc", peer.metadata}), peer.id);
  peer.announced = true;
  tell_members(EndpointJoined{peer.id, peer.metadata});
  publish_endpoint_metrics();
  publish_snapshot_soon();
}

void Room::on_endpoint_gone(Peer& peer) {
  // Also for an endpoint that never became ready: it may have opened its transport already.
  peer.endpoint_ready = false;
  drop_media(peer);
  peer.metadata = json(nullptr);
  peer.deferred_endpoint_metadata.reset();
  peer.deferred_track_metadata.clear();
  publish_snapshot_soon();
  // Only endpoints the others know of are removed (an unknown id would break their client).
  if (std::exchange(peer.announced, false)) {
    send_to_ready_peers(signaling::endpoint_removed_event(peer.id), peer.id);
    tell_members(EndpointLeft{peer.id});
  }
  publish_endpoint_metrics();
}

void Room::send_to_ready_peers(const std::string& event, std::string_view except_id) {
  for (auto& p : peers_) {
    if (p.endpoint_ready && p.channel && p.id != except_id) p.channel->send_media_event(event);
  }
}

void Room::close_unguarded() {
  if (closed_) return;
  closed_ = true;
  media_timer_.cancel();
  metadata_timer_.cancel();
  stop_components();
  for (auto& peer : peers_) peer.endpoint_ready = false;  // no events to peers being closed
  for (auto& peer : peers_) drop_media(peer);
  leave_members();
  for (auto& peer : peers_) {
    if (peer.channel) peer.channel->close("");
    peer.channel.reset();
    peer.endpoint_ready = false;
  }
  publish_endpoint_metrics();
  logging::info(logging::room(id_), "Deleted room \"{}\"", id_);
}

// Beyond v0.2.1 (as later Jellyfish versions have them): the peer's metadata and its published
// tracks, so a server application or the dashboard sees what each peer sends.
std::string Room::peer_json(const Peer& peer) const {
  json tracks = json::array();
  for (const auto& track : tracks_) {
    if (track->owner_id() != peer.id) continue;
    tracks.push_back({{"id", track->id()}, {"type", track->is_video() ? "video" : "audio"},
                      {"metadata", track->metadata()}});
  }
  return json{{"id", peer.id},
              {"type", "webrtc"},
              {"status", peer.channel ? "connected" : "disconnected"},
              {"metadata", peer.metadata},
              {"tracks", std::move(tracks)}}
      .dump();
}

std::string Room::component_json(const Component& component) const {
  json metadata = json::object();
  if (component.options.type == ComponentType::Hls) {
    metadata = {{"playable", component.playable}, {"lowLatency", component.options.low_latency}};
  }
  return json{{"id", component.id},
              {"type", component.options.type == ComponentType::Hls ? "hls" : "rtsp"},
              {"metadata", std::move(metadata)}}
      .dump();
}

void Room::count_traffic(Peer& peer) {
  if (!peer.media || !peer.media->transport || settings_.traffic == nullptr) return;
  const auto& stats = peer.media->transport->stats();
  settings_.traffic->add_ingress(stats.wire_bytes_received - peer.counted_ingress);
  settings_.traffic->add_egress(stats.wire_bytes_sent - peer.counted_egress);
  peer.counted_ingress = stats.wire_bytes_received;
  peer.counted_egress = stats.wire_bytes_sent;
}

void Room::publish_endpoint_metrics() {
  // A rebuild walks every peer, so a burst of changes (a thousand sockets authenticating at
  // once) would cost quadratic time on the room's loop: they are coalesced into one rebuild on a
  // later turn of the loop. The report reads the metrics once a second.
  if (endpoint_metrics_pending_) return;
  endpoint_metrics_pending_ = true;
  boost::asio::post(loop_, [this, alive = alive_] {
    if (!*alive) return;
    endpoint_metrics_pending_ = false;
    guard_room([&] { rebuild_endpoint_metrics(); });
  });
}

void Room::rebuild_endpoint_metrics() {
  // The shape of the original's WebRTC metrics report: per endpoint its ICE counters and, per
  // track it publishes or receives, "track_id=<id>:<rid>" with the RTP counters.
  auto metrics = std::make_shared<json>(json::object());
  for (auto& peer : peers_) {
    count_traffic(peer);
    // Every endpoint the engine holds, ready or not: as in v0.2.1, an authenticated peer is
    // reported before it sends `connect`.
    if (!peer.channel) continue;
    json endpoint = {{"endpoint.metadata", peer.metadata}};
    if (peer.media && peer.media->transport) {
      const auto& stats = peer.media->transport->stats();
      endpoint["ice.bytes_received"] = stats.wire_bytes_received;
      endpoint["ice.bytes_sent"] = stats.wire_bytes_sent;
      endpoint["ice.packets_received"] = stats.wire_packets_received;
      endpoint["ice.packets_sent"] = stats.wire_packets_sent;
      for (const auto& inbound : peer.media->inbound.bindings()) {
        if (inbound.producer == nullptr) continue;
        const media::Producer& track = *inbound.producer;
        endpoint["track_id=" + track.id() + ":"] = {{"inbound-rtp.packets", track.packets()},
                                                    {"inbound-rtp.bytes_received", track.bytes()},
                                                    {"track.metadata", track.metadata()}};
      }
      for (const auto& outbound : peer.media->outbound) {
        const media::Consumer& consumer = *outbound;
        if (!consumer.active()) continue;
        endpoint["track_id=" + consumer.track_id() + ":"] = {{"outbound-rtp.packets", consumer.packets()},
                                                              {"outbound-rtp.bytes", consumer.bytes()}};
      }
    }
    (*metrics)["endpoint_id=" + peer.id] = std::move(endpoint);
  }
  endpoint_metrics_.store(std::move(metrics));
}

void Room::publish_snapshot_soon() {
  if (snapshot_pending_) return;
  snapshot_pending_ = true;
  boost::asio::post(loop_, [this, alive = alive_] {
    if (!*alive) return;
    snapshot_pending_ = false;
    guard_room([&] { publish_snapshot(); });
  });
}

void Room::publish_snapshot() {
  // Built as text once per change so that listing rooms never has to visit the room's loop.
  std::string out = "{\"id\":" + json(id_).dump() + ",\"config\":{\"maxPeers\":";
  out += config_.max_peers ? std::to_string(*config_.max_peers) : "null";
  out += ",\"videoCodec\":";
  out += config_.video_codec == VideoCodec::Unrestricted ? "null"
                                                         : "\"" + std::string(to_string(config_.video_codec)) + "\"";
  if (config_.webhook_url) out += ",\"webhookUrl\":" + json(*config_.webhook_url).dump();
  out += "},\"components\":[";
  for (std::size_t i = 0; i < components_.size(); ++i) {
    if (i) out += ',';
    out += component_json(components_[i]);
  }
  out += "],\"peers\":[";
  for (std::size_t i = 0; i < peers_.size(); ++i) {
    if (i) out += ',';
    out += peer_json(peers_[i]);
  }
  out += "]}";
  snapshot_.store(std::make_shared<const std::string>(std::move(out)));
  peer_count_.store(peers_.size(), std::memory_order_relaxed);
}

}  // namespace shoal::room
