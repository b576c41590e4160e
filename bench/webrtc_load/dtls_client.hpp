#pragma once
// The browser's half of DTLS-SRTP (RFC 5764): a DTLS 1.2 client with use_srtp that presents
// its own self-signed certificate and exports the SRTP keys once the handshake completes.
// Sans-IO: datagrams in through handle_datagram, out through take_outbound.
#include "core/result.hpp"
#include "rtc/dtls/datagram_bio.hpp"
#include "rtc/dtls/dtls_certificate.hpp"
#include "rtc/dtls/srtp_key_material.hpp"

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace shoal::bench {

class DtlsClient {
 public:
  // The error says which step OpenSSL refused.
  core::Result<void, std::string> start(std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate);
  void handle_datagram(std::span<const std::uint8_t> datagram);
  // Retransmits the last flight when OpenSSL's timer expired; call periodically while handshaking.
  void on_tick();
  std::vector<std::vector<std::uint8_t>> take_outbound() { return bio_.take_outbound(); }

  bool connected() const { return keys_.has_value(); }
  bool failed() const { return failed_; }
  // Here "local" is the client write key (what we protect with), "remote" the server's.
  const std::optional<rtc::dtls::SrtpKeyMaterial>& keys() const { return keys_; }

 private:
  void drive();
  void finish();

  std::shared_ptr<const rtc::dtls::DtlsCertificate> certificate_;
  rtc::dtls::SslCtxPtr context_;
  rtc::dtls::SslPtr ssl_;
  rtc::dtls::DatagramBio bio_;
  std::optional<rtc::dtls::SrtpKeyMaterial> keys_;
  bool failed_ = false;
};

}  // namespace shoal::bench
