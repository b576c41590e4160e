#pragma once
// One accepted WebSocket with a bounded outgoing queue drained by a single writer, so that
// messages, pings and the close frame never race. Lives on one loop; the methods below must be
// called there (other loops post to it).
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/websocket/stream.hpp>

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <string>

namespace shoal::signaling {

inline constexpr std::chrono::seconds kHeartbeatPeriod{30};
// A socket that has not sent its auth request by then is closed (1000, "authentication
// timeout"): an unauthenticated socket costs memory and a file descriptor and serves nobody. The
// SDKs send their auth request as soon as the socket opens.
inline constexpr std::chrono::seconds kAuthenticationDeadline{10};
inline constexpr const char* kAuthenticationTimeoutReason = "authentication timeout";

class WsConnection {
 public:
  using Stream = boost::beast::websocket::stream<boost::beast::tcp_stream>;
  static constexpr std::size_t kMaxQueuedMessages = 4096;
  static constexpr std::size_t kMaxQueuedBytes = 8u << 20;

  // `idle_limit`: a connection we hear nothing from (no frame, no pong) for this long is dropped.
  // Beast's own idle timer only counts data frames, so pongs would not keep a quiet browser alive.
  explicit WsConnection(boost::beast::tcp_stream stream,
                        std::chrono::milliseconds idle_limit = std::chrono::seconds(60));

  Stream& stream() { return stream_; }
  // Completes the upgrade `request` asked for, with messages bounded by `max_message_bytes`;
  // false when the handshake failed. The request is emptied either way: idle sockets are the
  // common case, and they keep nothing of it.
  boost::asio::awaitable<bool> accept(boost::beast::http::request<boost::beast::http::string_body>& request,
                                      std::size_t max_message_bytes);
  boost::asio::any_io_executor executor() { return stream_.get_executor(); }

  // Queues one binary frame. A client that does not read fills the queue and is closed with
  // 1008 rather than growing memory without bound.
  void send_binary(std::string bytes);
  // Queues a close frame; nothing queued after it is sent.
  void close(std::uint16_t code, std::string reason);
  bool closing() const { return close_reason_.has_value() || reader_done_; }

  // Drains the queue until the connection closes; run it once, after the handshake.
  boost::asio::awaitable<void> write_loop();
  // From now on, sends a ping with an empty payload every `period` (first after one period).
  void start_pings(std::chrono::milliseconds period);
  // Closes the connection with `code` and `reason` unless clear_deadline() is called within
  // `limit`; what a client sends meanwhile, control frames included, does not extend it.
  void set_deadline(std::chrono::milliseconds limit, std::uint16_t code, std::string reason);
  void clear_deadline();
  // The reader saw the connection end: stop writer and pings.
  void reader_done();
  // The reader received a frame (control frames are seen through the stream's callback).
  void heard() { last_heard_ = boost::asio::steady_timer::clock_type::now(); }

 private:
  Stream stream_;
  boost::asio::steady_timer wake_;  // the writer sleeps on it until work or the next ping is due
  std::deque<std::string> queue_;
  std::size_t queued_bytes_ = 0;
  std::optional<std::pair<std::uint16_t, std::string>> close_reason_;
  bool close_sent_ = false;
  bool reader_done_ = false;
  std::chrono::milliseconds idle_limit_;
  boost::asio::steady_timer::time_point last_heard_;
  std::optional<std::pair<std::uint16_t, std::string>> deadline_close_;  // set with a deadline
  boost::asio::steady_timer::time_point deadline_ = boost::asio::steady_timer::time_point::max();
  std::chrono::milliseconds ping_period_{0};  // 0: no pings
  boost::asio::steady_timer::time_point next_ping_ = boost::asio::steady_timer::time_point::max();
};

}  // namespace shoal::signaling
