#pragma once
// Validation of request bodies for rooms, peers and components, as the original validated them
// (OpenApiSpex casting is lenient: "true"/"false" and numeric strings are accepted in options).
#include "core/result.hpp"
#include "room/room.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>

namespace shoal::api {

struct RoomParamsError {
  std::string text;  // 400 error text
};

core::Result<room::RoomConfig, RoomParamsError> parse_room_config(const nlohmann::json& params);
// nullopt: options present but invalid ("Invalid request body structure", checked after the
// room's own checks as in the original).
std::optional<room::PeerOptions> parse_peer_options(const nlohmann::json& params);
std::optional<room::ComponentOptions> parse_component_options(room::ComponentType type,
                                                              const nlohmann::json& params);

}  // namespace shoal::api
