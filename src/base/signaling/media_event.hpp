#pragma once
// Media events: the JSON messages carried inside PeerMessage.MediaEvent.data, in the shapes
// membrane-webrtc-js 0.5.3 sends and expects.
#include "core/result.hpp"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace shoal::signaling {

// --- client -> server ---
struct Connect {
  nlohmann::json metadata;
};
struct Disconnect {};
struct UpdateEndpointMetadata {
  nlohmann::json metadata;
};
struct UpdateTrackMetadata {
  std::string track_id;
  nlohmann::json metadata;
};
// Events wrapped as {"type":"custom","data":{"type":<inner>,"data":{...}}}: the media plane's
// negotiation (renegotiateTracks, sdpOffer, candidate, ...). `data` is always an object.
struct CustomEvent {
  std::string type;
  nlohmann::json data;
};

using ClientEvent =
    std::variant<Connect, Disconnect, UpdateEndpointMetadata, UpdateTrackMetadata, CustomEvent>;

struct MediaEventError {
  std::string reason;
};

core::Result<ClientEvent, MediaEventError> parse_client_event(std::string_view json);

// --- server -> client ---
struct EndpointView {
  std::string id;
  std::string type;  // "webrtc", "hls", "rtsp"
  nlohmann::json metadata;
  nlohmann::json tracks = nlohmann::json::object();  // trackId -> {metadata, simulcastConfig}
};

std::string connected_event(std::string_view own_id, const std::vector<EndpointView>& others);
std::string endpoint_added_event(const EndpointView& endpoint);
std::string endpoint_removed_event(std::string_view id);
std::string endpoint_updated_event(std::string_view id, const nlohmann::json& metadata);
// {"type":"error","data":{"message":...}}: membrane-webrtc-js reports it as a connection error and
// disconnects, so it is sent only for requests the server will never accept.
std::string error_event(std::string_view message);

// Endpoint and track metadata are repeated to every peer (and in every `connected`), so their
// serialized size is capped; the sender gets an error event.
inline constexpr std::size_t kMaxMetadataBytes = 16 * 1024;
// The serialized size of `metadata` when it is over kMaxMetadataBytes.
std::optional<std::size_t> oversized_metadata(const nlohmann::json& metadata);

}  // namespace shoal::signaling
