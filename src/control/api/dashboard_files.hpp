#pragma once
// GET /dashboard/... (JF_DASHBOARD_ENABLED): the dashboard's pages and scripts, compiled into the
// binary. They hold no data; what they show comes from token-protected API calls.
#include "api/http_types.hpp"

#include <string_view>

namespace shoal::api {

// `target` starts with /dashboard. /dashboard redirects to /dashboard/, which is index.html.
Response serve_dashboard_file(std::string_view target);

}  // namespace shoal::api
