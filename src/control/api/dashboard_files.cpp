#include "api/dashboard_files.hpp"

#include "dashboard/dashboard_assets.hpp"

#include <algorithm>

namespace shoal::api {

namespace {

constexpr std::string_view kPrefix = "/dashboard";

// Scripts only from this node, nothing framed; connections to any node (peers of a room on
// another node of the cluster connect there).
constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; media-src 'self' blob: mediastream:; "
    "connect-src 'self' http: https: ws: wss:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

}  // namespace

Response serve_dashboard_file(std::string_view target) {
  const auto path = target.substr(0, target.find('?'));
  if (path == kPrefix) {
    auto response = empty_response(http::status::permanent_redirect);
    response.set(http::field::location, "/dashboard/");
    return response;
  }
  auto name = path.substr(kPrefix.size() + 1);  // after "/dashboard/"
  if (name.empty()) name = "index.html";
  const auto assets = dashboard::assets();
  const auto asset = std::find_if(assets.begin(), assets.end(), [&](const auto& a) { return a.name == name; });
  if (asset == assets.end()) return framework_error(http::status::not_found);
  Response response{http::status::ok, 11};
  response.set(http::field::content_type, asset->content_type);
  response.set("content-security-policy", kContentSecurityPolicy);
  response.set("x-content-type-options", "nosniff");
  response.set("referrer-policy", "no-referrer");
  response.body() = std::string(asset->body);
  response.prepare_payload();
  return response;
}

}  // namespace shoal::api
