#pragma once
// /socket/peer/websocket: authenticates a peer with its token, then carries media events
// between the browser SDK and the peer's room.
#include "api/http_types.hpp"
#include "server/node.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>

namespace shoal::signaling {

inline constexpr std::chrono::seconds kHeartbeatPeriod{30};
// A socket that has not sent its auth request by then is closed (1000, "authentication
// timeout"): an unauthenticated socket costs memory and a file descriptor and serves nobody. The
// SDKs send their auth request as soon as the socket opens.
inline constexpr std::chrono::seconds kAuthenticationDeadline{10};
inline constexpr const char* kAuthenticationTimeoutReason = "authentication timeout";

// Takes over an upgrade request whose path is the peer socket's.
boost::asio::awaitable<void> run_peer_socket(server::Node& node, boost::beast::tcp_stream stream,
                                             api::Request request);

}  // namespace shoal::signaling
