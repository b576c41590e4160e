#pragma once
// Accepts HTTP connections on one address and serves them with coroutines, each connection on
// one loop of the pool. Hostile clients are bounded: header and body sizes, time to send a
// request, and keep-alive idleness all have limits.
#include "api/http_types.hpp"
#include "core/loop_pool.hpp"
#include "core/result.hpp"

#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace shoal::api {

struct HttpLimits {
  std::size_t max_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 << 10;
  std::chrono::seconds request_timeout{60};  // to receive one whole request, idle time included
  // Open connections (WebSockets included), in all and per client address; beyond them a new
  // connection gets 503 and is closed.
  std::size_t max_connections = 16384;
  std::size_t max_connections_per_address = 1024;
};

struct HttpHandlers {
  std::function<boost::asio::awaitable<Reply>(Request&)> handle;
  // Optional, for WebSocket upgrade requests: either takes over the connection (moves the
  // stream out and returns nullopt) or answers with a plain HTTP response.
  std::function<boost::asio::awaitable<std::optional<Response>>(boost::beast::tcp_stream&, Request&)>
      upgrade;
  // Optional: a connection was refused by the caps of HttpLimits (called on the accepting loop).
  std::function<void()> on_refused{};
};

class HttpListener {
 public:
  HttpListener(core::LoopPool& loops, boost::asio::ip::tcp::endpoint endpoint,
               HttpHandlers handlers, HttpLimits limits = {});
  ~HttpListener();

  // Binds and starts accepting; the error text when the address cannot be used.
  core::Result<void, std::string> start();
  void stop();
  boost::asio::ip::tcp::endpoint local_endpoint() const;
  // Requests read and not yet answered (any thread).
  std::size_t requests_in_flight() const;

  struct State;  // shared with the accept loop and connections, which may outlive a stop()

 private:
  std::shared_ptr<State> state_;
};

}  // namespace shoal::api
