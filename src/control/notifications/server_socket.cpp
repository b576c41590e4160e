#include "notifications/server_socket.hpp"

#include "auth/secret_compare.hpp"
#include "jellyfish/server_notifications.pb.h"
#include "signaling/ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <spdlog/spdlog.h>

namespace shoal::notifications {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using jellyfish::ServerMessage;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr std::uint16_t kNormalClose = 1000;
constexpr std::uint16_t kUnsupportedData = 1003;
constexpr std::size_t kMaxServerMessageBytes = 64 << 10;

std::string encode_server_event(const ServerEvent& event) {
  ServerMessage message;
  switch (event.kind) {
    case ServerEventKind::RoomCreated:
      message.mutable_room_created()->set_room_id(event.room_id);
      break;
    case ServerEventKind::RoomDeleted:
      message.mutable_room_deleted()->set_room_id(event.room_id);
      break;
    case ServerEventKind::RoomCrashed:
      message.mutable_room_crashed()->set_room_id(event.room_id);
      break;
    case ServerEventKind::PeerConnected: {
      auto* m = message.mutable_peer_connected();
      m->set_room_id(event.room_id);
      m->set_peer_id(event.subject_id);
      break;
    }
    case ServerEventKind::PeerDisconnected: {
      auto* m = message.mutable_peer_disconnected();
      m->set_room_id(event.room_id);
      m->set_peer_id(event.subject_id);
      break;
    }
    case ServerEventKind::PeerCrashed: {
      auto* m = message.mutable_peer_crashed();
      m->set_room_id(event.room_id);
      m->set_peer_id(event.subject_id);
      break;
    }
    case ServerEventKind::ComponentCrashed: {
      auto* m = message.mutable_component_crashed();
      m->set_room_id(event.room_id);
      m->set_component_id(event.subject_id);
      break;
    }
    case ServerEventKind::HlsPlayable: {
      auto* m = message.mutable_hls_playable();
      m->set_room_id(event.room_id);
      m->set_component_id(event.subject_id);
      break;
    }
    case ServerEventKind::MetricsReport:
      message.mutable_metrics_report()->set_metrics(event.payload);
      break;
  }
  return message.SerializeAsString();
}

namespace {

struct ServerSession {
  ServerSocketServices services;
  std::shared_ptr<signaling::WsConnection> connection;
  bool authenticated = false;
  // Shared with the bus subscription, which runs on other loops and posts here.
  struct Wanted {
    bool notifications = false;
    bool metrics = false;
  };
  std::shared_ptr<Wanted> wanted = std::make_shared<Wanted>();
  std::optional<NotificationBus::Token> subscription{};
  bool counted_interest = false;

  void reject(std::uint16_t code, std::string reason) { connection->close(code, std::move(reason)); }

  void subscribe(ServerMessage::EventType type) {
    if (type != ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION && type != ServerMessage::EVENT_TYPE_METRICS) {
      reject(kUnsupportedData, "operation not allowed");
      return;
    }
    if (!subscription) {
      subscription = services.bus.subscribe([c = connection, wanted = wanted](const ServerEvent& event) {
        const bool is_report = event.kind == ServerEventKind::MetricsReport;
        asio::post(c->executor(), [c, wanted, is_report, frame = encode_server_event(event)]() mutable {
          if (is_report ? wanted->metrics : wanted->notifications) c->send_binary(std::move(frame));
        });
      });
    }
    ServerMessage response;
    response.mutable_subscribe_response()->set_event_type(type);
    if (type == ServerMessage::EVENT_TYPE_METRICS) {
      wanted->metrics = true;
      connection->send_binary(response.SerializeAsString());
      return;
    }
    if (counted_interest) {  // subscribed before: answered as then
      connection->send_binary(response.SerializeAsString());
      return;
    }
    // Answered once the cluster relays to this node, so no event of another node's room that
    // follows the answer is missed.
    counted_interest = true;
    services.interest.add([c = connection, wanted = wanted, frame = response.SerializeAsString()]() mutable {
      asio::post(c->executor(), [c, wanted, frame = std::move(frame)]() mutable {
        wanted->notifications = true;
        c->send_binary(std::move(frame));
      });
    });
  }

  void on_frame(const std::string& bytes) {
    ServerMessage message;
    const bool decoded = bytes.size() <= kMaxServerMessageBytes &&
                         message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()));
    if (!authenticated) {
      connection->clear_deadline();  // the first frame is the auth request, or the end
      if (!decoded || message.content_case() != ServerMessage::kAuthRequest) {
        spdlog::warn("Server WebSocket: invalid auth request, closing");
        reject(kNormalClose, "invalid auth request");
        return;
      }
      if (!auth::secrets_equal(message.auth_request().token(), services.api_token)) {
        spdlog::warn("Server WebSocket authentication failed: invalid token");
        reject(kNormalClose, "invalid token");
        return;
      }
      authenticated = true;
      spdlog::info("Server WS authenticated.");
      ServerMessage reply;
      reply.mutable_authenticated();
      connection->send_binary(reply.SerializeAsString());
      connection->start_pings(signaling::kHeartbeatPeriod);
      return;
    }
    if (!decoded || message.content_case() != ServerMessage::kSubscribeRequest) {
      reject(kUnsupportedData, "operation not allowed");
      return;
    }
    subscribe(message.subscribe_request().event_type());
  }

  asio::awaitable<void> read_loop() {
    beast::flat_buffer buffer;
    for (;;) {
      buffer.clear();
      auto [ec, n] = co_await connection->stream().async_read(buffer, use_tuple);
      if (ec) break;
      connection->heard();
      if (connection->closing()) continue;
      if (!connection->stream().got_binary()) {
        reject(kUnsupportedData, "operation not allowed");
        continue;
      }
      on_frame(beast::buffers_to_string(buffer.data()));
    }
  }
};

}  // namespace

asio::awaitable<void> run_server_socket(ServerSocketServices services, beast::tcp_stream stream,
                                        api::Request request) {
  auto connection = std::make_shared<signaling::WsConnection>(std::move(stream));
  if (!co_await connection->accept(request, kMaxServerMessageBytes)) co_return;
  spdlog::info("New incoming server WebSocket connection, accepting");

  ServerSession session{services, connection};
  connection->set_deadline(signaling::kAuthenticationDeadline, kNormalClose, signaling::kAuthenticationTimeoutReason);
  auto tracker_id = services.sessions.add([c = connection] {
    asio::post(c->executor(), [c] { c->close(kNormalClose, ""); });
  });
  auto writer = [c = connection]() -> asio::awaitable<void> { co_await c->write_loop(); };
  asio::co_spawn(connection->executor(), std::move(writer), asio::detached);

  co_await session.read_loop();

  connection->reader_done();
  *session.wanted = {};
  if (session.subscription) services.bus.unsubscribe(*session.subscription);
  if (session.counted_interest) services.interest.remove();
  services.sessions.remove(tracker_id);
  spdlog::info("Server WebSocket stopped");
}

}  // namespace shoal::notifications
