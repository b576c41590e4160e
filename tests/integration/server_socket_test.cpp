// Integration tests of the server notification WebSocket (/socket/server/websocket) against the
// real binary: in-band authentication, close codes, subscriptions and the server notifications
// (signaling spec §3, field numbers §4.2).
//
// The server socket is driven by a small asynchronous client defined here rather than WsClient:
// several tests need a read that gives up after a short time ("nothing arrives") and then keeps
// using the same socket. WsClient::read relies on SO_RCVTIMEO, which asio's synchronous receive
// does not honour (it falls back to poll() without a timeout), so such a read would block until
// the server sends something. Here a timed-out read stays pending and the next call resumes it,
// so no frame is lost and the stream stays usable. Peer sockets still use the harness (WsClient,
// connect_peer), where every read is answered.
#include "harness.hpp"
#include "jellyfish/server_notifications.pb.h"

#include <boost/asio/connect.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::test {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using jellyfish::ServerMessage;
using std::chrono::milliseconds;
using std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr const char* kServerSocketPath = "/socket/server/websocket";
constexpr milliseconds kWait = 5s;          // an answer that must come
constexpr milliseconds kQuietPeriod = 500ms;  // how long "nothing arrives" is watched

std::string auth_frame(const std::string& token) {
  ServerMessage message;
  message.mutable_auth_request()->set_token(token);
  return message.SerializeAsString();
}

std::string subscribe_frame(ServerMessage::EventType type) {
  ServerMessage message;
  message.mutable_subscribe_request()->set_event_type(type);
  return message.SerializeAsString();
}

std::string describe(const ServerMessage& message) {
  auto text = message.ShortDebugString();
  return text.empty() ? "<empty ServerMessage>" : text;
}

// The room an event is about; empty for messages that are not about a room.
std::string room_of(const ServerMessage& message) {
  switch (message.content_case()) {
    case ServerMessage::kRoomCreated: return message.room_created().room_id();
    case ServerMessage::kRoomDeleted: return message.room_deleted().room_id();
    case ServerMessage::kRoomCrashed: return message.room_crashed().room_id();
    case ServerMessage::kPeerConnected: return message.peer_connected().room_id();
    case ServerMessage::kPeerDisconnected: return message.peer_disconnected().room_id();
    case ServerMessage::kPeerCrashed: return message.peer_crashed().room_id();
    case ServerMessage::kComponentCrashed: return message.component_crashed().room_id();
    case ServerMessage::kHlsPlayable: return message.hls_playable().room_id();
    default: return {};
  }
}

// A client of the server WebSocket with bounded, resumable reads (see the top of the file).
class ServerSocketClient {
 public:
  explicit ServerSocketClient(std::uint16_t port) : ws_(ioc_) {
    ws_.next_layer().connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    auto result = std::make_shared<std::optional<boost::system::error_code>>();
    ws_.async_handshake("127.0.0.1:" + std::to_string(port), kServerSocketPath,
                        [result](boost::system::error_code ec) { *result = ec; });
    if (!run_until([&] { return result->has_value(); }, kWait)) {
      throw std::runtime_error("server socket handshake timed out");
    }
    if (**result) throw std::runtime_error("server socket handshake failed: " + (*result)->message());
    ws_.binary(true);
  }

  ~ServerSocketClient() {
    boost::system::error_code ignored;
    ws_.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
    ws_.next_layer().close(ignored);
    ioc_.restart();
    ioc_.run_for(1s);  // lets aborted operations finish before the stream goes away
  }

  ServerSocketClient(const ServerSocketClient&) = delete;
  ServerSocketClient& operator=(const ServerSocketClient&) = delete;

  void send_binary(const std::string& bytes) { write(bytes, false); }
  void send_text(const std::string& text) { write(text, true); }
  void send(const ServerMessage& message) { send_binary(message.SerializeAsString()); }

  // Next data frame; nullopt on close (see closed()) or when nothing arrived within `timeout`
  // (the read then stays pending and the next call continues it).
  std::optional<std::string> read_frame(milliseconds timeout) {
    if (closed_) return std::nullopt;
    if (!pending_) {
      pending_ = std::make_shared<Pending>();
      ws_.async_read(buffer_, [p = pending_](boost::system::error_code ec, std::size_t) {
        p->done = true;
        p->ec = ec;
      });
    }
    auto pending = pending_;
    if (!run_until([&] { return pending->done; }, timeout)) return std::nullopt;
    pending_.reset();
    if (pending->ec == websocket::error::closed) {
      closed_ = WsClose{ws_.reason().code, std::string(ws_.reason().reason.c_str())};
      return std::nullopt;
    }
    if (pending->ec) {
      closed_ = WsClose{-1, pending->ec.message()};
      return std::nullopt;
    }
    last_was_text_ = ws_.got_text();
    auto frame = beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    return frame;
  }

  // Next ServerMessage (a failure is recorded when a frame is not one).
  std::optional<ServerMessage> next(milliseconds timeout = kWait) {
    auto frame = read_frame(timeout);
    if (!frame) return std::nullopt;
    EXPECT_FALSE(last_was_text_) << "server sent a TEXT frame; every message must be binary";
    ServerMessage message;
    if (!message.ParseFromString(*frame)) {
      ADD_FAILURE() << "server sent a frame that is not a jellyfish.ServerMessage (" << frame->size()
                    << " bytes)";
    }
    return message;
  }

  // Next event about `room_id`, skipping everything else (other tests' rooms, metrics reports).
  std::optional<ServerMessage> next_for_room(const std::string& room_id, milliseconds timeout = kWait) {
    auto deadline = steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      if (left.count() <= 0) return std::nullopt;
      auto message = next(left);
      if (!message) return std::nullopt;
      if (room_of(*message) == room_id) return message;
    }
  }

  // Everything about `room_id` that arrives within `period`.
  std::vector<ServerMessage> collect_for_room(const std::string& room_id, milliseconds period) {
    std::vector<ServerMessage> events;
    auto deadline = steady_clock::now() + period;
    while (steady_clock::now() < deadline) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      auto message = next_for_room(room_id, left);
      if (!message) break;
      events.push_back(std::move(*message));
    }
    return events;
  }

  // Reads (and drops data frames) until the server closes; code 0 when it did not in time.
  WsClose read_until_close(milliseconds timeout = kWait) {
    auto deadline = steady_clock::now() + timeout;
    while (!closed_) {
      auto left = std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now());
      if (left.count() <= 0) return WsClose{0, "timeout: server did not close"};
      read_frame(left);
    }
    return *closed_;
  }

  std::optional<WsClose> closed() const { return closed_; }

  // Client-initiated close handshake (1000).
  void close() {
    auto done = std::make_shared<bool>(false);
    ws_.async_close(websocket::close_code::normal, [done](boost::system::error_code) { *done = true; });
    run_until([&] { return *done; }, 2s);
  }

 private:
  struct Pending {
    bool done = false;
    boost::system::error_code ec;
  };

  template <class Done>
  bool run_until(Done done, milliseconds timeout) {
    auto deadline = steady_clock::now() + timeout;
    while (!done()) {
      ioc_.restart();
      // 0: the deadline passed or there is no outstanding work that could ever make `done` true.
      if (ioc_.run_one_until(deadline) == 0) return done();
    }
    return true;
  }

  void write(const std::string& bytes, bool text) {
    auto data = std::make_shared<std::string>(bytes);
    auto result = std::make_shared<std::optional<boost::system::error_code>>();
    ws_.text(text);
    ws_.async_write(asio::buffer(*data), [data, result](boost::system::error_code ec, std::size_t) {
      *result = ec;
    });
    run_until([&] { return result->has_value(); }, kWait);
    ws_.binary(true);
  }

  asio::io_context ioc_;
  websocket::stream<tcp::socket> ws_;
  beast::flat_buffer buffer_;
  std::shared_ptr<Pending> pending_;
  std::optional<WsClose> closed_;
  bool last_was_text_ = false;
};

::testing::AssertionResult is_close(const WsClose& actual, int code, const std::string& reason) {
  if (actual.code == code && actual.reason == reason) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "expected close " << code << " \"" << reason << "\", got "
                                       << actual.code << " \"" << actual.reason << "\"";
}

::testing::AssertionResult is_event(const std::optional<ServerMessage>& message,
                                    ServerMessage::ContentCase kind, const std::string& room_id,
                                    const std::string& subject_id = {}) {
  if (!message) return ::testing::AssertionFailure() << "no event arrived";
  if (message->content_case() != kind || room_of(*message) != room_id) {
    return ::testing::AssertionFailure() << "unexpected event: " << describe(*message);
  }
  std::string subject;
  switch (kind) {
    case ServerMessage::kPeerConnected: subject = message->peer_connected().peer_id(); break;
    case ServerMessage::kPeerDisconnected: subject = message->peer_disconnected().peer_id(); break;
    case ServerMessage::kPeerCrashed: subject = message->peer_crashed().peer_id(); break;
    case ServerMessage::kComponentCrashed: subject = message->component_crashed().component_id(); break;
    case ServerMessage::kHlsPlayable: subject = message->hls_playable().component_id(); break;
    default: break;
  }
  if (subject != subject_id) {
    return ::testing::AssertionFailure() << "event about the wrong subject (want \"" << subject_id
                                         << "\"): " << describe(*message);
  }
  return ::testing::AssertionSuccess();
}

// One shoal process per suite; each test makes its own rooms.
class ServerSocketSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { shoal_ = new ShoalProcess(); }
  static void TearDownTestSuite() {
    delete shoal_;
    shoal_ = nullptr;
  }
  void TearDown() override {
    ASSERT_NE(shoal_, nullptr);
    EXPECT_TRUE(shoal_->running()) << "shoal exited during the test:\n" << shoal_->output();
  }

  static std::uint16_t port() { return shoal_->port(); }

  // A socket that sent `auth_request{token}` and got `authenticated` (throws otherwise, which
  // gtest reports as a failure of the test).
  static std::unique_ptr<ServerSocketClient> authenticated(const std::string& token = "development") {
    auto client = std::make_unique<ServerSocketClient>(port());
    client->send_binary(auth_frame(token));
    auto reply = client->next();
    if (!reply || reply->content_case() != ServerMessage::kAuthenticated) {
      auto closed = client->closed();
      throw std::runtime_error(
          "server socket did not authenticate: " +
          (reply ? describe(*reply)
                 : closed ? "closed " + std::to_string(closed->code) + " \"" + closed->reason + "\""
                          : std::string("no answer")));
    }
    return client;
  }

  // An authenticated socket subscribed to `type` (answered with the echoing SubscribeResponse).
  static std::unique_ptr<ServerSocketClient> subscribed(
      ServerMessage::EventType type = ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION) {
    auto client = authenticated();
    client->send_binary(subscribe_frame(type));
    auto reply = client->next();
    if (!reply || reply->content_case() != ServerMessage::kSubscribeResponse ||
        reply->subscribe_response().event_type() != type) {
      throw std::runtime_error("subscription was not answered: " +
                               (reply ? describe(*reply) : std::string("no answer")));
    }
    return client;
  }

  static inline ShoalProcess* shoal_ = nullptr;
};

// ---------------------------------------------------------------------------------------------
// Authentication and close codes (§3.1)

class ServerSocketAuth : public ServerSocketSuite {};

TEST_F(ServerSocketAuth, DevelopmentTokenAuthenticates) {
  ServerSocketClient client(port());
  client.send_binary(auth_frame("development"));
  auto reply = client.next();
  ASSERT_TRUE(reply.has_value()) << "no answer to auth_request";
  EXPECT_EQ(reply->content_case(), ServerMessage::kAuthenticated) << describe(*reply);
  // An authenticated socket stays open.
  EXPECT_FALSE(client.next(kQuietPeriod).has_value());
  EXPECT_FALSE(client.closed().has_value());
}

TEST_F(ServerSocketAuth, WrongTokenClosesWithInvalidToken) {
  ServerSocketClient client(port());
  client.send_binary(auth_frame("not-the-token"));
  EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid token"));
}

TEST_F(ServerSocketAuth, EmptyTokenClosesWithInvalidToken) {
  // An absent proto3 string decodes as "", which is just a wrong token (spec §5.2).
  ServerSocketClient client(port());
  client.send_binary(auth_frame(""));
  EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid token"));
}

TEST_F(ServerSocketAuth, TokenComparisonIsExact) {
  for (const std::string token : {"Development", "development ", "developmen", "Bearer development"}) {
    ServerSocketClient client(port());
    client.send_binary(auth_frame(token));
    EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid token")) << "token \"" << token << "\"";
  }
}

TEST_F(ServerSocketAuth, SubscribeBeforeAuthClosesWithInvalidAuthRequest) {
  ServerSocketClient client(port());
  client.send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid auth request"));
}

TEST_F(ServerSocketAuth, UndecodableFirstFrameClosesWithInvalidAuthRequest) {
  ServerSocketClient client(port());
  // Field 31 with the invalid wire type 7: no protobuf parser accepts it.
  client.send_binary(std::string("\xff\xff\xff\xff", 4));
  EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid auth request"));
}

TEST_F(ServerSocketAuth, TextFrameBeforeAuthClosesWithOperationNotAllowed) {
  ServerSocketClient client(port());
  // A perfectly good auth_request (plain ASCII bytes), but in a TEXT frame.
  client.send_text(auth_frame("development"));
  EXPECT_TRUE(is_close(client.read_until_close(), 1003, "operation not allowed"));
}

TEST_F(ServerSocketAuth, TextFrameAfterAuthClosesWithOperationNotAllowed) {
  auto client = authenticated();
  // A valid subscribe_request (bytes 0x42 0x02 0x08 0x01), but in a TEXT frame.
  client->send_text(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  EXPECT_TRUE(is_close(client->read_until_close(), 1003, "operation not allowed"));
}

TEST_F(ServerSocketAuth, SecondAuthRequestClosesWithOperationNotAllowed) {
  auto client = authenticated();
  client->send_binary(auth_frame("development"));
  EXPECT_TRUE(is_close(client->read_until_close(), 1003, "operation not allowed"));
}

TEST_F(ServerSocketAuth, ClientSentAuthenticatedAfterAuthClosesWithOperationNotAllowed) {
  auto client = authenticated();
  ServerMessage message;
  message.mutable_authenticated();
  client->send(message);
  EXPECT_TRUE(is_close(client->read_until_close(), 1003, "operation not allowed"));
}

TEST_F(ServerSocketAuth, SubscribeUnspecifiedClosesWithOperationNotAllowed) {
  auto client = authenticated();
  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_UNSPECIFIED));
  EXPECT_TRUE(is_close(client->read_until_close(), 1003, "operation not allowed"));
}

// Not in v0.2.1, where a socket that never authenticates stays open.
TEST_F(ServerSocketAuth, SocketThatDoesNotAuthenticateInTenSecondsIsClosed) {
  auto authenticated_client = authenticated();
  ServerSocketClient silent(port());
  const auto opened = steady_clock::now();
  EXPECT_TRUE(is_close(silent.read_until_close(12s), 1000, "authentication timeout"));
  const auto after = steady_clock::now() - opened;
  EXPECT_GE(after, 9500ms);
  EXPECT_LT(after, 12s);
  // The authenticated socket of the same age still serves.
  authenticated_client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  auto reply = authenticated_client->next();
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
}

// ---------------------------------------------------------------------------------------------
// Subscriptions (§3.2)

class ServerSocketSubscription : public ServerSocketSuite {};

TEST_F(ServerSocketSubscription, ServerNotificationSubscriptionIsEchoed) {
  auto client = authenticated();
  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  auto reply = client->next();
  ASSERT_TRUE(reply.has_value()) << "no SubscribeResponse";
  ASSERT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
  EXPECT_EQ(reply->subscribe_response().event_type(), ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION);
}

TEST_F(ServerSocketSubscription, MetricsSubscriptionIsEchoed) {
  auto client = authenticated();
  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_METRICS));
  auto reply = client->next();
  ASSERT_TRUE(reply.has_value()) << "no SubscribeResponse";
  ASSERT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
  EXPECT_EQ(reply->subscribe_response().event_type(), ServerMessage::EVENT_TYPE_METRICS);
}

TEST_F(ServerSocketSubscription, SubscribingTwiceIsAnsweredTwiceAndDeliversOnce) {
  auto client = authenticated();
  for (int i = 0; i < 2; ++i) {
    client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
    auto reply = client->next();
    ASSERT_TRUE(reply.has_value()) << "subscription " << i + 1 << " not answered";
    ASSERT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
    EXPECT_EQ(reply->subscribe_response().event_type(), ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION);
  }
  auto room_id = create_room(port());
  EXPECT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  auto duplicates = client->collect_for_room(room_id, kQuietPeriod);
  EXPECT_TRUE(duplicates.empty()) << "duplicate delivery: " << describe(duplicates.front());
}

TEST_F(ServerSocketSubscription, UnsubscribedSocketReceivesNothing) {
  auto client = authenticated();
  auto room_id = create_room(port());
  auto peer = create_peer(port(), room_id);
  auto peer_socket = connect_peer(port(), peer.token);
  peer_socket->close();
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);

  auto frame = client->read_frame(kQuietPeriod);
  if (frame) {
    ServerMessage message;
    message.ParseFromString(*frame);
    ADD_FAILURE() << "a socket without subscriptions received " << describe(message);
  }
  EXPECT_FALSE(client->closed().has_value());

  // Nothing was queued for it either: subscribing now is answered first, with no stale events.
  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  auto reply = client->next();
  ASSERT_TRUE(reply.has_value()) << "subscription not answered";
  EXPECT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
  auto later = client->collect_for_room(room_id, kQuietPeriod);
  EXPECT_TRUE(later.empty()) << "events from before the subscription: " << describe(later.front());
}

TEST_F(ServerSocketSubscription, MetricsSubscriberGetsReportsButNoNotifications) {
  auto client = subscribed(ServerMessage::EVENT_TYPE_METRICS);
  auto room_id = create_room(port());
  // Reports come every 1000 ms; watch long enough for at least one.
  int reports = 0;
  auto deadline = steady_clock::now() + 2500ms;
  while (steady_clock::now() < deadline) {
    auto message = client->next(std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
    if (!message) break;
    if (message->content_case() == ServerMessage::kMetricsReport) {
      ++reports;
      EXPECT_FALSE(json::parse(message->metrics_report().metrics(), nullptr, false).is_discarded())
          << "metrics is not JSON: " << message->metrics_report().metrics();
    } else {
      ADD_FAILURE() << "a METRICS-only subscriber received " << describe(*message);
    }
  }
  EXPECT_GE(reports, 1) << "no metrics_report within 2.5 s";
  api(port(), "DELETE", "/room/" + room_id);
}

// ---------------------------------------------------------------------------------------------
// Server notifications (§3.3)

class ServerSocketEvents : public ServerSocketSuite {};

TEST_F(ServerSocketEvents, RoomLifecycleEventsArriveInOrder) {
  auto client = subscribed();

  auto room_id = create_room(port());
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));

  // Adding peers through REST emits nothing: the next event is the first peer connecting.
  auto first = create_peer(port(), room_id);
  auto second = create_peer(port(), room_id);
  auto never_connected = create_peer(port(), room_id);

  // Peer socket authenticates → peer_connected (the server sends it around the peer's
  // `authenticated`; only its arrival is checked).
  auto first_socket = connect_peer(port(), first.token);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerConnected, room_id, first.id));

  // The peer closes its socket → peer_disconnected.
  first_socket->close();
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerDisconnected, room_id, first.id));

  // A connected peer removed through REST → peer_disconnected.
  auto second_socket = connect_peer(port(), second.token);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerConnected, room_id, second.id));
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id + "/peer/" + second.id).status, 204);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerDisconnected, room_id, second.id));

  // A peer that never connected is removed silently; the next event is the room's deletion.
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id + "/peer/" + never_connected.id).status, 204);
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomDeleted, room_id));

  auto trailing = client->collect_for_room(room_id, kQuietPeriod);
  EXPECT_TRUE(trailing.empty()) << "unexpected event after room_deleted: " << describe(trailing.front());
}

TEST_F(ServerSocketEvents, DeletingNeverConnectedPeerEmitsNothing) {
  auto client = subscribed();
  auto room_id = create_room(port());
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  auto peer = create_peer(port(), room_id);
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id + "/peer/" + peer.id).status, 204);
  auto events = client->collect_for_room(room_id, kQuietPeriod);
  EXPECT_TRUE(events.empty()) << "unexpected event: " << describe(events.front());
  api(port(), "DELETE", "/room/" + room_id);
}

TEST_F(ServerSocketEvents, DeletingRoomWithConnectedPeerEmitsRoomDeletedAndPeerDisconnected) {
  auto client = subscribed();
  auto room_id = create_room(port());
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  auto peer = create_peer(port(), room_id);
  auto peer_socket = connect_peer(port(), peer.token);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerConnected, room_id, peer.id));

  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);
  // Both arrive; their relative order is not specified.
  bool deleted = false;
  bool disconnected = false;
  for (int i = 0; i < 2; ++i) {
    auto event = client->next_for_room(room_id);
    ASSERT_TRUE(event.has_value()) << "only " << i << " of 2 events (room_deleted=" << deleted
                                   << ", peer_disconnected=" << disconnected << ")";
    if (is_event(event, ServerMessage::kRoomDeleted, room_id) && !deleted) {
      deleted = true;
    } else if (is_event(event, ServerMessage::kPeerDisconnected, room_id, peer.id) && !disconnected) {
      disconnected = true;
    } else {
      ADD_FAILURE() << "unexpected event: " << describe(*event);
    }
  }
  EXPECT_TRUE(deleted);
  EXPECT_TRUE(disconnected);
  auto trailing = client->collect_for_room(room_id, kQuietPeriod);
  EXPECT_TRUE(trailing.empty()) << "unexpected extra event: " << describe(trailing.front());
}

// The metrics report that names `room_id`, skipping every other message; null when none comes in time.
json next_report_about(ServerSocketClient& client, const std::string& room_id, milliseconds timeout) {
  const auto deadline = steady_clock::now() + timeout;
  while (steady_clock::now() < deadline) {
    auto message = client.next(std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
    if (!message) break;
    if (message->content_case() != ServerMessage::kMetricsReport) continue;
    auto report = json::parse(message->metrics_report().metrics(), nullptr, false);
    if (report.is_object() && report.contains("room_id=" + room_id)) return report["room_id=" + room_id];
  }
  return nullptr;
}

// jellyfish v0.2.1 server_socket_test "sends metrics": a peer whose socket authenticated is in the
// report, under its room, before it sends `connect`; it leaves the report with its socket.
TEST_F(ServerSocketEvents, MetricsReportListsAnAuthenticatedPeerBeforeConnect) {
  auto client = subscribed();
  auto room_id = create_room(port());
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  auto peer = create_peer(port(), room_id);
  auto peer_socket = connect_peer(port(), peer.token);  // no `connect`
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerConnected, room_id, peer.id));

  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_METRICS));
  auto room = next_report_about(*client, room_id, 2500ms);  // reports come every 1000 ms
  ASSERT_TRUE(room.is_object()) << "no metrics report named room_id=" << room_id;
  ASSERT_FALSE(room.empty());
  for (const auto& [key, value] : room.items()) {
    EXPECT_NE(key.find("endpoint_id"), std::string::npos) << key;
  }
  EXPECT_TRUE(room.contains("endpoint_id=" + peer.id)) << room.dump();

  peer_socket->close();
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kPeerDisconnected, room_id, peer.id));
  // The report may name the room once more from before the close; within a few it must not.
  bool gone = false;
  const auto deadline = steady_clock::now() + 3500ms;
  while (!gone && steady_clock::now() < deadline) {
    auto message = client->next(std::chrono::duration_cast<milliseconds>(deadline - steady_clock::now()));
    if (!message) break;
    if (message->content_case() != ServerMessage::kMetricsReport) continue;
    auto report = json::parse(message->metrics_report().metrics(), nullptr, false);
    gone = !report.contains("room_id=" + room_id);
  }
  EXPECT_TRUE(gone) << "the disconnected peer stays in the metrics report";
  api(port(), "DELETE", "/room/" + room_id);
}

TEST_F(ServerSocketEvents, TwoSubscribersBothReceiveRoomCreated) {
  auto first = subscribed();
  auto second = subscribed();
  auto room_id = create_room(port());
  EXPECT_TRUE(is_event(first->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  EXPECT_TRUE(is_event(second->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  api(port(), "DELETE", "/room/" + room_id);
}

TEST_F(ServerSocketEvents, ClosedSubscriberDoesNotDisturbOthers) {
  auto leaving = subscribed();
  auto staying = subscribed();
  leaving->close();

  auto room_id = create_room(port());
  EXPECT_TRUE(is_event(staying->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  // And the node still takes new subscribers.
  auto newcomer = subscribed();
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);
  EXPECT_TRUE(is_event(staying->next_for_room(room_id), ServerMessage::kRoomDeleted, room_id));
  EXPECT_TRUE(is_event(newcomer->next_for_room(room_id), ServerMessage::kRoomDeleted, room_id));
}

TEST_F(ServerSocketEvents, DroppedSubscriberDoesNotDisturbOthers) {
  auto staying = subscribed();
  {
    auto dropped = subscribed();  // destroyed without a close handshake: the TCP connection just ends
  }
  auto room_id = create_room(port());
  EXPECT_TRUE(is_event(staying->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);
  EXPECT_TRUE(is_event(staying->next_for_room(room_id), ServerMessage::kRoomDeleted, room_id));
}

// ---------------------------------------------------------------------------------------------
// Production mode: the token is JF_SERVER_API_TOKEN, and "development" means nothing.

class ServerSocketProduction : public ServerSocketSuite {
 protected:
  static void SetUpTestSuite() { shoal_ = new ShoalProcess({{"JF_SERVER_API_TOKEN", "secret"}}, {}); }
};

TEST_F(ServerSocketProduction, ConfiguredTokenAuthenticates) {
  ServerSocketClient client(port());
  client.send_binary(auth_frame("secret"));
  auto reply = client.next();
  ASSERT_TRUE(reply.has_value()) << "no answer to auth_request";
  EXPECT_EQ(reply->content_case(), ServerMessage::kAuthenticated) << describe(*reply);
}

TEST_F(ServerSocketProduction, DevelopmentTokenIsInvalid) {
  ServerSocketClient client(port());
  client.send_binary(auth_frame("development"));
  EXPECT_TRUE(is_close(client.read_until_close(), 1000, "invalid token"));
}

TEST_F(ServerSocketProduction, SubscriberReceivesRoomCreated) {
  auto client = authenticated("secret");
  client->send_binary(subscribe_frame(ServerMessage::EVENT_TYPE_SERVER_NOTIFICATION));
  auto reply = client->next();
  ASSERT_TRUE(reply.has_value());
  ASSERT_EQ(reply->content_case(), ServerMessage::kSubscribeResponse) << describe(*reply);
  auto created = api(port(), "POST", "/room", "{}", "secret");
  ASSERT_EQ(created.status, 201) << created.body;
  auto room_id = created.json_body()["data"]["room"]["id"].get<std::string>();
  EXPECT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));
}

}  // namespace
// ---------------------------------------------------------------------------------------------
// Components: an HLS component that cannot write its output crashes alone (ComponentCrashed);
// the room and the component's listing stay, as in the original.

class ServerSocketComponents : public ServerSocketSuite {
 protected:
  static void SetUpTestSuite() {
    // The output base path lies under a regular file: no directory can be made there.
    blocker_ = std::filesystem::temp_directory_path() / ("shoal-not-a-directory-" + std::to_string(::getpid()));
    std::ofstream(blocker_) << "a file, not a directory\n";
    shoal_ = new ShoalProcess({{"JF_OUTPUT_BASE_PATH", (blocker_ / "output").string()}});
  }
  static void TearDownTestSuite() {
    ServerSocketSuite::TearDownTestSuite();
    std::filesystem::remove(blocker_);
  }
  static inline std::filesystem::path blocker_;
};

TEST_F(ServerSocketComponents, HlsComponentThatCannotWriteItsOutputCrashesAlone) {
  auto client = subscribed();
  auto room_id = create_room(port(), {{"videoCodec", "h264"}});
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomCreated, room_id));

  auto added = api(port(), "POST", "/room/" + room_id + "/component", R"({"type":"hls"})");
  ASSERT_EQ(added.status, 201) << added.body;
  const auto component_id = added.json_body()["data"]["id"].get<std::string>();
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kComponentCrashed, room_id, component_id));

  auto room = api(port(), "GET", "/room/" + room_id);
  ASSERT_EQ(room.status, 200);
  const auto components = room.json_body()["data"]["components"];
  ASSERT_EQ(components.size(), 1u);
  EXPECT_EQ(components[0]["id"], component_id);
  EXPECT_EQ(components[0]["metadata"]["playable"], false);
  EXPECT_EQ(api(port(), "POST", "/room/" + room_id + "/peer", R"({"type":"webrtc"})").status, 201);
  EXPECT_EQ(api(port(), "DELETE", "/room/" + room_id + "/component/" + component_id).status, 204);
  EXPECT_NE(shoal_->output().find("cannot create HLS output directory"), std::string::npos) << shoal_->output();
  ASSERT_EQ(api(port(), "DELETE", "/room/" + room_id).status, 204);
  ASSERT_TRUE(is_event(client->next_for_room(room_id), ServerMessage::kRoomDeleted, room_id));
}

}  // namespace shoal::test
