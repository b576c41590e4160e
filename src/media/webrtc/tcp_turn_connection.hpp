#pragma once
// One TCP TURN connection. It owns its own TurnServer (one connection is one 5-tuple, so at most
// one allocation), which keeps the nonce it issued valid across the move below.
//
// Handshake, on the listener's loop: frames go to the TurnServer (which answers the first,
// credential-less Allocate with 401 + nonce) until a request carries a USERNAME whose
// MESSAGE-INTEGRITY checks out with the shared TCP secret. That request names the peer; the
// socket is released from the listener's loop and re-created on the peer's room loop, where the
// request and everything after it is handled and relayed data reaches the peer's ICE-lite/DTLS/SRTP.
// Hand-offs between loops are posts, so each phase is touched by one thread at a time.
#include "core/time.hpp"
#include "rtc/turn/turn_server.hpp"
#include "rtc/turn/turn_stream_framer.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace shoal::webrtc {

class TcpTurnListener;
struct TcpTurnRegistration;
class TcpTurnConnection;

// The peer side of a bound connection; implemented by PeerTransport, called on its loop.
class TcpTurnConnectionOwner {
 public:
  virtual ~TcpTurnConnectionOwner() = default;
  virtual void on_tcp_peer_data(TcpTurnConnection& connection, const rtc::turn::TurnClient& client,
                                const boost::asio::ip::udp::endpoint& peer, std::span<const std::uint8_t> payload) = 0;
  virtual void on_tcp_connection_closed(TcpTurnConnection& connection) = 0;
  // TURN frames (ChannelData or STUN) that crossed this connection, for the traffic counters.
  virtual void on_tcp_frame_received(std::size_t bytes) = 0;
  virtual void on_tcp_frame_sent(std::size_t bytes) = 0;
};

class TcpTurnConnection final : public std::enable_shared_from_this<TcpTurnConnection>,
                                private rtc::turn::TurnServerHandler {
 public:
  TcpTurnConnection(boost::asio::ip::tcp::socket socket, std::uint64_t id, std::shared_ptr<TcpTurnListener> listener);
  ~TcpTurnConnection() override;
  TcpTurnConnection(const TcpTurnConnection&) = delete;
  TcpTurnConnection& operator=(const TcpTurnConnection&) = delete;

  // Listener's loop: starts the handshake.
  void start();

  // --- the owner's loop, once bound ---
  const rtc::turn::TurnClient& client() const { return client_; }
  rtc::turn::TurnServer& turn() { return turn_; }
  // Sets the owner that gets this connection's relayed data and close notice.
  void bind_owner(TcpTurnConnectionOwner& owner) { owner_ = &owner; }
  // Expires TURN state; closes a connection that has had no allocation for a while.
  void tick(core::Time now);
  // Closes without notifying the owner (the owner is going away).
  void detach();

  std::uint64_t dropped_writes() const { return dropped_writes_; }

  static constexpr auto kHandshakeTimeout = std::chrono::seconds(5);   // accept -> authenticated request
  static constexpr auto kAllocationGrace = std::chrono::seconds(10);   // bound without an allocation
  static constexpr std::size_t kMaxHandshakeFrames = 16;
  static constexpr std::size_t kMaxQueuedBytes = 256 * 1024;           // beyond: frames are dropped
  static constexpr auto kStalledWrite = std::chrono::seconds(10);      // a client that stopped reading

 private:
  enum class State { Handshake, Moving, Bound, Closed };

  void read();
  void on_read(std::size_t size);
  void handle_frame(std::span<const std::uint8_t> frame);
  // Handshake: the peer an authenticated request names, or nullptr (after closing if unknown).
  std::shared_ptr<TcpTurnRegistration> authenticated_peer(std::span<const std::uint8_t> frame);
  void move_to_peer();
  void adopt_on_peer_loop(const std::shared_ptr<TcpTurnRegistration>& registration, int descriptor, bool v6);
  void write_now(std::span<const std::uint8_t> bytes);
  void flush();
  void close();

  // TurnServerHandler
  void send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> bytes) override;
  void send_to_client(const rtc::turn::TurnClient& client, std::span<const std::uint8_t> header,
                      std::span<const std::uint8_t> payload, std::size_t zero_padding) override;
  void on_peer_data(const rtc::turn::TurnClient& client, const boost::asio::ip::udp::endpoint& peer,
                    std::span<const std::uint8_t> payload) override;

  State state_ = State::Handshake;
  std::optional<boost::asio::ip::tcp::socket> socket_;  // re-created on the peer's loop
  std::shared_ptr<TcpTurnListener> listener_;
  rtc::turn::TurnClient client_;
  rtc::turn::TurnServer turn_;
  rtc::turn::TurnStreamFramer framer_;
  boost::asio::steady_timer handshake_timer_;  // on the listener's loop
  bool handshake_over_ = false;                // written on the listener's loop only
  std::size_t handshake_frames_ = 0;
  std::shared_ptr<TcpTurnRegistration> target_;      // set while Moving
  std::vector<std::vector<std::uint8_t>> handoff_;   // frames read before the move completed
  TcpTurnConnectionOwner* owner_ = nullptr;
  core::Time allocation_seen_at_{};  // last tick with an allocation
  std::vector<std::uint8_t> queued_;     // frames waiting for the write in flight
  std::vector<std::uint8_t> in_flight_;  // bytes of the write in flight
  bool writing_ = false;
  core::Time write_started_at_{};
  std::uint64_t dropped_writes_ = 0;
  std::array<std::uint8_t, 16 * 1024> read_buffer_{};
};

}  // namespace shoal::webrtc
