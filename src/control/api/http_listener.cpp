#include "api/http_listener.hpp"

#include "api/connection_limiter.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <spdlog/spdlog.h>

#include <atomic>

namespace shoal::api {

namespace asio = boost::asio;
namespace beast = boost::beast;
using asio::ip::tcp;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct HttpListener::State {
  core::LoopPool& loops;
  tcp::endpoint endpoint;
  HttpHandlers handlers;
  HttpLimits limits;
  ConnectionLimiter limiter;
  tcp::acceptor acceptor;
  std::atomic<std::size_t> requests_in_flight{0};

  State(core::LoopPool& l, tcp::endpoint e, HttpHandlers h, HttpLimits lim)
      : loops(l),
        endpoint(e),
        handlers(std::move(h)),
        limits(lim),
        limiter(lim.max_connections, lim.max_connections_per_address),
        acceptor(l.loop(0)) {}
};

namespace {

asio::awaitable<void> write_response(beast::tcp_stream& stream, Response response,
                                     const Request* request, bool keep_alive) {
  add_common_headers(response);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  if (request != nullptr && request->method() == http::verb::head) {
    // Plug.Head: a GET whose body is not sent; the length header still describes it.
    auto length = response.body().size();
    response.body().clear();
    response.content_length(length);
  }
  co_await http::async_write(stream, response, use_tuple);
}

asio::awaitable<void> write_response(beast::tcp_stream& stream, FileResponse response, const Request& request,
                                     bool keep_alive) {
  add_common_headers(response);
  response.keep_alive(keep_alive);
  response.prepare_payload();
  if (request.method() == http::verb::head) {
    http::response_serializer<http::file_body> serializer(response);
    co_await http::async_write_header(stream, serializer, use_tuple);
    co_return;
  }
  co_await http::async_write(stream, response, use_tuple);
}

// Best effort and without waiting: the client learns why, unless its receive window is full.
template <typename Socket>
void refuse_connection(Socket& socket) {
  static constexpr std::string_view kRefusal =
      "HTTP/1.1 503 Service Unavailable\r\ncontent-type: application/json\r\ncontent-length: 36\r\n"
      "connection: close\r\n\r\n{\"errors\":\"Too many open connections\"}";
  beast::error_code ignored;
  socket.non_blocking(true, ignored);
  socket.write_some(asio::buffer(kRefusal), ignored);
  socket.shutdown(tcp::socket::shutdown_both, ignored);
  socket.close(ignored);
}

// `slot` is held for the connection's whole life, WebSocket sessions included.
class InFlight {
 public:
  explicit InFlight(std::atomic<std::size_t>& count) : count_(count) { ++count_; }
  ~InFlight() { --count_; }
  InFlight(const InFlight&) = delete;
  InFlight& operator=(const InFlight&) = delete;

 private:
  std::atomic<std::size_t>& count_;
};

asio::awaitable<void> serve_connection(std::shared_ptr<HttpListener::State> state,
                                       [[maybe_unused]] ConnectionLimiter::Slot slot, beast::tcp_stream stream) {
  beast::flat_buffer buffer;
  const auto& limits = state->limits;
  for (;;) {
    http::request_parser<http::string_body> parser;
    parser.header_limit(static_cast<std::uint32_t>(limits.max_header_bytes));
    parser.body_limit(limits.max_body_bytes);
    stream.expires_after(limits.request_timeout);

    auto [header_error, header_bytes] = co_await http::async_read_header(stream, buffer, parser, use_tuple);
    if (!header_error && parser.get()[http::field::expect] == "100-continue") {
      const auto& length = parser.content_length();
      if (length && *length > limits.max_body_bytes) {
        header_error = http::error::body_limit;
      } else {
        http::response<http::empty_body> proceed{http::status::continue_, 11};
        co_await http::async_write(stream, proceed, use_tuple);
      }
    }
    beast::error_code ec = header_error;
    if (!ec && !parser.is_done()) {
      auto [body_error, body_bytes] = co_await http::async_read(stream, buffer, parser, use_tuple);
      ec = body_error;
    }
    if (ec) {
      if (ec == http::error::body_limit) {
        co_await write_response(stream, framework_error(http::status::payload_too_large), nullptr, false);
      } else if (ec == http::error::header_limit) {
        co_await write_response(stream, framework_error(http::status::request_header_fields_too_large),
                                nullptr, false);
      } else if (ec != http::error::end_of_stream && ec != asio::error::eof &&
                 ec != beast::error::timeout && ec != asio::error::connection_reset &&
                 ec != asio::error::operation_aborted && header_bytes > 0) {
        co_await write_response(stream, framework_error(http::status::bad_request), nullptr, false);
      }
      break;
    }

    Request request = parser.release();
    // Counted until its answer is written (upgrades excepted), so a stopping node lets it finish.
    std::optional<InFlight> in_flight;
    std::optional<Reply> answer;
    if (state->handlers.upgrade && beast::websocket::is_upgrade(request)) {
      stream.expires_never();
      // This frame stays suspended for the socket's whole life: hold no request buffer. (Clients
      // send nothing before the 101 answer, so nothing buffered is lost.)
      buffer.clear();
      buffer.shrink_to_fit();
      auto upgrade_answer = co_await state->handlers.upgrade(stream, request);
      if (!upgrade_answer) co_return;  // the WebSocket session owns the connection now
      answer = std::move(*upgrade_answer);
      stream.expires_after(limits.request_timeout);
    } else {
      in_flight.emplace(state->requests_in_flight);
      try {
        answer = co_await state->handlers.handle(request);
      } catch (const std::exception& error) {
        // A bug must cost one request, not the connection or the process.
        spdlog::error("Request {} {} failed: {}", std::string(request.method_string()),
                      std::string(request.target()), error.what());
        answer = framework_error(http::status::internal_server_error);
      }
    }
    const bool keep_alive = request.keep_alive();
    if (auto* file = std::get_if<FileResponse>(&*answer)) {
      co_await write_response(stream, std::move(*file), request, keep_alive);
    } else {
      co_await write_response(stream, std::move(std::get<Response>(*answer)), &request, keep_alive);
    }
    if (!keep_alive) break;
  }
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
}

asio::awaitable<void> accept_loop(std::shared_ptr<HttpListener::State> state) {
  for (;;) {
    // Each connection lands on the next loop; the acceptor itself stays on loop 0.
    auto& loop = state->loops.next_loop();
    auto [ec, socket] = co_await state->acceptor.async_accept(loop, use_tuple);
    if (ec) {
      if (ec == asio::error::operation_aborted || !state->acceptor.is_open()) co_return;
      // Out of descriptors and the like: keep serving the connections we have.
      spdlog::warn("accept on {} failed: {}", state->endpoint.port(), ec.message());
      asio::steady_timer backoff(state->acceptor.get_executor(), std::chrono::milliseconds(50));
      co_await backoff.async_wait(use_tuple);
      continue;
    }
    beast::error_code ignored;
    auto remote = socket.remote_endpoint(ignored);
    auto slot = ignored ? std::nullopt : state->limiter.try_acquire(remote.address());
    if (!slot) {
      refuse_connection(socket);
      if (state->handlers.on_refused) state->handlers.on_refused();
      continue;
    }
    socket.set_option(tcp::no_delay(true), ignored);
    auto executor = socket.get_executor();
    asio::co_spawn(executor, serve_connection(state, std::move(*slot), beast::tcp_stream(std::move(socket))),
                   [](std::exception_ptr error) {
                     if (!error) return;
                     try {
                       std::rethrow_exception(error);
                     } catch (const std::exception& e) {
                       spdlog::error("HTTP connection ended by an error: {}", e.what());
                     }
                   });
  }
}

}  // namespace

HttpListener::HttpListener(core::LoopPool& loops, tcp::endpoint endpoint, HttpHandlers handlers,
                           HttpLimits limits)
    : state_(std::make_shared<State>(loops, endpoint, std::move(handlers), limits)) {}

HttpListener::~HttpListener() = default;

std::size_t HttpListener::requests_in_flight() const { return state_->requests_in_flight.load(); }

core::Result<void, std::string> HttpListener::start() {
  beast::error_code ec;
  auto& acceptor = state_->acceptor;
  acceptor.open(state_->endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(state_->endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return "cannot listen on " + state_->endpoint.address().to_string() + ":" +
           std::to_string(state_->endpoint.port()) + ": " + ec.message();
  }
  state_->endpoint = acceptor.local_endpoint();
  asio::co_spawn(acceptor.get_executor(), accept_loop(state_), asio::detached);
  return {};
}

void HttpListener::stop() {
  asio::post(state_->acceptor.get_executor(), [state = state_] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
}

tcp::endpoint HttpListener::local_endpoint() const { return state_->endpoint; }

}  // namespace shoal::api
