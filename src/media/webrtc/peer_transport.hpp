#pragma once
// Everything between one browser and the room for one WebRTC peer: its own UDP TURN listener
// (the browser only has relay candidates) plus the TCP TURN connections the node's shared
// listener hands over, the ICE-lite agent answering checks relayed through either, the DTLS
// server that agrees SRTP keys, and the SRTP sessions. Lives on the room's loop;
// nothing here takes a lock or allocates per packet.
#include "config/env_readers.hpp"
#include "core/result.hpp"
#include "log/log_fields.hpp"
#include "metrics/refusal_counters.hpp"
#include "rtc/dtls/dtls_certificate.hpp"
#include "rtc/dtls/dtls_transport.hpp"
#include "rtc/dtls/dtls_transport_handler.hpp"
#include "rtc/ice/ice_lite_agent.hpp"
#include "rtc/srtp/srtp_session.hpp"
#include "rtc/turn/turn_server.hpp"
#include "signaling/negotiation_event.hpp"
#include "webrtc/candidate_ports.hpp"
#include "webrtc/tcp_turn_connection.hpp"
#include "webrtc/tcp_turn_listener.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace shoal::webrtc {

struct TransportSettings {
  boost::asio::ip::address listen_ip;      // JF_WEBRTC_TURN_LISTEN_IP
  boost::asio::ip::address advertised_ip;  // JF_WEBRTC_TURN_IP
  config::PortRange turn_port_range;       // JF_WEBRTC_TURN_PORT_RANGE
  std::string room_id;                     // for the room_id field of its log lines
  std::string peer_id;
  std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate;
  std::shared_ptr<TcpTurnListener> tcp_turn;  // the node's shared TCP TURN listener, if any
  metrics::RefusalCounters* refusals = nullptr;  // node-wide shoal_refused_total
};

// The upper half of JF_WEBRTC_TURN_PORT_RANGE, where the (mock) relayed addresses are; the
// per-peer UDP listeners take the lower half, as in the original.
std::pair<std::uint16_t, std::uint16_t> relay_port_half(config::PortRange range);

class PeerTransportHandler {
 public:
  virtual ~PeerTransportHandler() = default;
  // Decrypted packets; the bytes may be modified in place and are valid only during the call.
  virtual void on_rtp(std::span<std::uint8_t> packet) = 0;
  virtual void on_rtcp(std::span<std::uint8_t> packet) = 0;
  virtual void on_transport_connected() = 0;
  virtual void on_transport_failed(std::string_view reason) = 0;
};

struct TransportStats {
  std::uint64_t bytes_received = 0, packets_received = 0;  // SRTP media
  std::uint64_t bytes_sent = 0, packets_sent = 0;
  // Everything on the TURN socket and the peer's TCP TURN connections, as the original's ICE
  // counters.
  std::uint64_t wire_bytes_received = 0, wire_packets_received = 0;
  std::uint64_t wire_bytes_sent = 0, wire_packets_sent = 0;
  std::uint64_t dropped = 0;  // malformed, unauthenticated or undecryptable input
};

class PeerTransport : private rtc::turn::TurnServerHandler,
                      private rtc::dtls::DtlsTransportHandler,
                      private TcpTurnPeer,
                      private TcpTurnConnectionOwner {
 public:
  // Binds the peer's TURN listener; the error says why when no port or address is usable.
  static core::Result<std::unique_ptr<PeerTransport>, std::string> open(boost::asio::io_context& loop,
                                                                       const TransportSettings& settings,
                                                                       PeerTransportHandler& handler);
  ~PeerTransport() override;
  PeerTransport(const PeerTransport&) = delete;
  PeerTransport& operator=(const PeerTransport&) = delete;

  // Valid for the whole session: the browser keeps the TURN servers of the first offerData.
  const std::vector<signaling::TurnServerEntry>& turn_servers() const { return turn_servers_; }
  // Every negotiation round is an ICE restart with fresh local credentials.
  const rtc::ice::IceCredentials& restart_ice() { return ice_.restart(); }
  const rtc::ice::IceCredentials& ice_credentials() const { return ice_.local(); }
  std::string candidate() const;  // the `candidate:` line of the candidate media event
  const std::string& fingerprint() const { return settings_.certificate->fingerprint(); }
  void set_remote_fingerprint(std::string algorithm, std::string value);

  bool connected() const { return srtp_out_.has_value(); }
  // Where to write the next RTP packet for send_rtp: while a send batch is open and the peer is
  // reached over a UDP TURN channel, a place in the batch behind room for the ChannelData header,
  // so the packet is encrypted and framed where it is sent from (written once); else `scratch`.
  // Valid until the next send on this thread.
  std::span<std::uint8_t> rtp_buffer(std::span<std::uint8_t> scratch);
  // `buffer` holds `length` plaintext bytes and has room for the SRTP trailer after them.
  void send_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  void send_rtcp(std::span<std::uint8_t> buffer, std::size_t length);
  const TransportStats& stats() const { return stats_; }
  // The peer stopped sending this SSRC (its track is gone): its SRTP stream is dropped.
  void forget_inbound_ssrc(std::uint32_t ssrc) {
    if (srtp_in_ && ssrc != 0) srtp_in_->forget_ssrc(ssrc);
  }

  static constexpr std::size_t kMaxPacket = 1500;
  // A browser opens a TCP connection per ICE restart; beyond this, one without an allocation
  // makes room, or the newcomer is refused.
  static constexpr std::size_t kMaxTcpConnections = 8;

 private:
  // The path packets last went out on, resolved to its TURN server and route once; resolved
  // again when the selected path changes or the route goes stale.
  struct SendRoute {
    rtc::ice::PathId path = 0;
    rtc::turn::TurnServer* server = nullptr;
    rtc::turn::TurnRoute route;
  };

  PeerTransport(boost::asio::io_context& loop, TransportSettings settings, PeerTransportHandler& handler,
                boost::asio::ip::udp::socket socket, CandidatePort candidate_port, std::string turn_secret);

  // Waits until the socket is readable, then drain_socket().
  void receive();
  // Reads and handles one batch of waiting datagrams; again (after other handlers) if the batch
  // was full, else waits for the next.
  void drain_socket();
  void handle_datagram(const boost::asio::ip::udp::endpoint& sender, std::span<std::uint8_t> datagram);
  void expire_tick();
  void arm_dtls_timer();
  rtc::ice::PathId path_of(const rtc::turn::TurnClient& client);
  const rtc::turn::TurnClient* client_of(rtc::ice::PathId path) const;
  void send_via_path(rtc::ice::PathId path, std::span<const std::uint8_t> bytes);
  const SendRoute* route_for(rtc::ice::PathId path);
  // The TURN server a client talks to: the UDP listener's or its TCP connection's.
  rtc::turn::TurnServer* server_for(const rtc::turn::TurnClient& client);
  void on_relayed_data(rtc::turn::TurnServer& server, const rtc::turn::TurnClient& client,
                       const boost::asio::ip::udp::endpoint& peer, std::span<const std::uint8_t> payload);
  void on_media(rtc::ice::PathId path, std::span<const std::uint8_t> payload, bool rtcp);
  logging::Fields log_fields() const { return logging::peer(settings_.room_id, settings_.peer_id); }

  // TurnServerHandler
  void send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> bytes) override;
  void send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload, std::size_t zero_padding) override;
  void on_peer_data(const rtc::turn::TurnClient& client, const boost::asio::ip::udp::endpoint& peer,
                    std::span<const std::uint8_t> payload) override;
  // DtlsTransportHandler
  void send_dtls(std::span<const std::uint8_t> datagram) override;
  void on_dtls_connected(const rtc::dtls::SrtpKeyMaterial& keys) override;
  void on_dtls_failed(std::string_view reason) override;
  void on_dtls_closed() override;
  // TcpTurnPeer / TcpTurnConnectionOwner
  bool adopt_tcp_connection(std::shared_ptr<TcpTurnConnection> connection) override;
  void on_tcp_peer_data(TcpTurnConnection& connection, const rtc::turn::TurnClient& client,
                        const boost::asio::ip::udp::endpoint& peer, std::span<const std::uint8_t> payload) override;
  void on_tcp_frame_received(std::size_t bytes) override {
    stats_.wire_bytes_received += bytes;
    ++stats_.wire_packets_received;
  }
  void on_tcp_frame_sent(std::size_t bytes) override {
    stats_.wire_bytes_sent += bytes;
    ++stats_.wire_packets_sent;
  }
  void on_tcp_connection_closed(TcpTurnConnection& connection) override;

  boost::asio::io_context& loop_;
  TransportSettings settings_;
  PeerTransportHandler& handler_;
  boost::asio::ip::udp::socket socket_;
  CandidatePort candidate_port_;
  boost::asio::ip::udp::endpoint candidate_endpoint_;
  std::vector<signaling::TurnServerEntry> turn_servers_;
  rtc::turn::TurnServer turn_;
  std::shared_ptr<TcpTurnRegistration> tcp_registration_;  // how the TCP listener finds us
  std::vector<std::shared_ptr<TcpTurnConnection>> tcp_connections_;  // oldest first
  rtc::ice::IceLiteAgent ice_;
  rtc::dtls::DtlsTransport dtls_;
  std::optional<rtc::srtp::SrtpSession> srtp_in_;
  std::optional<rtc::srtp::SrtpSession> srtp_out_;
  std::vector<std::pair<rtc::turn::TurnClient, rtc::ice::PathId>> paths_;  // one per TURN client
  rtc::ice::PathId next_path_ = 1;
  std::optional<rtc::ice::PathId> dtls_path_;  // where DTLS came from before a nomination
  std::optional<SendRoute> send_route_;  // see SendRoute
  std::uint8_t* in_place_ = nullptr;     // the last rtp_buffer() handed out in the send batch
  boost::asio::steady_timer dtls_timer_;
  boost::asio::steady_timer expire_timer_;
  std::array<std::uint8_t, kMaxPacket + rtc::srtp::kMaxTrailerLength> media_buffer_{};
  std::vector<std::uint8_t> stun_response_;
  TransportStats stats_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace shoal::webrtc
