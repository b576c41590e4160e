#pragma once
// Request parameters as Phoenix builds them: query string, then the body (JSON or urlencoded)
// merged over it. Form and query values are strings, so typed fields sent that way fail
// validation exactly as they did in the original.
#include "api/http_types.hpp"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace shoal::api {

// nullopt when the body is declared JSON but is malformed (answered 400 Bad Request).
std::optional<nlohmann::json> parse_params(const Request& request);

nlohmann::json parse_urlencoded(std::string_view text);
std::string percent_decode(std::string_view text, bool plus_is_space);

}  // namespace shoal::api
