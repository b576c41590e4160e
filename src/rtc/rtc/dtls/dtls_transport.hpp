#pragma once

#include "rtc/dtls/datagram_bio.hpp"
#include "rtc/dtls/dtls_certificate.hpp"
#include "rtc/dtls/dtls_transport_handler.hpp"
#include "rtc/dtls/openssl_handles.hpp"

#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace shoal::rtc::dtls {

// One DTLS 1.2 association in the server role (the browser offers actpass, we answer a=setup:passive) used only
// to agree SRTP keys (RFC 5764). No sockets: datagrams come in through handle_incoming and go out through the
// handler. Single-threaded: call everything from the peer's event loop.
class DtlsTransport {
 public:
  enum class State { New, Handshaking, Connected, Failed, Closed };

  // Ideal MTU for handshake flights: fits inside TURN ChannelData/Data indications over a 1280-byte IPv6 path.
  static constexpr int kMtu = 1200;

  DtlsTransport(std::shared_ptr<const DtlsCertificate> certificate, DtlsTransportHandler& handler);
  ~DtlsTransport();
  DtlsTransport(const DtlsTransport&) = delete;
  DtlsTransport& operator=(const DtlsTransport&) = delete;

  // From the remote SDP a=fingerprint (e.g. "sha-256", "AB:CD:..."). Must be set before the client's
  // certificate arrives; the handshake fails if the certificate does not match.
  void set_remote_fingerprint(std::string algorithm, std::string value);

  // Waits for the ClientHello. Reports on_dtls_failed if OpenSSL cannot be set up.
  void start();

  // A datagram from the peer. Anything that is not entirely well-formed DTLS records, or holds a protected
  // record too short to be genuine, is dropped unseen: then the answer is false, for the caller to count.
  bool handle_incoming(std::span<const std::uint8_t> datagram);

  // When on_timeout should next be called to retransmit a lost flight; nullopt when no timer is needed.
  std::optional<std::chrono::milliseconds> next_timeout() const;
  void on_timeout();

  bool connected() const { return state_ == State::Connected; }
  State state() const { return state_; }

  // Sends close_notify (if a handshake is under way or done) and stops processing. No callback follows.
  void close();

 private:
  static int verify_peer(int preverify_ok, X509_STORE_CTX* store);

  bool create_ssl();
  bool peer_certificate_matches(X509* certificate) const;
  void try_client_hello(const std::array<std::uint8_t, 32>& random);
  void drive_handshake();
  void complete_handshake();
  void read_after_connect();
  bool awaiting_client_flight() const;
  void flush_outbound();
  void fail(std::string_view reason);

  std::shared_ptr<const DtlsCertificate> certificate_;
  DtlsTransportHandler& handler_;
  State state_ = State::New;
  std::string remote_algorithm_;
  std::vector<std::uint8_t> remote_digest_;
  DatagramBio bio_;
  SslCtxPtr context_;
  SslPtr ssl_;
  std::optional<std::array<std::uint8_t, 32>> client_random_;  // of the ClientHello the current SSL answered
  bool fingerprint_rejected_ = false;
};

}  // namespace shoal::rtc::dtls
