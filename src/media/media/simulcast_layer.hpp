#pragma once
// Simulcast layers as the Jellyfish client names them: RIDs "l", "m", "h", indexed 0, 1, 2
// (low to high) wherever the server keeps something per layer.
#include <optional>
#include <string_view>

namespace shoal::media {

inline constexpr int kSimulcastLayers = 3;

inline std::optional<int> layer_of_rid(std::string_view rid) {
  if (rid == "l") return 0;
  if (rid == "m") return 1;
  if (rid == "h") return 2;
  return std::nullopt;
}

inline std::string_view rid_of_layer(int layer) {
  switch (layer) {
    case 0:
      return "l";
    case 1:
      return "m";
    case 2:
      return "h";
    default:
      return "";
  }
}

}  // namespace shoal::media
