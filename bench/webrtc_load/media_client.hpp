#pragma once
// What a browser does on the wire for one peer connection, reduced to the integrated-TURN path
// membrane-webrtc-js forces (iceTransportPolicy "relay"): TURN Allocate with the long-term
// credential, CreatePermission + ChannelBind towards the server's candidate, a nominating ICE
// check through the channel, a DTLS-SRTP client handshake, then SRTP both ways.
#include "dtls_client.hpp"
#include "rtc/srtp/srtp_session.hpp"
#include "rtc/stun/stun_types.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/udp.hpp>

#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace shoal::bench {

struct TurnServerInfo {
  boost::asio::ip::udp::endpoint address;
  std::string username;
  std::string password;
};

struct MediaCallbacks {
  std::function<void()> on_connected;                         // SRTP keys ready
  std::function<void(std::span<std::uint8_t>)> on_rtp;         // decrypted RTP
  std::function<void(std::span<std::uint8_t>)> on_rtcp;        // decrypted RTCP
  std::function<void(std::span<std::uint8_t>)> on_raw_rtp;     // --no-decrypt: SRTP as received
};

class MediaClient {
 public:
  // Room left before the RTP header for the ChannelData header, and after it for the SRTP tag.
  static constexpr std::size_t kHeadroom = 4;
  static constexpr std::size_t kMaxDatagram = 1600;

  MediaClient(boost::asio::io_context& io, std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate,
              MediaCallbacks callbacks, bool decrypt);

  void start_turn(const TurnServerInfo& turn);
  // From the server's `candidate` event; permission and channel follow.
  void set_remote_candidate(const boost::asio::ip::udp::endpoint& candidate);
  // From each sdpAnswer; every new pair triggers a nominating check (as an ICE restart would).
  void set_remote_ice(const std::string& ufrag, const std::string& pwd);
  const std::string& local_ufrag() const { return local_ufrag_; }
  const std::string& local_pwd() const { return local_pwd_; }

  // Retransmissions of TURN/ICE/DTLS; call every few tens of milliseconds.
  void on_tick(std::chrono::steady_clock::time_point now);

  bool connected() const { return srtp_out_.has_value(); }
  // `buffer` holds kHeadroom free bytes, then `length` bytes of RTP/RTCP, then room for the tag.
  bool send_rtp(std::span<std::uint8_t> buffer, std::size_t length);
  bool send_rtcp(std::span<std::uint8_t> buffer, std::size_t length);

  std::uint64_t datagrams_received() const { return datagrams_received_; }
  std::uint64_t srtp_failures() const { return srtp_failures_; }
  std::string state_name() const;

 private:
  enum class State { Idle, Allocating, Permitting, Binding, Checking, Handshaking, Connected, Failed };

  void wait_readable();
  void drain();
  void handle_datagram(std::span<std::uint8_t> datagram);
  void handle_turn_response(std::span<const std::uint8_t> bytes);
  void handle_channel_payload(std::span<std::uint8_t> payload);
  void advance();
  void send_request();  // (re)sends the request of the current state
  void send_check();
  void send_channel(std::span<std::uint8_t> framed, std::size_t payload_length);
  void send_plain(std::span<const std::uint8_t> bytes);
  void flush_dtls();
  rtc::stun::TransactionId fresh_transaction();

  boost::asio::ip::udp::socket socket_;
  MediaCallbacks callbacks_;
  bool decrypt_;
  State state_ = State::Idle;
  TurnServerInfo turn_;
  std::string realm_, nonce_;
  std::array<std::uint8_t, 16> turn_key_{};
  bool authenticated_ = false;
  std::optional<boost::asio::ip::udp::endpoint> candidate_;
  std::string local_ufrag_, local_pwd_, remote_ufrag_, remote_pwd_;
  bool check_wanted_ = false;
  std::uint64_t tie_breaker_ = 0;
  rtc::stun::TransactionId pending_{};
  std::chrono::steady_clock::time_point sent_at_{};
  int attempts_ = 0;
  static constexpr std::uint16_t kChannel = 0x4000;

  DtlsClient dtls_;
  std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate_;
  std::optional<rtc::srtp::SrtpSession> srtp_in_, srtp_out_;

  std::vector<std::uint8_t> scratch_;
  std::array<std::uint8_t, kMaxDatagram> control_buffer_{};
  std::uint64_t datagrams_received_ = 0;
  std::uint64_t srtp_failures_ = 0;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

 public:
  ~MediaClient() { *alive_ = false; }
};

}  // namespace shoal::bench
