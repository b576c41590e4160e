#include "webrtc/tcp_turn_connection.hpp"

#include "log/log.hpp"
#include "webrtc/tcp_turn_handshake.hpp"
#include "webrtc/tcp_turn_listener.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <spdlog/spdlog.h>

#include <unistd.h>

namespace shoal::webrtc {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

namespace {

rtc::turn::TurnClient client_of(const tcp::socket& socket, std::uint64_t id) {
  boost::system::error_code ec;
  const auto remote = socket.remote_endpoint(ec);
  return {udp::endpoint(remote.address(), remote.port()), id};
}

}  // namespace

TcpTurnConnection::TcpTurnConnection(tcp::socket socket, std::uint64_t id, std::shared_ptr<TcpTurnListener> listener)
    : socket_(std::move(socket)),
      listener_(std::move(listener)),
      client_(client_of(*socket_, id)),
      turn_(listener_->turn_config(), *this),
      handshake_timer_(socket_->get_executor()) {}

TcpTurnConnection::~TcpTurnConnection() = default;

// ---- handshake, on the listener's loop ------------------------------------------------------

void TcpTurnConnection::start() {
  boost::system::error_code ec;
  socket_->non_blocking(true, ec);  // handshake answers are written without waiting
  handshake_timer_.expires_after(kHandshakeTimeout);
  handshake_timer_.async_wait([self = shared_from_this()](boost::system::error_code timer_error) {
    // Only handshake_over_ may be read here: once moved, the rest belongs to another loop.
    if (timer_error || self->handshake_over_) return;
    spdlog::debug("TCP TURN: connection {} sent no authenticated request in time", self->client_.connection);
    self->close();
  });
  read();
}

std::shared_ptr<TcpTurnRegistration> TcpTurnConnection::authenticated_peer(std::span<const std::uint8_t> frame) {
  const auto decision = decide_handshake_frame(frame, turn_, client_, core::now());
  if (decision.verdict == HandshakeVerdict::RefusedNonce) listener_->count_refusal();
  if (decision.verdict != HandshakeVerdict::Authenticated) return nullptr;
  auto registration = listener_->find_peer(decision.peer_id);
  if (!registration) {
    logging::info(logging::peer({}, decision.peer_id),
                  "TCP TURN: credentials of peer \"{}\", which has no transport here; closing", decision.peer_id);
    close();
  }
  return registration;
}

void TcpTurnConnection::move_to_peer() {
  handshake_over_ = true;
  listener_->handshake_ended(client_.address.address());
  handshake_timer_.cancel();
  boost::system::error_code ec;
  const bool v6 = socket_->local_endpoint(ec).address().is_v6();
  // No operation is pending (reads stopped, handshake writes are synchronous), so releasing
  // the descriptor from this loop's reactor loses nothing.
  const int descriptor = socket_->release(ec);
  if (ec) {
    close();
    return;
  }
  socket_.reset();
  auto target = std::move(target_);
  auto& loop = target->loop;
  asio::post(loop, [self = shared_from_this(), target = std::move(target), descriptor, v6] {
    self->adopt_on_peer_loop(target, descriptor, v6);
  });
}

// ---- from here on, the peer's loop --------------------------------------------------------

void TcpTurnConnection::adopt_on_peer_loop(const std::shared_ptr<TcpTurnRegistration>& registration, int descriptor,
                                           bool v6) {
  socket_.emplace(registration->loop);
  boost::system::error_code ec;
  socket_->assign(v6 ? tcp::v6() : tcp::v4(), descriptor, ec);
  if (ec) {
    ::close(descriptor);
    socket_.reset();
    state_ = State::Closed;
    return;
  }
  if (registration->peer == nullptr) {  // the peer left while the connection was moving
    close();
    return;
  }
  state_ = State::Bound;
  allocation_seen_at_ = core::now();
  queued_.reserve(16 * 1024);  // grows up to kMaxQueuedBytes, once
  in_flight_.reserve(16 * 1024);
  if (!registration->peer->adopt_tcp_connection(shared_from_this())) {
    close();
    return;
  }
  const auto frames = std::move(handoff_);
  handoff_.clear();
  for (const auto& frame : frames) {
    if (state_ != State::Bound) return;
    turn_.handle_from_client(client_, frame, core::now());
  }
  if (state_ == State::Bound) read();
}

void TcpTurnConnection::tick(core::Time now) {
  if (state_ != State::Bound) return;
  turn_.expire(now);
  if (turn_.allocation_count() > 0) {
    allocation_seen_at_ = now;
  } else if (now - allocation_seen_at_ > kAllocationGrace) {
    spdlog::debug("TCP TURN: connection {} has no allocation; closing", client_.connection);
    close();
    return;
  }
  if (writing_ && now - write_started_at_ > kStalledWrite) {
    spdlog::info("TCP TURN: connection {} stopped reading; closing", client_.connection);
    close();
  }
}

void TcpTurnConnection::detach() {
  owner_ = nullptr;
  close();
}

// ---- both phases --------------------------------------------------------------------------

void TcpTurnConnection::read() {
  socket_->async_read_some(asio::buffer(read_buffer_),
                           [self = shared_from_this()](boost::system::error_code ec, std::size_t size) {
                             if (self->state_ == State::Closed) return;
                             if (ec) {
                               self->close();
                               return;
                             }
                             self->on_read(size);
                           });
}

void TcpTurnConnection::on_read(std::size_t size) {
  const auto error = framer_.feed(std::span<const std::uint8_t>(read_buffer_.data(), size),
                                  [this](std::span<const std::uint8_t> frame) { handle_frame(frame); });
  if (state_ == State::Closed) return;
  if (error != rtc::turn::FramingError::None) {
    spdlog::debug("TCP TURN: connection {} sent bytes that are not TURN framing; closing", client_.connection);
    close();
    return;
  }
  if (state_ == State::Moving) {
    move_to_peer();
    return;
  }
  read();
}

void TcpTurnConnection::handle_frame(std::span<const std::uint8_t> frame) {
  switch (state_) {
    case State::Handshake: {
      if (++handshake_frames_ > kMaxHandshakeFrames) {
        close();
        return;
      }
      auto target = authenticated_peer(frame);
      if (state_ != State::Handshake) return;
      if (target) {
        target_ = std::move(target);
        state_ = State::Moving;
        handoff_.emplace_back(frame.begin(), frame.end());
        return;
      }
      turn_.handle_from_client(client_, frame, core::now());
      return;
    }
    case State::Moving:
      // Frames pipelined behind the authenticated request in the same read.
      if (handoff_.size() >= kMaxHandshakeFrames) {
        close();
        return;
      }
      handoff_.emplace_back(frame.begin(), frame.end());
      return;
    case State::Bound:
      if (owner_ != nullptr) owner_->on_tcp_frame_received(frame.size());
      turn_.handle_from_client(client_, frame, core::now());
      return;
    case State::Closed:
      return;
  }
}

void TcpTurnConnection::send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> bytes) {
  if (state_ == State::Handshake) {
    write_now(bytes);
    return;
  }
  send_to_client(client, {}, bytes, 0);
}

void TcpTurnConnection::send_to_client(const rtc::turn::TurnClient&, std::span<const std::uint8_t> header,
                                       std::span<const std::uint8_t> payload, std::size_t zero_padding) {
  if (state_ != State::Bound) return;  // media flows only once the connection is the peer's
  const std::size_t size = header.size() + payload.size() + zero_padding;
  // Whole frames or nothing, so the stream stays parseable; a client that cannot keep up loses
  // media as it would over UDP.
  if (queued_.size() + size > kMaxQueuedBytes) {
    ++dropped_writes_;
    return;
  }
  queued_.insert(queued_.end(), header.begin(), header.end());
  queued_.insert(queued_.end(), payload.begin(), payload.end());
  queued_.insert(queued_.end(), zero_padding, 0);
  if (owner_ != nullptr) owner_->on_tcp_frame_sent(size);
  if (!writing_) flush();
}

void TcpTurnConnection::write_now(std::span<const std::uint8_t> bytes) {
  // Handshake answers are a few hundred bytes; a client whose socket cannot take them is not a
  // browser worth waiting for.
  while (!bytes.empty()) {
    boost::system::error_code ec;
    const std::size_t written = socket_->write_some(asio::buffer(bytes.data(), bytes.size()), ec);
    if (ec) {
      close();
      return;
    }
    bytes = bytes.subspan(written);
  }
}

void TcpTurnConnection::flush() {
  std::swap(queued_, in_flight_);
  queued_.clear();
  writing_ = true;
  write_started_at_ = core::now();
  asio::async_write(*socket_, asio::buffer(in_flight_),
                    [self = shared_from_this()](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (self->state_ == State::Closed) return;
                      if (ec) {
                        self->close();
                        return;
                      }
                      self->in_flight_.clear();
                      if (!self->queued_.empty()) self->flush();
                    });
}

void TcpTurnConnection::on_peer_data(const rtc::turn::TurnClient& client, const udp::endpoint& peer,
                                     std::span<const std::uint8_t> payload) {
  if (state_ == State::Bound && owner_ != nullptr) owner_->on_tcp_peer_data(*this, client, peer, payload);
}

void TcpTurnConnection::close() {
  if (state_ == State::Closed) return;
  const State previous = state_;
  state_ = State::Closed;
  if (!handshake_over_) {  // still on the listener's loop
    handshake_over_ = true;
    listener_->handshake_ended(client_.address.address());
    handshake_timer_.cancel();
  }
  target_.reset();
  if (socket_) {
    boost::system::error_code ec;
    socket_->shutdown(tcp::socket::shutdown_both, ec);
    socket_->close(ec);
  }
  if (previous == State::Bound && owner_ != nullptr) {
    auto* owner = owner_;
    owner_ = nullptr;
    owner->on_tcp_connection_closed(*this);
  }
}

}  // namespace shoal::webrtc
