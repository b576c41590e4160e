#include "signaling/negotiation_event.hpp"

namespace shoal::signaling {

using nlohmann::json;

namespace {

std::string dump(const json& j) {
  // Metadata comes from clients: replace invalid UTF-8 instead of throwing.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string custom(std::string_view type, json data) {
  return dump(json{{"type", "custom"}, {"data", {{"type", type}, {"data", std::move(data)}}}});
}

}  // namespace

std::optional<SdpOffer> parse_sdp_offer(const json& data) {
  auto offer = data.find("sdpOffer");
  if (offer == data.end() || !offer->is_object()) return std::nullopt;
  auto sdp = offer->find("sdp");
  if (sdp == offer->end() || !sdp->is_string()) return std::nullopt;
  SdpOffer out;
  out.sdp = sdp->get<std::string>();
  if (auto metadata = data.find("trackIdToTrackMetadata"); metadata != data.end() && metadata->is_object()) {
    for (const auto& [track_id, value] : metadata->items()) out.track_metadata[track_id] = value;
  }
  auto mids = data.find("midToTrackId");
  if (mids != data.end()) {
    if (!mids->is_object()) return std::nullopt;
    for (const auto& [mid, track_id] : mids->items()) {
      if (!track_id.is_string()) return std::nullopt;
      out.mid_to_track_id[mid] = track_id.get<std::string>();
    }
  }
  return out;
}

std::string offer_data_event(std::size_t audio_tracks, std::size_t video_tracks,
                             const std::vector<TurnServerEntry>& turn_servers) {
  json servers = json::array();
  for (const auto& s : turn_servers) {
    servers.push_back({{"serverAddr", s.address},
                       {"serverPort", s.port},
                       {"transport", s.transport},
                       {"password", s.password},
                       {"username", s.username}});
  }
  return custom("offerData", {{"tracksTypes", {{"audio", audio_tracks}, {"video", video_tracks}}},
                              {"integratedTurnServers", std::move(servers)}});
}

std::string sdp_answer_event(std::string_view sdp, const std::map<std::string, std::string>& mid_to_track_id) {
  json mids = json::object();
  for (const auto& [mid, track_id] : mid_to_track_id) mids[mid] = track_id;
  return custom("sdpAnswer", {{"type", "answer"}, {"sdp", sdp}, {"midToTrackId", std::move(mids)}});
}

std::string candidate_event(std::string_view candidate) {
  return custom("candidate", {{"candidate", candidate},
                              {"sdpMLineIndex", 0},
                              {"sdpMid", nullptr},
                              {"usernameFragment", nullptr}});
}

json tracks_json(const std::vector<TrackView>& tracks) {
  json out = json::object();
  for (const auto& t : tracks) {
    // The original calls a track simulcast when it has layers other than just "h".
    const bool simulcast = t.encodings != std::vector<std::string>{"h"};
    out[t.id] = {{"metadata", t.metadata},
                 {"simulcastConfig", {{"enabled", simulcast}, {"activeEncodings", t.encodings}}}};
  }
  return out;
}

std::string tracks_added_event(std::string_view endpoint_id, const std::vector<TrackView>& tracks) {
  json metadata = json::object();
  for (const auto& t : tracks) metadata[t.id] = t.metadata;
  return dump(json{{"type", "tracksAdded"},
                   {"data", {{"endpointId", endpoint_id},
                             {"trackIdToMetadata", std::move(metadata)},
                             {"tracks", tracks_json(tracks)}}}});
}

std::string tracks_removed_event(std::string_view endpoint_id, const std::vector<std::string>& track_ids) {
  return dump(json{{"type", "tracksRemoved"}, {"data", {{"endpointId", endpoint_id}, {"trackIds", track_ids}}}});
}

std::string track_updated_event(std::string_view endpoint_id, std::string_view track_id, const json& metadata) {
  return dump(json{{"type", "trackUpdated"},
                   {"data", {{"endpointId", endpoint_id}, {"trackId", track_id}, {"metadata", metadata}}}});
}

}  // namespace shoal::signaling
