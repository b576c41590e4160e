#pragma once
// Phoenix's check_origin for WebSocket upgrades (JF_CHECK_ORIGIN). A request without an Origin
// header is allowed, as in Phoenix: only browsers send one, and only browsers need the check.
#include "config/config.hpp"

#include <string_view>

namespace shoal::api {

bool origin_allowed(const config::CheckOrigin& policy, std::string_view url_host,
                    std::string_view origin_header, std::string_view host_header);

}  // namespace shoal::api
