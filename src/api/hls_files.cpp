#include "api/hls_files.hpp"

#include "api/request_params.hpp"

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

}  // namespace

bool is_safe_path_segment(std::string_view segment) {
  return !segment.empty() && segment != "." && segment != ".." &&
         segment.find_first_of(std::string_view("/\\\0", 3)) == std::string_view::npos;
}

Response serve_hls_file(const std::string& output_base_path, const std::string& room_id,
                        std::string filename, std::string_view target) {
  auto question = target.find('?');
  auto query = question == std::string_view::npos ? nlohmann::json::object()
                                                  : parse_urlencoded(target.substr(question + 1));
  if (query.contains("_HLS_skip") && ends_with(filename, ".m3u8")) {
    filename = filename.substr(0, filename.size() - 5) + "_delta.m3u8";
  }
  if (query.contains("_HLS_msn") && query.contains("_HLS_part")) {
    if (!is_decimal(query["_HLS_msn"]) || !is_decimal(query["_HLS_part"])) {
      return app_error(http::status::bad_request, "_HLS_msn and _HLS_part must be integers");
    }
    // Blocking playlist requests are answered from a live low-latency muxer's memory; with no
    // LL-HLS stream in this room there is nothing to wait for.
    return file_not_found();
  }
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

}  // namespace shoal::api
