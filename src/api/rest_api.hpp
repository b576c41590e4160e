#pragma once
// The REST API of Jellyfish v0.2.1 (rooms, peers, components, HLS files) plus /health and
// /openapi.json, with the original's status codes and error texts.
#include "api/http_types.hpp"
#include "server/node.hpp"

#include <boost/asio/awaitable.hpp>

namespace shoal::api {

boost::asio::awaitable<Response> handle_rest_request(server::Node& node, Request& request);

// The OpenAPI document served at /openapi.json (embedded at build time).
std::string_view openapi_document();

}  // namespace shoal::api
