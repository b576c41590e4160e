#pragma once
// /socket/peer/websocket: authenticates a peer with its token, then carries media events
// between the browser SDK and the peer's room.
#include "api/http_types.hpp"
#include "auth/peer_token.hpp"
#include "notifications/server_event.hpp"
#include "room/room_registry.hpp"
#include "signaling/connection_tracker.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/beast/core/tcp_stream.hpp>

namespace shoal::signaling {

// What a peer socket uses of its node; every member outlives the socket.
struct PeerSocketServices {
  const auth::PeerTokenSigner& tokens;
  room::RoomRegistry& rooms;
  notifications::NotificationBus& bus;  // PeerConnected, PeerDisconnected
  ConnectionTracker& sessions;          // so that shutdown closes the socket
};

// Takes over an upgrade request whose path is the peer socket's.
boost::asio::awaitable<void> run_peer_socket(PeerSocketServices services, boost::beast::tcp_stream stream,
                                             api::Request request);

}  // namespace shoal::signaling
