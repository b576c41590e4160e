#pragma once
#include <boost/beast/http.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace shoal::api {

namespace http = boost::beast::http;
using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;
// A file sent from disk in chunks, never held in memory whole (HLS segments).
using FileResponse = http::response<http::file_body>;
using Reply = std::variant<Response, FileResponse>;

inline constexpr std::string_view kJsonContentType = "application/json; charset=utf-8";

Response json_response(http::status status, std::string body);
Response empty_response(http::status status);
// Application errors: {"errors":"<text>"} (what the Jellyfish SDKs parse).
Response app_error(http::status status, std::string_view text);
// Framework errors: {"errors":{"detail":"<reason phrase>"}}.
Response framework_error(http::status status);

// Headers every response carries: CORS (CORSPlug, origin "*"), request id and cache-control.
template <typename Body>
void add_common_headers(http::response<Body>& response);

}  // namespace shoal::api
