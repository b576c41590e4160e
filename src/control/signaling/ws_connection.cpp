#include "signaling/ws_connection.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>

namespace shoal::signaling {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

WsConnection::WsConnection(boost::beast::tcp_stream stream, std::chrono::milliseconds idle_limit)
    : stream_(std::move(stream)),
      wake_(stream_.get_executor()),
      idle_limit_(idle_limit),
      last_heard_(asio::steady_timer::clock_type::now()) {
  stream_.control_callback([this](websocket::frame_type, boost::beast::string_view) { heard(); });
  wake_.expires_at(asio::steady_timer::time_point::max());
  // Signalling messages are small; a smaller write buffer keeps idle sockets cheap and larger
  // messages are simply written in several pieces.
  stream_.write_buffer_bytes(1024);
}

asio::awaitable<bool> WsConnection::accept(boost::beast::http::request<boost::beast::http::string_body>& request,
                                           std::size_t max_message_bytes) {
  websocket::stream_base::timeout timeouts{};
  timeouts.handshake_timeout = std::chrono::seconds(30);
  timeouts.idle_timeout = websocket::stream_base::none();  // liveness is ours: see idle_limit
  timeouts.keep_alive_pings = false;
  stream_.set_option(timeouts);
  stream_.read_message_max(max_message_bytes);
  auto [error] = co_await stream_.async_accept(request, use_tuple);
  request = {};
  co_return !error;
}

void WsConnection::send_binary(std::string bytes) {
  if (closing()) return;
  if (queue_.size() >= kMaxQueuedMessages || queued_bytes_ + bytes.size() > kMaxQueuedBytes) {
    close(static_cast<std::uint16_t>(websocket::close_code::policy_error), "send queue overflow");
    return;
  }
  queued_bytes_ += bytes.size();
  queue_.push_back(std::move(bytes));
  wake_.cancel();
}

void WsConnection::close(std::uint16_t code, std::string reason) {
  if (closing()) return;
  close_reason_.emplace(code, std::move(reason));
  wake_.cancel();
}

void WsConnection::reader_done() {
  reader_done_ = true;
  wake_.cancel();
}

asio::awaitable<void> WsConnection::write_loop() {
  stream_.binary(true);
  for (;;) {
    if (reader_done_) co_return;
    if (!queue_.empty() && !close_reason_) {
      std::string message = std::move(queue_.front());
      queue_.pop_front();
      queued_bytes_ -= message.size();
      auto [ec, n] = co_await stream_.async_write(asio::buffer(message), use_tuple);
      if (ec) co_return;
      continue;
    }
    if (close_reason_ && !close_sent_) {
      close_sent_ = true;
      queue_.clear();
      websocket::close_reason reason;
      reason.code = close_reason_->first;
      reason.reason = close_reason_->second;
      co_await stream_.async_close(reason, use_tuple);
      co_return;
    }
    const auto now = asio::steady_timer::clock_type::now();
    if (now >= deadline_) {
      deadline_ = asio::steady_timer::time_point::max();
      auto [code, reason] = std::move(*deadline_close_);
      close(code, std::move(reason));
      continue;
    }
    if (now >= last_heard_ + idle_limit_) {
      // Silent for too long (a dead network path, or a client that stopped answering pings).
      boost::beast::error_code ignored;
      boost::beast::get_lowest_layer(stream_).socket().close(ignored);
      co_return;
    }
    if (now >= next_ping_) {
      next_ping_ += ping_period_;
      auto [ec] = co_await stream_.async_ping({}, use_tuple);
      if (ec) co_return;
      continue;
    }
    wake_.expires_at(std::min({next_ping_, last_heard_ + idle_limit_, deadline_}));
    co_await wake_.async_wait(use_tuple);
  }
}

void WsConnection::set_deadline(std::chrono::milliseconds limit, std::uint16_t code, std::string reason) {
  deadline_close_.emplace(code, std::move(reason));
  deadline_ = asio::steady_timer::clock_type::now() + limit;
  wake_.cancel();
}

void WsConnection::clear_deadline() {
  deadline_ = asio::steady_timer::time_point::max();
  deadline_close_.reset();
}

void WsConnection::start_pings(std::chrono::milliseconds period) {
  ping_period_ = period;
  next_ping_ = asio::steady_timer::clock_type::now() + period;
  wake_.cancel();
}

}  // namespace shoal::signaling
