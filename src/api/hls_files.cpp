#include "api/hls_files.hpp"

#include "api/request_params.hpp"

#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>

namespace shoal::api {

namespace {

constexpr std::uintmax_t kMaxFileBytes = 64u << 20;

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_decimal(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const auto& s = value.get_ref<const std::string&>();
  return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

Response file_not_found() { return app_error(http::status::not_found, "File not found"); }

constexpr auto kReloadPoll = std::chrono::milliseconds(20);

std::uint64_t to_number(const nlohmann::json& value) { return std::stoull(value.get_ref<const std::string&>()); }

Response read_hls_file(const std::string& output_base_path, const std::string& room_id, const std::string& filename);

}  // namespace

bool is_safe_path_segment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         segment.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

boost::asio::awaitable<Response> serve_hls_file(const std::string& output_base_path,
                                                const components::hls::HlsLiveIndex& live, std::string room_id,
                                                std::string filename, std::string target) {
  auto question = target.find('?');
  auto query = question == std::string::npos ? nlohmann::json::object()
                                             : parse_urlencoded(std::string_view(target).substr(question + 1));
  if (query.contains("_HLS_skip") && ends_with(filename, ".m3u8")) {
    filename = filename.substr(0, filename.size() - 5) + "_delta.m3u8";
  }
  if (query.contains("_HLS_msn")) {
    const bool has_part = query.contains("_HLS_part");
    if (!is_decimal(query["_HLS_msn"]) || (has_part && !is_decimal(query["_HLS_part"]))) {
      co_return app_error(http::status::bad_request, "_HLS_msn and _HLS_part must be integers");
    }
    if (!is_safe_path_segment(room_id) || !ends_with(filename, ".m3u8")) co_return file_not_found();
    const std::uint64_t sequence = to_number(query["_HLS_msn"]);
    // Without _HLS_part the request waits for the whole segment, i.e. the next one's first part.
    const std::uint64_t wanted_sequence = has_part ? sequence : sequence + 1;
    const std::uint64_t wanted_part = has_part ? to_number(query["_HLS_part"]) : 0;
    auto position = live.position(room_id);
    if (!position) co_return file_not_found();  // no live low-latency stream in this room
    if (sequence > position->sequence + 2) {
      co_return app_error(http::status::bad_request, "_HLS_msn is more than two segments ahead of the playlist");
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(3 * position->target_duration);
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    while (!components::hls::reached(*position, wanted_sequence, wanted_part)) {
      if (std::chrono::steady_clock::now() >= deadline) {
        co_return app_error(http::status::service_unavailable, "The requested part did not appear in time");
      }
      timer.expires_after(kReloadPoll);
      co_await timer.async_wait(boost::asio::use_awaitable);
      position = live.position(room_id);
      if (!position) break;  // the stream ended: serve the closed playlist
    }
  }
  co_return read_hls_file(output_base_path, room_id, filename);
}

namespace {

Response read_hls_file(const std::string& output_base_path, const std::string& room_id, const std::string& filename) {
  if (!is_safe_path_segment(room_id) || !is_safe_path_segment(filename)) return file_not_found();

  std::filesystem::path path = std::filesystem::path(output_base_path) / "hls_output" / room_id / filename;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return file_not_found();
  auto size = std::filesystem::file_size(path, ec);
  if (ec || size > kMaxFileBytes) return file_not_found();
  std::ifstream file(path, std::ios::binary);
  std::string body(static_cast<std::size_t>(size), '\0');
  if (!file.read(body.data(), static_cast<std::streamsize>(size))) return file_not_found();

  Response response{http::status::ok, 11};
  if (ends_with(filename, ".m3u8")) {
    response.set(http::field::content_type, "application/vnd.apple.mpegurl");
  } else if (ends_with(filename, ".m4s") || ends_with(filename, ".mp4")) {
    response.set(http::field::content_type, "video/mp4");
  }
  response.body() = std::move(body);
  return response;
}

}  // namespace

}  // namespace shoal::api
