#include "api/http_types.hpp"

#include <nlohmann/json.hpp>
#include <openssl/rand.h>

#include <array>

namespace shoal::api {

namespace {

std::string request_id() {
  // Same alphabet and length as Plug.RequestId: 20 url-safe base64 characters.
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::array<unsigned char, 20> bytes{};
  RAND_bytes(bytes.data(), static_cast<int>(bytes.size()));
  std::string out(bytes.size(), 'A');
  for (std::size_t i = 0; i < bytes.size(); ++i) out[i] = kAlphabet[bytes[i] & 63];
  return out;
}

}  // namespace

Response json_response(http::status status, std::string body) {
  Response response{status, 11};
  response.set(http::field::content_type, kJsonContentType);
  response.body() = std::move(body);
  return response;
}

Response empty_response(http::status status) { return Response{status, 11}; }

Response app_error(http::status status, std::string_view text) {
  return json_response(status, nlohmann::json{{"errors", text}}.dump());
}

Response framework_error(http::status status) {
  return json_response(
      status, nlohmann::json{{"errors", {{"detail", std::string(http::obsolete_reason(status))}}}}.dump());
}

template <typename Body>
void add_common_headers(http::response<Body>& response) {
  response.set(http::field::access_control_allow_origin, "*");
  response.set(http::field::access_control_expose_headers, "");
  response.set(http::field::access_control_allow_credentials, "true");
  response.set(http::field::cache_control, "max-age=0, private, must-revalidate");
  response.set("x-request-id", request_id());
}

template void add_common_headers(Response&);
template void add_common_headers(FileResponse&);

}  // namespace shoal::api
