// DTLS datagrams arrive from any peer that got through ICE, before any authentication.
#include "rtc/dtls/dtls_record.hpp"
#include "rtc/dtls/dtls_transport.hpp"

#include <cstddef>
#include <cstdint>
#include <span>

namespace {

using shoal::rtc::dtls::DtlsCertificate;
using shoal::rtc::dtls::DtlsRecord;
using shoal::rtc::dtls::DtlsTransport;

struct NullHandler : shoal::rtc::dtls::DtlsTransportHandler {
  void send_dtls(std::span<const std::uint8_t>) override {}
  void on_dtls_connected(const shoal::rtc::dtls::SrtpKeyMaterial&) override {}
  void on_dtls_failed(std::string_view) override {}
  void on_dtls_closed() override {}
};

void walk_records(std::span<const std::uint8_t> data) {
  DtlsRecord::count_records(data);
  while (auto record = DtlsRecord::parse(data)) {
    record->plaintext_handshake_type();
    data = data.subspan(record->wire.size());
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  walk_records(input);

  static const auto certificate = DtlsCertificate::process_certificate();
  NullHandler handler;

  // The whole input as one datagram.
  {
    DtlsTransport transport(certificate, handler);
    transport.set_remote_fingerprint("sha-256", certificate->fingerprint());
    transport.start();
    transport.handle_incoming(input);
    transport.next_timeout();
    transport.on_timeout();
    transport.close();
  }

  // The input as a sequence of datagrams, each prefixed by a 16-bit length, into one session.
  DtlsTransport transport(certificate, handler);
  transport.set_remote_fingerprint("sha-256", certificate->fingerprint());
  transport.start();
  while (input.size() >= 2) {
    std::size_t length = std::min<std::size_t>((input[0] << 8) | input[1], input.size() - 2);
    transport.handle_incoming(input.subspan(2, length));
    input = input.subspan(2 + length);
  }
  transport.next_timeout();
  transport.close();
  return 0;
}
