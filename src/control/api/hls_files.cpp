#include "api/hls_files.hpp"

#include "api/request_params.hpp"
#include "core/time.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <optional>

namespace shoal::api {

namespace {

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool is_decimal(const nlohmann::json& value) {
  if (!value.is_string()) return false;
  const auto& s = value.get_ref<const std::string&>();
  return !s.empty() && s.size() < 19 && s.find_first_not_of("0123456789") == std::string::npos;
}

Response file_not_found() { return app_error(http::status::not_found, "File not found"); }

std::uint64_t to_number(const nlohmann::json& value) { return std::stoull(value.get_ref<const std::string&>()); }

Reply read_hls_file(const std::string& output_base_path, const std::string& room_id, const std::string& filename);
boost::asio::awaitable<std::optional<Response>> wait_for_part(components::hls::HlsLiveIndex& live,
                                                              const std::string& room_id, std::uint64_t sequence,
                                                              std::uint64_t part, std::chrono::seconds limit);

}  // namespace

bool is_safe_path_segment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         segment.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

boost::asio::awaitable<Reply> serve_hls_file(const std::string& output_base_path,
                                             components::hls::HlsLiveIndex& live, std::string room_id,
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
    if (!components::hls::reached(*position, wanted_sequence, wanted_part)) {
      auto waited = co_await wait_for_part(live, room_id, wanted_sequence, wanted_part,
                                           std::chrono::seconds(3 * position->target_duration));
      if (waited) co_return std::move(*waited);
    }
  }
  if (auto playlist = live.playlist(room_id, filename)) {
    Response response{http::status::ok, 11};
    response.set(http::field::content_type, "application/vnd.apple.mpegurl");
    response.body() = std::move(*playlist);
    response.prepare_payload();
    co_return response;
  }
  co_return read_hls_file(output_base_path, room_id, filename);
}

namespace {

boost::asio::awaitable<std::optional<Response>> wait_for_part(components::hls::HlsLiveIndex& live,
                                                              const std::string& room_id, std::uint64_t sequence,
                                                              std::uint64_t part, std::chrono::seconds limit) {
  const auto deadline = core::now() + limit;
  auto timer = std::make_shared<boost::asio::steady_timer>(co_await boost::asio::this_coro::executor);
  // The index calls this on the pipeline's thread: the timer is only touched on its own loop.
  auto waiter = live.add_waiter(room_id, [timer] {
    boost::asio::post(timer->get_executor(), [timer] { timer->cancel(); });
  });
  if (!waiter) {
    co_return app_error(http::status::service_unavailable, "Too many blocking playlist reloads are waiting");
  }
  struct Unregister {
    components::hls::HlsLiveIndex& live;
    std::uint64_t id;
    ~Unregister() { live.remove_waiter(id); }
  } unregister{live, *waiter};
  for (;;) {
    auto position = live.position(room_id);
    if (!position || components::hls::reached(*position, sequence, part)) co_return std::nullopt;
    if (core::now() >= deadline) {
      co_return app_error(http::status::service_unavailable, "The requested part did not appear in time");
    }
    // Woken early (cancelled) by an update, or at the deadline.
    timer->expires_at(deadline);
    co_await timer->async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
  }
}

Reply read_hls_file(const std::string& output_base_path, const std::string& room_id, const std::string& filename) {
  if (!is_safe_path_segment(room_id) || !is_safe_path_segment(filename)) return file_not_found();

  std::filesystem::path path = std::filesystem::path(output_base_path) / "hls_output" / room_id / filename;
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return file_not_found();
  FileResponse response{http::status::ok, 11};
  boost::beast::error_code open_error;
  response.body().open(path.c_str(), boost::beast::file_mode::scan, open_error);
  if (open_error) return file_not_found();
  if (ends_with(filename, ".m3u8")) {
    response.set(http::field::content_type, "application/vnd.apple.mpegurl");
  } else if (ends_with(filename, ".m4s") || ends_with(filename, ".mp4")) {
    response.set(http::field::content_type, "video/mp4");
  }
  return response;
}

}  // namespace

}  // namespace shoal::api
