#pragma once
// /socket/server/websocket: backends authenticate with the server API token, subscribe to
// server notifications and/or metrics reports, and receive them as ServerMessage frames.
#include "api/http_types.hpp"
#include "notifications/server_event.hpp"
#include "signaling/connection_tracker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <functional>
#include <optional>
#include <string>

namespace shoal::notifications {

// Server sockets that want server notifications, so that in a cluster other nodes send this
// node their rooms' notifications only while one does. `add` calls `then` (on any thread) once
// the other nodes know; `remove` undoes one `add`.
struct NotificationInterest {
  std::function<void(std::function<void()> then)> add;
  std::function<void()> remove;
};

// What a server socket uses of its node; every member outlives the socket.
struct ServerSocketServices {
  const std::string& api_token;  // JF_SERVER_API_TOKEN
  NotificationBus& bus;
  signaling::ConnectionTracker& sessions;  // so that shutdown closes the socket
  NotificationInterest interest;
};

boost::asio::awaitable<void> run_server_socket(ServerSocketServices services, boost::beast::tcp_stream stream,
                                               api::Request request);

// The ServerMessage frame for a notification (binary protobuf).
std::string encode_server_event(const ServerEvent& event);

}  // namespace shoal::notifications
