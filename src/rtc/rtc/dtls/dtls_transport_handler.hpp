#pragma once

#include "rtc/dtls/srtp_key_material.hpp"

#include <cstdint>
#include <span>
#include <string_view>

namespace shoal::rtc::dtls {

// Callbacks from a DtlsTransport, always invoked synchronously from inside one of its methods. A handler must
// not destroy the transport from within a callback (defer it to the event loop instead).
class DtlsTransportHandler {
 public:
  virtual ~DtlsTransportHandler() = default;
  // One datagram to put on the wire as is (via the selected ICE pair); the span is valid only during the call.
  virtual void send_dtls(std::span<const std::uint8_t> datagram) = 0;
  // Handshake finished and the peer certificate matched the SDP fingerprint. Called at most once.
  virtual void on_dtls_connected(const SrtpKeyMaterial& keys) = 0;
  // Handshake failed (bad fingerprint, peer alert, retransmission limit...). Called at most once; terminal.
  virtual void on_dtls_failed(std::string_view reason) = 0;
  // The peer sent close_notify (or a fatal alert) after connecting. Terminal; SRTP keys may still be in use.
  virtual void on_dtls_closed() = 0;
};

}  // namespace shoal::rtc::dtls
