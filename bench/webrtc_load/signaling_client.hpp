#pragma once
// One peer WebSocket, asynchronous on the generator's single io_context: protobuf auth, then
// JSON media events in both directions.
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket.hpp>

#include <deque>
#include <functional>
#include <memory>
#include <string>

namespace shoal::bench {

class SignalingClient {
 public:
  struct Handler {
    std::function<void()> on_authenticated;
    std::function<void(const std::string& json)> on_media_event;
    std::function<void(const std::string& why)> on_closed;
  };

  SignalingClient(boost::asio::io_context& io, Handler handler);
  ~SignalingClient();
  // Connects to ws://host:port/socket/peer/websocket and sends the auth request.
  void start(const std::string& host, std::uint16_t port, const std::string& token);
  void send_media_event(const std::string& json);
  void close();

 private:
  void read();
  void write_next();

  boost::beast::websocket::stream<boost::asio::ip::tcp::socket> ws_;
  boost::beast::flat_buffer buffer_;
  std::deque<std::string> outbox_;
  bool writing_ = false;
  bool open_ = false;
  Handler handler_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace shoal::bench
