#pragma once
// /socket/server/websocket: backends authenticate with the server API token, subscribe to
// server notifications and/or metrics reports, and receive them as ServerMessage frames.
#include "api/http_types.hpp"
#include "server/node.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <optional>
#include <string>

namespace shoal::notifications {

boost::asio::awaitable<void> run_server_socket(server::Node& node, boost::beast::tcp_stream stream,
                                               api::Request request);

// The ServerMessage frame for a notification (binary protobuf).
std::string encode_server_event(const ServerEvent& event);

}  // namespace shoal::notifications
