#include "webrtc/tcp_turn_listener.hpp"

#include "rtc/turn/turn_credentials.hpp"
#include "webrtc/peer_transport.hpp"
#include "webrtc/tcp_turn_connection.hpp"

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include <tuple>

namespace shoal::webrtc {

namespace asio = boost::asio;
using asio::ip::tcp;

core::Result<std::shared_ptr<TcpTurnListener>, std::string> TcpTurnListener::start(
    asio::io_context& loop, TcpTurnListenerSettings settings) {
  rtc::turn::TurnServerConfig turn;
  turn.secret = rtc::turn::random_turn_secret();
  if (turn.secret.empty()) return std::string("no random secret available");
  turn.advertised_ip = settings.advertised_ip;
  std::tie(turn.relay_port_min, turn.relay_port_max) = relay_port_half(settings.turn_port_range);
  // One connection is one 5-tuple: its TurnServer never needs more than one allocation.
  turn.max_allocations = 1;
  auto listener = std::shared_ptr<TcpTurnListener>(new TcpTurnListener(loop, std::move(turn)));
  listener->refusals_ = settings.refusals;
  boost::system::error_code ec;
  auto& acceptor = listener->acceptor_;
  acceptor.open(settings.listen.protocol(), ec);
  if (!ec) acceptor.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor.bind(settings.listen, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) listener->port_ = acceptor.local_endpoint(ec).port();
  if (ec) return ec.message();
  // The first accept is started on the listener's own loop; start() may run on any thread.
  asio::post(loop, [weak = std::weak_ptr<TcpTurnListener>(listener)] {
    if (auto self = weak.lock()) self->accept();
  });
  return listener;
}

TcpTurnListener::TcpTurnListener(asio::io_context& loop, rtc::turn::TurnServerConfig turn_config)
    : turn_config_(std::move(turn_config)), acceptor_(loop) {}

TcpTurnListener::~TcpTurnListener() = default;

void TcpTurnListener::accept() {
  acceptor_.async_accept([weak = weak_from_this()](boost::system::error_code ec, tcp::socket socket) {
    auto self = weak.lock();
    if (!self || ec == asio::error::operation_aborted || !self->acceptor_.is_open()) return;
    const auto client = ec ? tcp::endpoint{} : socket.remote_endpoint(ec);
    if (!ec) {
      auto& from_client = self->handshaking_by_address_[client.address()];
      if (self->handshaking_ >= kMaxHandshaking || from_client >= kMaxHandshakingPerAddress) {
        spdlog::debug("TCP TURN: {} connections still unauthenticated ({} from {}), refusing another",
                      self->handshaking_, from_client, client.address().to_string());
        if (from_client == 0) self->handshaking_by_address_.erase(client.address());
        self->count_refusal();
        socket.close(ec);
      } else {
        ++self->handshaking_;
        ++from_client;
        socket.set_option(tcp::no_delay(true), ec);  // media: no Nagle delay
        std::make_shared<TcpTurnConnection>(std::move(socket), self->next_connection_id_++, self)->start();
      }
    }
    self->accept();
  });
}

void TcpTurnListener::handshake_ended(const boost::asio::ip::address& client) {
  --handshaking_;
  auto it = handshaking_by_address_.find(client);
  if (it != handshaking_by_address_.end() && --it->second == 0) handshaking_by_address_.erase(it);
}

void TcpTurnListener::register_peer(const std::string& peer_id,
                                    const std::shared_ptr<TcpTurnRegistration>& registration) {
  std::lock_guard lock(registry_mutex_);
  peers_[peer_id] = registration;
}

void TcpTurnListener::unregister_peer(const std::string& peer_id, const TcpTurnRegistration* registration) {
  std::lock_guard lock(registry_mutex_);
  const auto it = peers_.find(peer_id);
  if (it == peers_.end()) return;
  // A newer transport of the same peer may have registered meanwhile; leave that one.
  const auto current = it->second.lock();
  if (!current || current.get() == registration) peers_.erase(it);
}

std::shared_ptr<TcpTurnRegistration> TcpTurnListener::find_peer(std::string_view peer_id) {
  std::lock_guard lock(registry_mutex_);
  const auto it = peers_.find(std::string(peer_id));
  return it == peers_.end() ? nullptr : it->second.lock();
}

}  // namespace shoal::webrtc
