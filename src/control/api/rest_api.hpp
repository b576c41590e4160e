#pragma once
// The REST API of Jellyfish v0.2.1 (rooms, peers, components, HLS files) plus /health and
// /openapi.json, with the original's status codes and error texts.
#include "api/http_types.hpp"
#include "server/node.hpp"

#include <boost/asio/awaitable.hpp>

#include <optional>

namespace shoal::api {

boost::asio::awaitable<Reply> handle_rest_request(server::Node& node, Request& request);

// Cluster mode: answers a room request another node forwarded because this node owns the room.
// Blocks the calling (distribution) thread until the request ran on an event loop, at most the
// cluster's forward timeout; nullopt when it took longer.
std::optional<cluster::RestReply> serve_forwarded_request(server::Node& node, const cluster::RestRequest& forwarded);

// The OpenAPI document served at /openapi.json (embedded at build time).
std::string_view openapi_document();

}  // namespace shoal::api
