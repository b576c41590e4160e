#pragma once
// GET /hls/:room_id/:filename — files an HLS component wrote under
// <JF_OUTPUT_BASE_PATH>/hls_output/<room_id>/. No auth, as in the original.
#include "api/http_types.hpp"
#include "components/hls/hls_live_index.hpp"

#include <boost/asio/awaitable.hpp>

#include <string>
#include <string_view>

namespace shoal::api {

// A low-latency blocking playlist reload (_HLS_msn, optionally _HLS_part) is held until the
// room's live stream lists that segment or part (RFC 8216bis 6.2.5.2): up to three target
// durations, then 503; a request more than two segments ahead is a 400; beyond
// HlsLiveIndex::kMaxWaiters waiting requests, 503 at once. Files are sent from disk in chunks.
boost::asio::awaitable<Reply> serve_hls_file(const std::string& output_base_path,
                                             components::hls::HlsLiveIndex& live, std::string room_id,
                                             std::string filename, std::string target);

// A single path segment that cannot escape its directory.
bool is_safe_path_segment(std::string_view segment);

}  // namespace shoal::api
