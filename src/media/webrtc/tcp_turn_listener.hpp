#pragma once
// The node's one TCP TURN listener (JF_WEBRTC_TURN_TCP_PORT), for browsers whose UDP is
// blocked. It accepts connections on one loop and only reads them until the first request that
// authenticates with the shared TCP secret names a peer ("<ts>:<peer id>"); from then on the
// connection belongs to that peer and lives on its room's loop (see TcpTurnConnection), so media
// never crosses loops. The peer registry below is touched on connection setup only.
#include "config/env_readers.hpp"
#include "core/result.hpp"
#include "metrics/refusal_counters.hpp"
#include "rtc/turn/turn_server_config.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace shoal::webrtc {

class TcpTurnConnection;

// A peer that can take TCP TURN connections; implemented by PeerTransport. Called on the
// peer's loop only.
class TcpTurnPeer {
 public:
  virtual ~TcpTurnPeer() = default;
  // False refuses the connection (the peer has too many); it is then closed.
  virtual bool adopt_tcp_connection(std::shared_ptr<TcpTurnConnection> connection) = 0;
};

// What the registry knows of a peer: its loop, and the peer itself while it exists. `peer` is
// read and cleared on `loop` only; the registry holds this weakly.
struct TcpTurnRegistration {
  boost::asio::io_context& loop;
  TcpTurnPeer* peer;
};

struct TcpTurnListenerSettings {
  boost::asio::ip::tcp::endpoint listen;     // JF_WEBRTC_TURN_LISTEN_IP : JF_WEBRTC_TURN_TCP_PORT
  boost::asio::ip::address advertised_ip;    // JF_WEBRTC_TURN_IP
  config::PortRange turn_port_range;         // JF_WEBRTC_TURN_PORT_RANGE (mock relayed ports)
  metrics::RefusalCounters* refusals = nullptr;  // node-wide shoal_refused_total
};

class TcpTurnListener : public std::enable_shared_from_this<TcpTurnListener> {
 public:
  // Binds and starts accepting on `loop`; the error says why when the port cannot be bound.
  static core::Result<std::shared_ptr<TcpTurnListener>, std::string> start(boost::asio::io_context& loop,
                                                                          TcpTurnListenerSettings settings);
  ~TcpTurnListener();
  TcpTurnListener(const TcpTurnListener&) = delete;
  TcpTurnListener& operator=(const TcpTurnListener&) = delete;

  // --- any thread ---
  const std::string& secret() const { return turn_config_.secret; }
  std::uint16_t port() const { return port_; }
  // The per-connection TURN server configuration (secret included).
  const rtc::turn::TurnServerConfig& turn_config() const { return turn_config_; }
  void register_peer(const std::string& peer_id, const std::shared_ptr<TcpTurnRegistration>& registration);
  void unregister_peer(const std::string& peer_id, const TcpTurnRegistration* registration);
  void count_refusal() {
    if (refusals_ != nullptr) refusals_->add(metrics::Refusal::TurnTcpConnection);
  }
  std::shared_ptr<TcpTurnRegistration> find_peer(std::string_view peer_id);

  // --- the listener's loop ---
  // Connections still reading their first authenticated request; bounded in all and per client
  // address, so garbage costs little and one address cannot take every slot.
  void handshake_ended(const boost::asio::ip::address& client);

  static constexpr std::size_t kMaxHandshaking = 256;
  static constexpr std::size_t kMaxHandshakingPerAddress = 16;

 private:
  TcpTurnListener(boost::asio::io_context& loop, rtc::turn::TurnServerConfig turn_config);
  void accept();

  const rtc::turn::TurnServerConfig turn_config_;
  metrics::RefusalCounters* refusals_ = nullptr;
  std::uint16_t port_ = 0;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::size_t handshaking_ = 0;
  std::unordered_map<boost::asio::ip::address, std::size_t> handshaking_by_address_;
  std::uint64_t next_connection_id_ = 1;  // 0 means UDP in TurnClient

  std::mutex registry_mutex_;
  std::unordered_map<std::string, std::weak_ptr<TcpTurnRegistration>> peers_;
};

}  // namespace shoal::webrtc
