#include "webrtc/peer_transport.hpp"

#include "core/time.hpp"
#include "webrtc/udp_receive_batch.hpp"
#include "webrtc/udp_send_batch.hpp"

#include "log/log.hpp"
#include "rtc/srtp/srtp_profile.hpp"
#include "rtc/stun/channel_data.hpp"
#include "rtc/turn/turn_credentials.hpp"
#include "webrtc/transport_demux.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

namespace shoal::webrtc {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

// The original splits the TURN range: per-peer listeners in the lower half, the (mock) relayed
// addresses in the upper half.
std::pair<std::uint16_t, std::uint16_t> listener_half(config::PortRange range) {
  const std::uint32_t middle = (std::uint32_t{range.from} + range.to) / 2;
  return {range.from, static_cast<std::uint16_t>(middle)};
}

std::optional<udp::socket> bind_in_range(asio::io_context& loop, const asio::ip::address& ip,
                                         std::pair<std::uint16_t, std::uint16_t> ports) {
  const std::uint32_t count = std::uint32_t{ports.second} - ports.first + 1;
  std::uint32_t start = 0;
  RAND_bytes(reinterpret_cast<unsigned char*>(&start), sizeof start);
  for (std::uint32_t i = 0; i < count; ++i) {
    const auto port = static_cast<std::uint16_t>(ports.first + (start + i) % count);
    udp::socket socket(loop);
    boost::system::error_code ec;
    socket.open(ip.is_v6() ? udp::v6() : udp::v4(), ec);
    if (ec) return std::nullopt;
    socket.bind({ip, port}, ec);
    if (!ec) {
      socket.non_blocking(true, ec);
      // Bursts of video from several senders arrive between two loop turns.
      socket.set_option(asio::socket_base::receive_buffer_size(1 << 20), ec);
      socket.set_option(asio::socket_base::send_buffer_size(1 << 20), ec);
      return socket;
    }
  }
  return std::nullopt;
}

}  // namespace

std::pair<std::uint16_t, std::uint16_t> relay_port_half(config::PortRange range) {
  const std::uint32_t middle = (std::uint32_t{range.from} + range.to) / 2;
  const std::uint32_t low = std::min<std::uint32_t>(middle + 1, range.to);
  return {static_cast<std::uint16_t>(low), range.to};
}

core::Result<std::unique_ptr<PeerTransport>, std::string> PeerTransport::open(asio::io_context& loop,
                                                                              const TransportSettings& settings,
                                                                              PeerTransportHandler& handler) {
  if (!settings.certificate) return std::string("no DTLS certificate");
  auto candidate_port = CandidatePort::reserve();
  if (!candidate_port) return std::string("no free candidate port");
  auto socket = bind_in_range(loop, settings.listen_ip, listener_half(settings.turn_port_range));
  if (!socket) return std::string("no free TURN port in JF_WEBRTC_TURN_PORT_RANGE");
  auto transport = std::unique_ptr<PeerTransport>(new PeerTransport(
      loop, settings, handler, std::move(*socket), std::move(*candidate_port), rtc::turn::random_turn_secret()));
  return transport;
}

PeerTransport::PeerTransport(asio::io_context& loop, TransportSettings settings, PeerTransportHandler& handler,
                             udp::socket socket, CandidatePort candidate_port, std::string turn_secret)
    : loop_(loop),
      settings_(std::move(settings)),
      handler_(handler),
      socket_(std::move(socket)),
      candidate_port_(std::move(candidate_port)),
      candidate_endpoint_(settings_.advertised_ip, candidate_port_.port()),
      turn_(
          [&] {
            rtc::turn::TurnServerConfig config;
            config.secret = turn_secret;
            config.advertised_ip = settings_.advertised_ip;
            auto [low, high] = relay_port_half(settings_.turn_port_range);
            config.relay_port_min = low;
            config.relay_port_max = high;
            return config;
          }(),
          *this),
      dtls_(settings_.certificate, *this),
      dtls_timer_(loop),
      expire_timer_(loop) {
  const auto credentials =
      rtc::turn::issue_turn_credentials(turn_secret, settings_.peer_id, std::chrono::system_clock::now());
  turn_servers_.push_back({settings_.advertised_ip.to_string(), socket_.local_endpoint().port(), "udp",
                           credentials.username, credentials.password});
  if (settings_.tcp_turn) {
    // Listed after the UDP entry, with credentials of the shared listener's own secret.
    const auto tcp_credentials = rtc::turn::issue_turn_credentials(settings_.tcp_turn->secret(), settings_.peer_id,
                                                                   std::chrono::system_clock::now());
    turn_servers_.push_back({settings_.advertised_ip.to_string(), settings_.tcp_turn->port(), "tcp",
                             tcp_credentials.username, tcp_credentials.password});
    tcp_registration_ = std::make_shared<TcpTurnRegistration>(TcpTurnRegistration{loop_, this});
    settings_.tcp_turn->register_peer(settings_.peer_id, tcp_registration_);
  }
  stun_response_.reserve(256);
  boost::system::error_code ec;
  socket_.non_blocking(true, ec);
  dtls_.start();
  // A first read, not a wait: datagrams that arrived before now raised no event a wait would see.
  asio::post(loop_, [this, alive = alive_] {
    if (*alive) drain_socket();
  });
  expire_tick();
}

PeerTransport::~PeerTransport() {
  *alive_ = false;
  if (tcp_registration_) {
    tcp_registration_->peer = nullptr;  // a connection moving to us now is closed on arrival
    settings_.tcp_turn->unregister_peer(settings_.peer_id, tcp_registration_.get());
  }
  for (const auto& connection : std::exchange(tcp_connections_, {})) connection->detach();
  dtls_.close();
  UdpSendBatch::forget(socket_.native_handle());
  boost::system::error_code ec;
  socket_.close(ec);
}

std::string PeerTransport::candidate() const {
  return "candidate:1 1 UDP 2015363327 " + settings_.advertised_ip.to_string() + " " +
         std::to_string(candidate_port_.port()) + " typ host";
}

void PeerTransport::set_remote_fingerprint(std::string algorithm, std::string value) {
  dtls_.set_remote_fingerprint(std::move(algorithm), std::move(value));
}

void PeerTransport::receive() {
  // Not speculative: the handler runs once the reactor has seen the socket readable.
  socket_.async_wait(asio::ip::udp::socket::wait_read, [this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec == asio::error::operation_aborted) return;
    drain_socket();
  });
}

void PeerTransport::drain_socket() {
  // Handling a datagram may end this transport; the flag outlives it.
  const std::shared_ptr<bool> alive = alive_;
  bool more = false;
  {
    // What a batch (a video frame, or the packets of several publishers' sockets) makes us send
    // goes out in one sendmmsg per destination socket when the scope closes.
    UdpSendBatch::Scope sends;
    UdpReceiveBatch& batch = UdpReceiveBatch::for_this_thread();
    const UdpReceiveBatch::Read read = batch.receive(socket_.native_handle());
    stats_.dropped += read.truncated;
    for (std::size_t i = 0; i < read.kept && *alive; ++i) handle_datagram(batch.sender(i), batch.payload(i));
    more = read.full;
  }
  if (!*alive) return;
  if (more) {
    // The queue may hold more: read it after the loop's other ready handlers, not before them.
    asio::post(loop_, [this, alive] {
      if (*alive) drain_socket();
    });
  } else {
    receive();
  }
}

void PeerTransport::handle_datagram(const asio::ip::udp::endpoint& sender, std::span<std::uint8_t> datagram) {
  stats_.wire_bytes_received += datagram.size();
  ++stats_.wire_packets_received;
  turn_.handle_from_client(rtc::turn::TurnClient{sender, 0}, datagram, core::now());
}

void PeerTransport::expire_tick() {
  expire_timer_.expires_after(std::chrono::seconds(5));
  expire_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec) return;
    const auto now = core::now();
    turn_.expire(now);
    // Backwards: a tick may close a connection, which removes it from the list.
    for (std::size_t i = tcp_connections_.size(); i-- > 0;) {
      if (i >= tcp_connections_.size()) continue;
      const auto connection = tcp_connections_[i];  // kept alive while it may close itself
      connection->tick(now);
    }
    expire_tick();
  });
}

void PeerTransport::arm_dtls_timer() {
  auto timeout = dtls_.next_timeout();
  if (!timeout) {
    dtls_timer_.cancel();
    return;
  }
  dtls_timer_.expires_after(*timeout);
  dtls_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (!*alive || ec) return;
    dtls_.on_timeout();
    arm_dtls_timer();
  });
}

rtc::ice::PathId PeerTransport::path_of(const rtc::turn::TurnClient& client) {
  for (const auto& [known, path] : paths_) {
    if (known.address == client.address && known.connection == client.connection) return path;
  }
  // Bounded: the TURN server itself bounds allocations per listener.
  if (paths_.size() >= 64) {
    if (send_route_ && send_route_->path == paths_.front().second) send_route_.reset();
    paths_.erase(paths_.begin());
  }
  paths_.emplace_back(client, next_path_);
  return next_path_++;
}

const rtc::turn::TurnClient* PeerTransport::client_of(rtc::ice::PathId path) const {
  for (const auto& [client, known] : paths_) {
    if (known == path) return &client;
  }
  return nullptr;
}

rtc::turn::TurnServer* PeerTransport::server_for(const rtc::turn::TurnClient& client) {
  if (!client.is_stream()) return &turn_;
  for (const auto& connection : tcp_connections_) {
    if (connection->client().connection == client.connection) return &connection->turn();
  }
  return nullptr;
}

const PeerTransport::SendRoute* PeerTransport::route_for(rtc::ice::PathId path) {
  if (send_route_ && send_route_->path == path && send_route_->server->route_current(send_route_->route)) {
    return &*send_route_;
  }
  send_route_.reset();
  const auto* client = client_of(path);
  if (client == nullptr) return nullptr;
  auto* server = server_for(*client);
  if (server == nullptr) return nullptr;
  auto route = server->resolve_route(*client, candidate_endpoint_);
  if (!route) return nullptr;
  send_route_ = SendRoute{path, server, *route};
  return &*send_route_;
}

void PeerTransport::send_via_path(rtc::ice::PathId path, std::span<const std::uint8_t> bytes) {
  const SendRoute* route = route_for(path);
  if (route != nullptr && route->server->send_on_route(route->route, candidate_endpoint_, bytes)) {
    stats_.bytes_sent += bytes.size();
    ++stats_.packets_sent;
  }
}

void PeerTransport::send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> bytes) {
  send_to_client(client, {}, bytes, 0);
}

void PeerTransport::send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> header,
                                   std::span<const std::uint8_t> payload, std::size_t) {
  // Datagrams need no padding: ChannelData is padded over streams only.
  if (UdpSendBatch::queue(socket_.native_handle(), client.address, header, payload,
                         {&stats_.wire_bytes_sent, &stats_.wire_packets_sent})) {
    return;
  }
  boost::system::error_code ec;
  const std::array<asio::const_buffer, 2> parts{asio::buffer(header.data(), header.size()),
                                                asio::buffer(payload.data(), payload.size())};
  // Non-blocking: a full socket buffer drops the datagram, as the network would.
  const std::size_t sent = socket_.send_to(parts, client.address, 0, ec);
  if (!ec) {
    stats_.wire_bytes_sent += sent;
    ++stats_.wire_packets_sent;
  }
}

void PeerTransport::on_peer_data(const rtc::turn::TurnClient& client, const udp::endpoint& peer,
                                 std::span<const std::uint8_t> payload) {
  on_relayed_data(turn_, client, peer, payload);
}

void PeerTransport::on_tcp_peer_data(TcpTurnConnection& connection, const rtc::turn::TurnClient& client,
                                     const udp::endpoint& peer, std::span<const std::uint8_t> payload) {
  on_relayed_data(connection.turn(), client, peer, payload);
}

bool PeerTransport::adopt_tcp_connection(std::shared_ptr<TcpTurnConnection> connection) {
  if (tcp_connections_.size() >= kMaxTcpConnections) {
    // Only a connection without an allocation (left over from an earlier ICE restart, or never
    // used) makes room; one that carries media is never cut for a newcomer.
    auto idle = std::find_if(tcp_connections_.begin(), tcp_connections_.end(),
                             [](const auto& known) { return known->turn().allocation_count() == 0; });
    if (idle == tcp_connections_.end()) {
      logging::warn(log_fields(), "Peer \"{}\": refusing a TCP TURN connection, {} with allocations are open",
                    settings_.peer_id, tcp_connections_.size());
      if (settings_.refusals != nullptr) settings_.refusals->add(metrics::Refusal::TurnTcpConnection);
      return false;
    }
    auto evicted = *idle;
    evicted->detach();
    on_tcp_connection_closed(*evicted);
  }
  connection->bind_owner(*this);
  tcp_connections_.push_back(std::move(connection));
  logging::info(log_fields(), "Peer \"{}\": TCP TURN connection from {}", settings_.peer_id,
                tcp_connections_.back()->client().address.address().to_string());
  return true;
}

void PeerTransport::on_tcp_connection_closed(TcpTurnConnection& connection) {
  // The cached route may point at this connection's TURN server, about to be destroyed.
  if (send_route_ && send_route_->server == &connection.turn()) send_route_.reset();
  const auto& client = connection.client();
  for (auto it = paths_.begin(); it != paths_.end(); ++it) {
    if (it->first == client) {
      ice_.forget_path(it->second);
      if (dtls_path_ == it->second) dtls_path_.reset();
      paths_.erase(it);
      break;
    }
  }
  // Last: this may release the connection, whose close() is the caller.
  std::erase_if(tcp_connections_, [&](const auto& known) { return known.get() == &connection; });
}

void PeerTransport::on_relayed_data(rtc::turn::TurnServer& server, const rtc::turn::TurnClient& client,
                                    const udp::endpoint& peer, std::span<const std::uint8_t> payload) {
  if (payload.empty() || peer.port() != candidate_port_.port()) {
    ++stats_.dropped;
    return;
  }
  const rtc::ice::PathId path = path_of(client);
  const auto demuxed = demux_relayed_payload(payload);
  switch (demuxed.kind) {
    case RelayedKind::Stun: {
      auto relayed = server.relayed_address(client);
      const udp::endpoint mapped = relayed ? *relayed : client.address;
      auto verdict = ice_.handle_binding(*demuxed.stun, path, mapped, stun_response_);
      if (verdict == rtc::ice::BindingVerdict::Answered || verdict == rtc::ice::BindingVerdict::Nominated) {
        server.send_from_peer(client, candidate_endpoint_, stun_response_);
      } else if (verdict == rtc::ice::BindingVerdict::Unauthenticated) {
        ++stats_.dropped;
      }
      return;
    }
    case RelayedKind::Dtls:
      // DTLS only from a path whose checks proved knowledge of our ICE password: a forged early
      // ClientHello from elsewhere cannot reach the handshake.
      if (!ice_.verified(path)) {
        ++stats_.dropped;
        return;
      }
      dtls_path_ = path;
      if (!dtls_.handle_incoming(payload)) ++stats_.dropped;
      arm_dtls_timer();
      return;
    case RelayedKind::Rtp:
    case RelayedKind::Rtcp:
      if (!ice_.verified(path)) {
        ++stats_.dropped;
        return;
      }
      on_media(path, payload, demuxed.kind == RelayedKind::Rtcp);
      return;
    case RelayedKind::Dropped:
      ++stats_.dropped;
      return;
  }
}

void PeerTransport::on_media(rtc::ice::PathId, std::span<const std::uint8_t> payload, bool rtcp) {
  if (!srtp_in_ || payload.size() > kMaxPacket) {
    ++stats_.dropped;
    return;
  }
  std::memcpy(media_buffer_.data(), payload.data(), payload.size());
  const std::span<std::uint8_t> buffer(media_buffer_);
  stats_.bytes_received += payload.size();
  ++stats_.packets_received;
  const std::uint64_t refused_before = srtp_in_->refused_ssrc_packets();
  auto length = rtcp ? srtp_in_->unprotect_rtcp(buffer, payload.size()) : srtp_in_->unprotect_rtp(buffer, payload.size());
  if (!length) {
    ++stats_.dropped;
    if (settings_.refusals != nullptr && srtp_in_->refused_ssrc_packets() != refused_before) {
      settings_.refusals->add(metrics::Refusal::UnknownSrtpSsrc);
    }
    return;
  }
  if (rtcp) {
    handler_.on_rtcp(buffer.first(*length));
  } else {
    handler_.on_rtp(buffer.first(*length));
  }
}

std::span<std::uint8_t> PeerTransport::rtp_buffer(std::span<std::uint8_t> scratch) {
  in_place_ = nullptr;
  auto path = ice_.selected_path();
  if (!srtp_out_ || !path) return scratch;
  const SendRoute* route = route_for(*path);
  if (route == nullptr || route->server != &turn_ || !route->route.channel) return scratch;
  auto slot = UdpSendBatch::slot();
  constexpr std::size_t kHeader = rtc::stun::ChannelData::kHeaderSize;
  if (slot.size() < kHeader + kMaxPacket + rtc::srtp::kMaxTrailerLength) return scratch;
  in_place_ = slot.data();
  return slot.subspan(kHeader);
}

void PeerTransport::send_rtp(std::span<std::uint8_t> buffer, std::size_t length) {
  constexpr std::size_t kHeader = rtc::stun::ChannelData::kHeaderSize;
  const bool in_place = in_place_ != nullptr && buffer.data() == in_place_ + kHeader;
  in_place_ = nullptr;
  auto path = ice_.selected_path();
  if (!srtp_out_ || !path) return;
  auto protected_length = srtp_out_->protect_rtp(buffer, length);
  if (!protected_length) return;
  if (in_place) {
    const SendRoute* route = route_for(*path);
    std::span<std::uint8_t, kHeader> header(buffer.data() - kHeader, kHeader);
    if (route != nullptr && route->server == &turn_ &&
        route->server->frame_on_route(route->route, header, *protected_length) &&
        UdpSendBatch::commit_slot(std::span(header.data(), kHeader + *protected_length), socket_.native_handle(),
                                  route->route.client.address, {&stats_.wire_bytes_sent, &stats_.wire_packets_sent})) {
      stats_.bytes_sent += *protected_length;
      ++stats_.packets_sent;
      return;
    }
  }
  send_via_path(*path, buffer.first(*protected_length));
}

void PeerTransport::send_rtcp(std::span<std::uint8_t> buffer, std::size_t length) {
  auto path = ice_.selected_path();
  if (!srtp_out_ || !path) return;
  auto protected_length = srtp_out_->protect_rtcp(buffer, length);
  if (!protected_length) return;
  send_via_path(*path, buffer.first(*protected_length));
}

void PeerTransport::send_dtls(std::span<const std::uint8_t> datagram) {
  auto path = ice_.selected_path();
  if (!path) path = dtls_path_;
  if (path) send_via_path(*path, datagram);
}

void PeerTransport::on_dtls_connected(const rtc::dtls::SrtpKeyMaterial& keys) {
  using rtc::srtp::SrtpSession;
  srtp_in_ = SrtpSession::create(SrtpSession::Direction::Inbound, keys.profile, keys.remote_key_salt);
  srtp_out_ = SrtpSession::create(SrtpSession::Direction::Outbound, keys.profile, keys.local_key_salt);
  if (!srtp_in_ || !srtp_out_) {
    srtp_in_.reset();
    srtp_out_.reset();
    handler_.on_transport_failed("SRTP setup failed");
    return;
  }
  logging::info(log_fields(), "Peer \"{}\": DTLS-SRTP connected", settings_.peer_id);
  // Deferred: the handler may start sending, which re-enters this transport.
  asio::post(loop_, [this, alive = alive_] {
    if (*alive) handler_.on_transport_connected();
  });
}

void PeerTransport::on_dtls_failed(std::string_view reason) {
  logging::warn(log_fields(), "Peer \"{}\": DTLS handshake failed: {}", settings_.peer_id, reason);
  asio::post(loop_, [this, alive = alive_, text = std::string(reason)] {
    if (*alive) handler_.on_transport_failed(text);
  });
}

void PeerTransport::on_dtls_closed() {
  logging::info(log_fields(), "Peer \"{}\": DTLS closed by the browser", settings_.peer_id);
}

}  // namespace shoal::webrtc
