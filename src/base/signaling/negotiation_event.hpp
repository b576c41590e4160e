#pragma once
// Media events of the WebRTC negotiation and of track publication, in the shapes
// membrane-webrtc-js 0.5.3 sends and expects (custom events are wrapped as
// {"type":"custom","data":{"type":..,"data":..}}).
#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::signaling {

// --- client -> server (payload of the custom event "sdpOffer") ---
struct SdpOffer {
  std::string sdp;
  std::map<std::string, nlohmann::json> track_metadata;  // trackIdToTrackMetadata
  std::map<std::string, std::string> mid_to_track_id;    // the sender's own tracks only
};
// nullopt when required fields are missing or of the wrong type.
std::optional<SdpOffer> parse_sdp_offer(const nlohmann::json& data);

// --- server -> client ---
struct TurnServerEntry {
  std::string address;
  std::uint16_t port = 0;
  std::string transport;  // "udp" | "tcp"
  std::string username;
  std::string password;
};
std::string offer_data_event(std::size_t audio_tracks, std::size_t video_tracks,
                             const std::vector<TurnServerEntry>& turn_servers);
std::string sdp_answer_event(std::string_view sdp, const std::map<std::string, std::string>& mid_to_track_id);
std::string candidate_event(std::string_view candidate);

struct TrackView {
  std::string id;
  nlohmann::json metadata;
  std::vector<std::string> encodings{"h"};  // rids; a non-simulcast track has just "h"
};
std::string tracks_added_event(std::string_view endpoint_id, const std::vector<TrackView>& tracks);
std::string tracks_removed_event(std::string_view endpoint_id, const std::vector<std::string>& track_ids);
std::string track_updated_event(std::string_view endpoint_id, std::string_view track_id,
                                const nlohmann::json& metadata);
// {trackId: {"metadata", "simulcastConfig": {"enabled", "activeEncodings"}}} as carried by
// `connected.otherEndpoints[].tracks`.
nlohmann::json tracks_json(const std::vector<TrackView>& tracks);

}  // namespace shoal::signaling
