#pragma once
// GET /hls/:room_id/:filename — files an HLS component wrote under
// <JF_OUTPUT_BASE_PATH>/hls_output/<room_id>/. No auth, as in the original.
#include "api/http_types.hpp"

#include <string>
#include <string_view>

namespace shoal::api {

Response serve_hls_file(const std::string& output_base_path, const std::string& room_id,
                        std::string filename, std::string_view target);

// A single path segment that cannot escape its directory.
bool is_safe_path_segment(std::string_view segment);

}  // namespace shoal::api
