#pragma once
// Guards applied before handing untrusted text to the JSON parser.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <optional>
#include <string_view>

namespace shoal::core {

inline constexpr std::size_t kMaxJsonDepth = 64;

// True when no object/array nesting in `text` is deeper than `max_depth` (strings skipped).
// Keeps a hostile "[[[[..." from costing deep recursion anywhere downstream.
bool json_depth_within(std::string_view text, std::size_t max_depth = kMaxJsonDepth);

// Parses untrusted JSON without exceptions; nullopt on malformed or too deeply nested input.
std::optional<nlohmann::json> parse_untrusted_json(std::string_view text);

}  // namespace shoal::core
