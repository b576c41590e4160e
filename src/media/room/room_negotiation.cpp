// The WebRTC negotiation of a room, as membrane-webrtc-js 0.5.3 drives it: the browser always
// offers, the server answers; every change of the tracks a peer receives is a new round
// (offerData -> sdpOffer -> sdpAnswer + candidate), serialized per peer.
#include "core/uuid.hpp"
#include "log/log.hpp"
#include "room/media_timer.hpp"
#include "room/room.hpp"
#include "rtc/sdp/answer_builder.hpp"
#include "rtc/sdp/sdp_parser.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <set>

namespace shoal::room {

using nlohmann::json;
namespace sdp = rtc::sdp;

namespace {

// How tracksAdded and the endpoint lists show a track; a track without simulcast has layer "h".
signaling::TrackView track_view(const media::Producer& track) {
  const auto& rids = track.description().rids;
  return {track.id(), track.metadata(), rids.empty() ? std::vector<std::string>{"h"} : rids};
}

sdp::VideoCodecFilter filter_of(VideoCodec codec) {
  switch (codec) {
    case VideoCodec::H264:
      return sdp::VideoCodecFilter::H264;
    case VideoCodec::VP8:
      return sdp::VideoCodecFilter::Vp8;
    case VideoCodec::Unrestricted:
      break;
  }
  return sdp::VideoCodecFilter::Any;
}

}  // namespace

void Room::on_custom_event(Peer& peer, signaling::CustomEvent& event) {
  if (event.type == "renegotiateTracks") {
    start_round(peer);
  } else if (event.type == "sdpOffer") {
    auto offer = signaling::parse_sdp_offer(event.data);
    if (!offer) {
      logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": ignoring malformed sdpOffer event", peer.id);
      return;
    }
    for (const auto& [track_id, metadata] : offer->track_metadata) {
      if (refuse_oversized_metadata(peer, "track metadata", metadata)) return;
    }
    answer_offer(peer, std::move(*offer));
  } else if (event.type == "setTargetTrackVariant") {
    on_set_target_variant(peer, event.data);  // room_simulcast.cpp
  } else if (event.type == "candidate") {
    // The browser's candidates are relay candidates on our own TURN listener: the checks that
    // arrive through it are all the server needs, as in the original.
  } else {
    // trackVariantBitrates: the allocator measures each layer's real rate instead of trusting
    // declared ones. prioritizeTrack, preferedVideoSizes: no effect (as in v0.2.1's engine).
    logging::debug(logging::peer(id_, peer.id), "Peer \"{}\": ignoring media event \"{}\"", peer.id, event.type);
  }
}

void Room::on_custom_event_before_connect(Peer& peer, const signaling::CustomEvent& event) {
  // v0.2.1's WebRTC endpoint answers a renegotiation before `connect` too, offering nothing to
  // receive yet (it subscribes to the others' tracks only once ready). Such an offerData opens no
  // round: the client may never follow it up, and rounds after `connect` must not wait for it.
  if (event.type == "renegotiateTracks" && peer.channel) {
    PeerMedia* media = ensure_media(peer);
    if (media == nullptr) return;
    peer.channel->send_media_event(signaling::offer_data_event(0, 0, media->transport->turn_servers()));
    return;
  }
  // An sdpOffer before `connect` would publish tracks of an endpoint the others cannot know yet
  // (the original's engine crashed the room on that); everything else has nothing to act on yet.
  logging::debug(logging::peer(id_, peer.id), "Peer \"{}\": ignoring \"{}\" before connect", peer.id, event.type);
}

PeerMedia* Room::ensure_media(Peer& peer) {
  if (peer.media) return peer.media.get();
  auto media = std::make_unique<PeerMedia>(peer.id, static_cast<PeerMediaEvents&>(*this));
  auto settings = settings_.transport;
  settings.room_id = id_;
  settings.peer_id = peer.id;
  auto opened = webrtc::PeerTransport::open(loop_, settings, *media);
  if (!opened) {
    logging::error(logging::peer(id_, peer.id), "Peer \"{}\": cannot start WebRTC transport: {}", peer.id,
                   opened.error());
    return nullptr;
  }
  media->transport = *std::move(opened);
  peer.media = std::move(media);
  return peer.media.get();
}

void Room::start_round(Peer& peer) {
  if (!peer.endpoint_ready || !peer.channel) return;
  PeerMedia* media = ensure_media(peer);
  if (media == nullptr) return;
  if (media->round_in_flight) {
    media->round_wanted = true;
    return;
  }
  std::size_t audio = 0, video = 0;
  for (const auto& track : tracks_) {
    if (track->owner_id() == peer.id) continue;
    (track->is_video() ? video : audio) += 1;
  }
  media->round_in_flight = true;
  peer.channel->send_media_event(signaling::offer_data_event(audio, video, media->transport->turn_servers()));
}

void Room::answer_offer(Peer& peer, signaling::SdpOffer offer) {
  PeerMedia* media = ensure_media(peer);
  if (media == nullptr || !peer.channel) return;
  // Whatever happens below, this round is over; a queued one may start.
  struct RoundEnd {
    Room& room;
    Peer& peer;
    ~RoundEnd() {
      if (!peer.media) return;
      peer.media->round_in_flight = false;
      if (peer.media->round_wanted) {
        peer.media->round_wanted = false;
        room.start_round(peer);
      }
    }
  } round_end{*this, peer};

  auto parsed = sdp::parse_sdp(offer.sdp);
  if (!parsed) {
    logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": rejecting unparsable SDP offer: {}", peer.id,
                  sdp::to_string(parsed.error()));
    return;
  }
  const sdp::SessionDescription& description = *parsed;

  sdp::AnswerPlan plan;
  const auto& credentials = media->answers == 0 ? media->transport->ice_credentials() : media->transport->restart_ice();
  plan.ice_ufrag = credentials.ufrag;
  plan.ice_pwd = credentials.pwd;
  plan.fingerprint_sha256 = media->transport->fingerprint();
  plan.video_filter = filter_of(config_.video_codec);
  plan.simulcast_allowed = peer.options.enable_simulcast;
  plan.session_version = media->answers;

  // Inbound: the browser's own tracks. A track id another peer already uses is refused.
  for (const auto& [mid, track_id] : offer.mid_to_track_id) {
    media::Producer* existing = find_track(track_id);
    if (existing != nullptr && existing->owner_id() != peer.id) {
      logging::warn(logging::peer(id_, peer.id),
                    "Peer \"{}\": track id \"{}\" belongs to another peer; m-line {} refused", peer.id, track_id, mid);
      continue;
    }
    plan.inbound[mid] = {track_id};
  }

  // Outbound: keep the m-lines already carrying a track still published, give new tracks free
  // recvonly m-lines of their kind in offer order.
  std::set<std::string> recvonly_mids;
  for (const auto& section : description.media) {
    if (section.direction == sdp::Direction::RecvOnly && section.port != 0) recvonly_mids.insert(section.mid);
  }
  std::erase_if(media->outbound, [&](const std::unique_ptr<media::Consumer>& consumer) {
    const bool keep = consumer->producer() != nullptr && recvonly_mids.contains(consumer->mid());
    if (!keep) router_.unsubscribe(*consumer);
    return !keep;
  });
  for (const auto& track : tracks_) {
    if (track->owner_id() == peer.id) continue;
    const bool assigned = std::any_of(media->outbound.begin(), media->outbound.end(),
                                      [&](const auto& s) { return s->producer() == track.get(); });
    if (assigned) continue;
    for (const auto& section : description.media) {
      const bool kind_matches = (section.kind == sdp::MediaKind::Video) == track->is_video() &&
                                (section.kind == sdp::MediaKind::Video || section.kind == sdp::MediaKind::Audio);
      if (!kind_matches || !recvonly_mids.contains(section.mid)) continue;
      const bool taken = std::any_of(media->outbound.begin(), media->outbound.end(),
                                     [&](const auto& s) { return s->mid() == section.mid; });
      if (taken) continue;
      media->outbound.push_back(std::make_unique<media::Consumer>(section.mid, *track, *media, fresh_ssrc(*media)));
      break;
    }
  }
  for (const auto& consumer : media->outbound) {
    const media::TrackDescription& track = consumer->producer()->description();
    std::vector<std::string> uris;
    for (const auto& extension : track.extensions) uris.push_back(extension.uri);
    plan.outbound[consumer->mid()] = {track.id, track.kind, track.codec_name, std::move(uris), track.stream_id,
                                      consumer->ssrc()};
  }

  auto built = sdp::build_answer(description, plan);
  if (!built) {
    logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": rejecting SDP offer: {}", peer.id,
                  sdp::to_string(built.error()));
    return;
  }
  auto& answer = *built;
  media->transport->set_remote_fingerprint(description.media.empty() ? description.fingerprint_algorithm
                                                                     : description.media.front().fingerprint_algorithm,
                                           description.media.empty() ? description.fingerprint
                                                                     : description.media.front().fingerprint);
  ++media->answers;

  std::map<std::string, std::string> mid_to_track_id;
  std::vector<media::Producer*> added;
  std::set<std::string> still_published;
  const std::string new_stream_id = core::make_uuid_v4();
  const bool connected = media->transport->connected();

  for (const auto& negotiated : answer.media) {
    if (!negotiated.track_id) continue;
    if (negotiated.inactive_reason != sdp::InactiveReason::None &&
        negotiated.inactive_reason != sdp::InactiveReason::OfferedInactive) {
      logging::warn(logging::peer(id_, peer.id), "Peer \"{}\": m-line {} for track \"{}\" answered inactive: {}",
                    peer.id, negotiated.mid, *negotiated.track_id, sdp::to_string(negotiated.inactive_reason));
    }
    if (negotiated.answer_direction == sdp::Direction::RecvOnly) {
      mid_to_track_id[negotiated.mid] = *negotiated.track_id;
      still_published.insert(*negotiated.track_id);
      media::Producer* track = find_track(*negotiated.track_id);
      if (track == nullptr) {
        media::TrackDescription published;
        published.id = *negotiated.track_id;
        published.owner_id = peer.id;
        published.stream_id = new_stream_id;
        published.kind = negotiated.kind;
        published.codec_name = negotiated.codec_name;
        published.clock_rate = static_cast<std::uint32_t>(negotiated.clock_rate);
        published.extensions = negotiated.extensions;
        published.rids = negotiated.rids;
        published.ssrcs = negotiated.ssrcs;
        auto metadata = offer.track_metadata.find(published.id);
        auto fresh = std::make_unique<media::Producer>(
            std::move(published), metadata != offer.track_metadata.end() ? metadata->second : json(nullptr), *media);
        track = fresh.get();
        tracks_.push_back(std::move(fresh));
        added.push_back(track);
      }
      media::InboundBinding* inbound = &media->inbound.binding(negotiated.mid);
      inbound->producer = track;
      inbound->payload_type = static_cast<std::uint8_t>(negotiated.payload_type);
      if (negotiated.rtx_payload_type) inbound->rtx_payload_type = static_cast<std::uint8_t>(*negotiated.rtx_payload_type);
      inbound->ssrcs = negotiated.ssrcs;
      inbound->rtx_ssrc = negotiated.rtx_ssrc;
      for (const auto& extension : negotiated.extensions) {
        if (extension.uri == "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id") inbound->rid_extension_id = extension.id;
        if (extension.uri == "urn:ietf:params:rtp-hdrext:sdes:mid") inbound->mid_extension_id = extension.id;
        if (extension.uri == "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id") {
          inbound->repaired_rid_extension_id = extension.id;
        }
        if (extension.uri == "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01") {
          inbound->transport_cc_extension_id = extension.id;
        }
      }
      track->set_transport_cc_extension_id(inbound->transport_cc_extension_id);
    } else {
      media::Consumer* found = nullptr;
      for (auto& candidate : media->outbound) {
        if (candidate->mid() == negotiated.mid) found = candidate.get();
      }
      if (found == nullptr || found->producer() == nullptr) continue;
      media::Consumer& consumer = *found;
      media::Producer& track = *consumer.producer();
      mid_to_track_id[negotiated.mid] = consumer.track_id();
      const bool active = negotiated.answer_direction == sdp::Direction::SendOnly && negotiated.payload_type >= 0;
      if (active) {
        media::Consumer::Negotiated accepted;
        accepted.payload_type = static_cast<std::uint8_t>(negotiated.payload_type);
        for (const auto& publisher_ext : track.description().extensions) {
          // MID and RID values name the publisher's m-line and layer; a receiver would route the
          // packet by them to one of its own m-lines. Dropped: receivers demux by our SSRC.
          if (publisher_ext.uri.starts_with("urn:ietf:params:rtp-hdrext:sdes:")) continue;
          for (const auto& receiver_ext : negotiated.extensions) {
            if (receiver_ext.uri == publisher_ext.uri && publisher_ext.id > 0 && publisher_ext.id < 256) {
              accepted.extension_map[static_cast<std::size_t>(publisher_ext.id)] =
                  static_cast<std::uint8_t>(receiver_ext.id);
            }
          }
        }
        if (consumer.activate(accepted)) router_.subscribe(consumer);
      } else if (consumer.active()) {
        consumer.deactivate();
        router_.unsubscribe(consumer);
      }
    }
  }

  peer.channel->send_media_event(signaling::sdp_answer_event(answer.sdp, mid_to_track_id));
  peer.channel->send_media_event(signaling::candidate_event(media->transport->candidate()));
  media->negotiated_once = true;

  // Tracks this peer no longer offers leave the room.
  std::vector<std::string> removed;
  for (const auto& track : tracks_) {
    if (track->owner_id() == peer.id && !still_published.contains(track->id())) removed.push_back(track->id());
  }
  media->inbound.remove_if([&](const media::InboundBinding& binding) {
    return binding.producer == nullptr || !still_published.contains(binding.producer->id());
  });
  media->inbound.rebuild();
  if (!removed.empty()) unpublish_tracks(peer.id, peer.media.get(), removed);
  if (!added.empty()) {
    publish_tracks(peer.id, added);
    export_tracks(peer.id, added);
  }

  if (connected) {
    const core::Time now = core::now();
    for (auto& consumer : media->outbound) {
      if (consumer->needs_keyframe()) consumer->request_keyframe(now);
    }
  }
  update_forwarded_count();
  media_tick();
}

void Room::publish_tracks(const std::string& owner_id, const std::vector<media::Producer*>& added) {
  std::vector<signaling::TrackView> views;
  for (const auto* track : added) {
    logging::info(logging::peer(id_, owner_id), "Endpoint \"{}\" published {} track \"{}\" ({})", owner_id,
                  sdp::to_string(track->description().kind), track->id(), track->description().codec_name);
    views.push_back(track_view(*track));
  }
  if (hls_feed_) {
    for (auto* track : added) hls_feed_->add(*track);
  }
  const auto event = signaling::tracks_added_event(owner_id, views);
  for (auto& other : peers_) {
    if (other.id == owner_id || !other.endpoint_ready || !other.channel) continue;
    other.channel->send_media_event(event);
    start_round(other);
  }
  publish_snapshot_soon();
}

void Room::unpublish_tracks(const std::string& owner_id, PeerMedia* owner_media,
                            const std::vector<std::string>& track_ids) {
  for (auto& other : peers_) {
    if (other.id == owner_id || !other.media) continue;
    // Only tracks this peer has in its current midToTrackId may be named (the client throws
    // on others).
    std::vector<std::string> known;
    for (auto& outbound : other.media->outbound) {
      media::Consumer& consumer = *outbound;
      if (consumer.producer() != nullptr &&
          std::find(track_ids.begin(), track_ids.end(), consumer.track_id()) != track_ids.end()) {
        if (other.media->negotiated_once) known.push_back(consumer.track_id());
        router_.unsubscribe(consumer);
        consumer.detach();
      }
    }
    if (!known.empty() && other.channel && other.endpoint_ready) {
      other.channel->send_media_event(signaling::tracks_removed_event(owner_id, known));
    }
    if (other.endpoint_ready) start_round(other);
  }
  for (const auto& id : track_ids)
    logging::info(logging::peer(id_, owner_id), "Endpoint \"{}\" unpublished track \"{}\"", owner_id, id);
  unexport_tracks(owner_id, track_ids);
  for (auto& track : tracks_) {
    if (track->owner_id() == owner_id &&
        std::find(track_ids.begin(), track_ids.end(), track->id()) != track_ids.end()) {
      if (hls_feed_) hls_feed_->remove(*track);
      router_.remove_producer(*track);
      if (owner_media != nullptr && owner_media->transport) {
        for (const auto& source : track->streams()) {
          owner_media->transport->forget_inbound_ssrc(source.ssrc());
          owner_media->transport->forget_inbound_ssrc(source.rtx_ssrc());
        }
      }
    }
  }
  std::erase_if(tracks_, [&](const std::unique_ptr<media::Producer>& t) {
    return t->owner_id() == owner_id && std::find(track_ids.begin(), track_ids.end(), t->id()) != track_ids.end();
  });
  update_forwarded_count();
  publish_snapshot_soon();
}

void Room::announce_tracks_to(Peer& receiver) {
  bool any = false;
  std::vector<std::string> owners;
  for (const auto& owner : peers_) owners.push_back(owner.id);
  for (const auto& owner : remote_endpoints_) owners.push_back(owner.id);
  for (const auto& component : components_) owners.push_back(component.id);  // RTSP sources
  for (const auto& owner_id : owners) {
    if (owner_id == receiver.id) continue;
    auto views = track_views(owner_id);
    if (views.empty()) continue;
    receiver.channel->send_media_event(signaling::tracks_added_event(owner_id, views));
    any = true;
  }
  if (any) start_round(receiver);
}

void Room::drop_media(Peer& peer) {
  if (!peer.media) return;
  count_traffic(peer);
  peer.counted_ingress = 0;
  peer.counted_egress = 0;
  // Streams this peer received stop being subscribers of their tracks.
  for (auto& consumer : peer.media->outbound) router_.unsubscribe(*consumer);
  std::vector<std::string> owned;
  for (const auto& track : tracks_) {
    if (track->owner_id() == peer.id) owned.push_back(track->id());
  }
  auto media = std::move(peer.media);
  if (!owned.empty()) unpublish_tracks(peer.id, nullptr, owned);  // its transport goes with it
  // The transport may be inside one of its own callbacks: destroy it on a later turn.
  boost::asio::post(loop_, [media = std::shared_ptr<PeerMedia>(std::move(media))] {});
  update_forwarded_count();
}

std::vector<signaling::TrackView> Room::track_views(std::string_view owner_id) const {
  std::vector<signaling::TrackView> views;
  for (const auto& track : tracks_) {
    if (track->owner_id() != owner_id) continue;
    views.push_back(track_view(*track));
  }
  return views;
}

media::Producer* Room::find_track(std::string_view track_id) {
  for (auto& track : tracks_) {
    if (track->id() == track_id) return track.get();
  }
  return nullptr;
}

std::uint32_t Room::fresh_ssrc(const PeerMedia& media) {
  for (;;) {
    std::uint32_t ssrc = 0;
    RAND_bytes(reinterpret_cast<unsigned char*>(&ssrc), sizeof ssrc);
    const bool used = ssrc == 0 || std::any_of(media.outbound.begin(), media.outbound.end(),
                                               [&](const auto& s) { return s->ssrc() == ssrc; });
    if (!used) return ssrc;
  }
}

void Room::update_forwarded_count() {
  forwarded_tracks_.store(router_.subscriptions(), std::memory_order_relaxed);
}

}  // namespace shoal::room
