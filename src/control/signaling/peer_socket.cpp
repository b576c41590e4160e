#include "signaling/peer_socket.hpp"

#include "core/run_on.hpp"
#include "log/log.hpp"
#include "signaling/peer_message.hpp"
#include "signaling/ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>

namespace shoal::signaling {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint16_t kNormalClose = 1000;

namespace {

// The room's handle on this socket. Rooms call it from their own loop; every call hops to the
// socket's loop before touching the connection or the session.
class PeerSocketChannel : public room::PeerChannel,
                          public std::enable_shared_from_this<PeerSocketChannel> {
 public:
  using CloseHandler = std::function<void(std::string reason)>;

  explicit PeerSocketChannel(std::shared_ptr<WsConnection> connection)
      : connection_(std::move(connection)) {}

  void send_media_event(std::string json) override {
    asio::post(connection_->executor(), [connection = connection_, json = std::move(json)] {
      connection->send_binary(encode_media_event(json));
    });
  }
  void close(std::string reason) override {
    asio::post(connection_->executor(), [self = shared_from_this(), reason = std::move(reason)]() mutable {
      if (self->on_close_) self->on_close_(std::move(reason));
    });
  }
  // Socket loop only. The session installs it while it lives and clears it when it ends, so a
  // room holding the channel longer never reaches a finished session.
  void set_close_handler(CloseHandler handler) { on_close_ = std::move(handler); }

 private:
  std::shared_ptr<WsConnection> connection_;
  CloseHandler on_close_;
};

std::string_view room_error_reason(room::RoomError error) {
  switch (error) {
    case room::RoomError::PeerNotFound:
      return "peer not found";
    case room::RoomError::PeerAlreadyConnected:
      return "peer already connected";
    default:
      return "room not found";
  }
}

struct PeerSession {
  PeerSocketServices services;
  std::shared_ptr<WsConnection> connection;
  std::shared_ptr<PeerSocketChannel> channel;
  std::shared_ptr<room::Room> room{};  // both set once authenticated
  std::string peer_id{};
  bool authenticated = false;
  bool finished = false;

  // The peer's session is over for the room and for backends: runs once, either when the
  // server closes the socket (peer or room removed, shutdown) or when the client goes away —
  // without waiting for a client that never answers the close frame.
  void finish() {
    if (finished || !authenticated) return;
    finished = true;
    asio::post(room->loop(), [r = room, id = peer_id, ch = channel] { r->peer_socket_closed(id, ch.get()); });
    services.bus.publish({notifications::ServerEventKind::PeerDisconnected, room->id(), peer_id, {}});
  }

  // `fields`: the room and peer the token names, once it is known to be valid.
  void fail_auth(std::string_view reason, const logging::Fields& fields = {}) {
    logging::warn(fields, "Authentication failed, reason: {}. Closing the connection.", reason);
    connection->close(kNormalClose, std::string(reason));
  }

  asio::awaitable<void> authenticate(const std::string& token) {
    auto verified = services.tokens.verify(token, std::chrono::system_clock::now());
    if (!verified) {
      fail_auth(auth::close_reason(verified.error()));
      co_return;
    }
    auto identity = *std::move(verified);
    auto found = services.rooms.find(identity.room_id);
    if (!found) {
      fail_auth("room not found", logging::peer(identity.room_id, identity.peer_id));
      co_return;
    }
    auto work = [found, id = identity.peer_id, ch = channel] { return found->connect_peer(id, ch); };
    auto connected = co_await core::run_on(found->loop(), std::move(work));
    if (!connected) {
      fail_auth(room_error_reason(connected.error()), logging::peer(identity.room_id, identity.peer_id));
      co_return;
    }
    authenticated = true;
    room = std::move(found);
    peer_id = std::move(identity.peer_id);
    // The original announces the peer before answering it.
    services.bus.publish({notifications::ServerEventKind::PeerConnected, room->id(), peer_id});
    connection->send_binary(encode_authenticated());
    connection->start_pings(kHeartbeatPeriod);
  }

  void on_message(std::optional<PeerMessageIn> message) {
    if (message && std::holds_alternative<MediaEventMessage>(*message)) {
      asio::post(room->loop(), [r = room, id = peer_id, ch = channel,
                                data = std::move(std::get<MediaEventMessage>(*message).data)] {
        r->handle_media_event(id, ch.get(), data);
      });
      return;
    }
    logging::warn(logging::peer(room->id(), peer_id), "Received unexpected message from peer \"{}\", room: \"{}\"",
                  peer_id, room->id());
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await connection->stream().async_read(buffer, use_tuple);
      if (ec) break;
      connection->heard();
      if (connection->closing()) continue;  // drain until the client answers our close
      if (!connection->stream().got_binary()) {
        if (!authenticated) {
          connection->close(kNormalClose, "unauthenticated");
        } else {
          logging::warn(logging::peer(room->id(), peer_id), "Received unexpected text message from peer \"{}\"",
                        peer_id);
        }
        continue;
      }
      auto message = decode_peer_message(beast::buffers_to_string(buffer.data()));
      if (authenticated) {
        on_message(std::move(message));
      } else if (message && std::holds_alternative<AuthRequestMessage>(*message)) {
        // The client did its part in time; how long the answer takes under load is ours.
        connection->clear_deadline();
        co_await authenticate(std::get<AuthRequestMessage>(*message).token);
      } else {
        spdlog::warn("Received message from unauthenticated peer that is not authRequest. Closing the connection.");
        connection->close(kNormalClose, "unauthenticated");
      }
    }
  }
};

}  // namespace

asio::awaitable<void> run_peer_socket(PeerSocketServices services, beast::tcp_stream stream,
                                      api::Request request) {
  auto connection = std::make_shared<WsConnection>(std::move(stream));
  if (!co_await connection->accept(request, kMaxPeerMessageBytes)) co_return;
  spdlog::info("New incoming peer WebSocket connection, accepting");

  PeerSession session{services, connection, std::make_shared<PeerSocketChannel>(connection)};
  session.channel->set_close_handler([&session](std::string reason) {
    session.connection->close(kNormalClose, std::move(reason));
    session.finish();
  });
  connection->set_deadline(kAuthenticationDeadline, kNormalClose, kAuthenticationTimeoutReason);
  auto tracker_id = services.sessions.add([channel = session.channel] { channel->close(""); });
  asio::co_spawn(connection->executor(),
                 [c = connection]() -> asio::awaitable<void> { co_await c->write_loop(); }, asio::detached);

  co_await session.read_loop();

  connection->reader_done();
  session.channel->set_close_handler(nullptr);
  services.sessions.remove(tracker_id);
  const std::string room_id = session.room ? session.room->id() : std::string();
  logging::info(logging::peer(room_id, session.peer_id), "WebSocket associated with peer \"{}\" stopped, room: \"{}\"",
                session.peer_id, room_id);
  session.finish();
}

}  // namespace shoal::signaling
