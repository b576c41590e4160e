// Liveness of WebSocket connections: a client that answers pings stays, a silent one goes.
#include "signaling/ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace shoal::signaling {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace websocket = beast::websocket;
using asio::ip::tcp;
using namespace std::chrono_literals;

// Serves one connection with pings every 100 ms and a 400 ms idle limit; records when the
// server side saw the connection end.
struct Server {
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc, {asio::ip::make_address("127.0.0.1"), 0}};
  std::atomic<bool> ended{false};
  std::atomic<bool> closing_after_burst{false};
  int burst = 0;  // messages queued at once right after the handshake
  std::thread thread;

  explicit Server(int burst_messages = 0) : burst(burst_messages) {
    asio::co_spawn(ioc, serve(), asio::detached);
    thread = std::thread([this] { ioc.run_for(5s); });
  }
  ~Server() { thread.join(); }

  asio::awaitable<void> serve() {
    auto [ec, socket] = co_await acceptor.async_accept(asio::as_tuple(asio::use_awaitable));
    if (ec) co_return;
    auto connection = std::make_shared<WsConnection>(beast::tcp_stream(std::move(socket)), 400ms);
    auto [accept_error] = co_await connection->stream().async_accept(asio::as_tuple(asio::use_awaitable));
    if (accept_error) co_return;
    auto writer = [connection]() -> asio::awaitable<void> { co_await connection->write_loop(); };
    asio::co_spawn(ioc, std::move(writer), asio::detached);
    connection->start_pings(100ms);
    for (int i = 0; i < burst; ++i) connection->send_binary(std::string(1024, 'x'));
    closing_after_burst = connection->closing();
    beast::flat_buffer buffer;
    for (;;) {
      auto [read_error, n] = co_await connection->stream().async_read(buffer, asio::as_tuple(asio::use_awaitable));
      if (read_error) break;
      connection->heard();
    }
    connection->reader_done();
    ended = true;
  }
};

struct Client {
  asio::io_context ioc;
  websocket::stream<tcp::socket> ws{ioc};
  explicit Client(std::uint16_t port) {
    ws.next_layer().connect({asio::ip::make_address("127.0.0.1"), port});
    ws.handshake("127.0.0.1", "/");
  }
};

TEST(WsConnectionLiveness, AClientThatAnswersPingsStaysConnected) {
  Server server;
  Client client(server.acceptor.local_endpoint().port());
  // Reading makes the client answer each ping with a pong; it never sends data.
  std::thread reader([&] {
    beast::flat_buffer buffer;
    beast::error_code ec;
    client.ws.read(buffer, ec);  // returns when the connection ends
  });
  std::this_thread::sleep_for(1200ms);  // three idle limits
  EXPECT_FALSE(server.ended);
  beast::error_code ignored;
  client.ws.next_layer().shutdown(tcp::socket::shutdown_both, ignored);
  reader.join();
}

TEST(WsConnectionLiveness, ASilentClientIsDroppedAfterTheIdleLimit) {
  Server server;
  Client client(server.acceptor.local_endpoint().port());
  // Not reading: pings go unanswered.
  auto start = std::chrono::steady_clock::now();
  while (!server.ended && std::chrono::steady_clock::now() - start < 3s) std::this_thread::sleep_for(20ms);
  EXPECT_TRUE(server.ended);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1500ms);
}

TEST(WsConnectionQueue, AClientThatCannotKeepUpIsClosedWith1008NotBufferedForever) {
  Server server(/*burst_messages=*/static_cast<int>(WsConnection::kMaxQueuedMessages) + 10);
  Client client(server.acceptor.local_endpoint().port());
  // Drain what was sent before the queue overflowed, then the close frame.
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (int i = 0; i < 10000 && !ec; ++i) {
    buffer.clear();
    client.ws.read(buffer, ec);
  }
  EXPECT_EQ(ec, websocket::error::closed);
  EXPECT_EQ(client.ws.reason().code, 1008);
  EXPECT_EQ(std::string(client.ws.reason().reason.c_str()), "send queue overflow");
  EXPECT_TRUE(server.closing_after_burst);
}

}  // namespace
}  // namespace shoal::signaling
