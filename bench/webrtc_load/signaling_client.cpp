#include "signaling_client.hpp"

#include "signaling/peer_message.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/buffers_to_string.hpp>

namespace shoal::bench {

namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;

SignalingClient::SignalingClient(asio::io_context& io, Handler handler) : ws_(io), handler_(std::move(handler)) {}

SignalingClient::~SignalingClient() {
  *alive_ = false;
  boost::system::error_code ec;
  ws_.next_layer().close(ec);
}

void SignalingClient::start(const std::string& host, std::uint16_t port, const std::string& token) {
  // Set-up is not part of the measurement: a blocking connect and handshake keep this simple.
  asio::ip::tcp::resolver resolver(ws_.get_executor());
  asio::connect(ws_.next_layer(), resolver.resolve(host, std::to_string(port)));
  ws_.next_layer().set_option(asio::ip::tcp::no_delay(true));
  ws_.handshake(host + ":" + std::to_string(port), "/socket/peer/websocket");
  ws_.binary(true);
  open_ = true;
  ws_.write(asio::buffer(signaling::encode_auth_request(token)));
  read();
}

void SignalingClient::read() {
  ws_.async_read(buffer_, [this, alive = alive_](boost::system::error_code ec, std::size_t) {
    if (!*alive) return;
    if (ec) {
      open_ = false;
      if (handler_.on_closed) handler_.on_closed(ec.message());
      return;
    }
    const std::string frame = boost::beast::buffers_to_string(buffer_.data());
    buffer_.consume(buffer_.size());
    if (auto message = signaling::decode_peer_message(frame)) {
      if (std::holds_alternative<signaling::AuthenticatedMessage>(*message)) {
        if (handler_.on_authenticated) handler_.on_authenticated();
      } else if (auto* event = std::get_if<signaling::MediaEventMessage>(&*message)) {
        if (handler_.on_media_event) handler_.on_media_event(event->data);
      }
    }
    read();
  });
}

void SignalingClient::send_media_event(const std::string& json) {
  if (!open_) return;
  outbox_.push_back(signaling::encode_media_event(json));
  if (!writing_) write_next();
}

void SignalingClient::write_next() {
  if (outbox_.empty()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  ws_.async_write(asio::buffer(outbox_.front()), [this, alive = alive_](boost::system::error_code ec, std::size_t) {
    if (!*alive) return;
    outbox_.pop_front();
    if (ec) {
      writing_ = false;
      return;
    }
    write_next();
  });
}

void SignalingClient::close() {
  if (!open_) return;
  open_ = false;
  boost::system::error_code ec;
  ws_.next_layer().close(ec);
}

}  // namespace shoal::bench
