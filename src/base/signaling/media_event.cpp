#include "signaling/media_event.hpp"

#include "core/json_limits.hpp"

namespace shoal::signaling {

using nlohmann::json;

namespace {

const json* find(const json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

core::Result<ClientEvent, MediaEventError> parse_custom(const json* data) {
  if (data == nullptr || !data->is_object()) return MediaEventError{"custom event without data"};
  const json* inner_type = find(*data, "type");
  if (inner_type == nullptr || !inner_type->is_string()) {
    return MediaEventError{"custom event without type"};
  }
  const json* inner_data = find(*data, "data");
  json payload = inner_data != nullptr && inner_data->is_object() ? *inner_data : json::object();
  return CustomEvent{inner_type->get<std::string>(), std::move(payload)};
}

}  // namespace

core::Result<ClientEvent, MediaEventError> parse_client_event(std::string_view text) {
  auto parsed = core::parse_untrusted_json(text);
  if (!parsed) return MediaEventError{"invalid JSON"};
  const json& event = *parsed;
  const json* type = find(event, "type");
  if (type == nullptr || !type->is_string()) return MediaEventError{"missing event type"};
  const json* data = find(event, "data");
  const auto& name = type->get_ref<const std::string&>();

  if (name == "connect") {
    const json* metadata = data != nullptr ? find(*data, "metadata") : nullptr;
    if (metadata == nullptr) return MediaEventError{"connect without metadata"};
    return Connect{*metadata};
  }
  if (name == "disconnect") return Disconnect{};
  if (name == "updateEndpointMetadata") {
    const json* metadata = data != nullptr ? find(*data, "metadata") : nullptr;
    if (metadata == nullptr) return MediaEventError{"updateEndpointMetadata without metadata"};
    return UpdateEndpointMetadata{*metadata};
  }
  if (name == "updateTrackMetadata") {
    const json* track_id = data != nullptr ? find(*data, "trackId") : nullptr;
    const json* metadata = data != nullptr ? find(*data, "trackMetadata") : nullptr;
    if (track_id == nullptr || !track_id->is_string() || metadata == nullptr) {
      return MediaEventError{"updateTrackMetadata without trackId or trackMetadata"};
    }
    return UpdateTrackMetadata{track_id->get<std::string>(), *metadata};
  }
  if (name == "custom") return parse_custom(data);
  return MediaEventError{"unknown event type " + name};
}

namespace {

json endpoint_json(const EndpointView& e) {
  json track_metadata = json::object();
  for (const auto& [track_id, track] : e.tracks.items()) {
    track_metadata[track_id] = track.contains("metadata") ? track["metadata"] : json(nullptr);
  }
  return json{{"id", e.id},
              {"type", e.type},
              {"metadata", e.metadata},
              {"trackIdToMetadata", std::move(track_metadata)},
              {"tracks", e.tracks}};
}

std::string dump(const json& j) {
  // Replace invalid UTF-8 instead of throwing: metadata comes from clients.
  return j.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace

std::string connected_event(std::string_view own_id, const std::vector<EndpointView>& others) {
  json list = json::array();
  for (const auto& e : others) list.push_back(endpoint_json(e));
  return dump(json{{"type", "connected"},
                   {"data", {{"id", own_id}, {"otherEndpoints", std::move(list)}}}});
}

std::string endpoint_added_event(const EndpointView& e) {
  return dump(json{{"type", "endpointAdded"},
                   {"data", {{"id", e.id}, {"type", e.type}, {"metadata", e.metadata}}}});
}

std::string endpoint_removed_event(std::string_view id) {
  return dump(json{{"type", "endpointRemoved"}, {"data", {{"id", id}}}});
}

std::string endpoint_updated_event(std::string_view id, const json& metadata) {
  return dump(json{{"type", "endpointUpdated"}, {"data", {{"id", id}, {"metadata", metadata}}}});
}

std::string error_event(std::string_view message) {
  return dump(json{{"type", "error"}, {"data", {{"message", message}}}});
}

std::optional<std::size_t> oversized_metadata(const json& metadata) {
  const std::size_t size = dump(metadata).size();
  if (size <= kMaxMetadataBytes) return std::nullopt;
  return size;
}

}  // namespace shoal::signaling
