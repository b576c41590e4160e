#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>

namespace shoal::rtc::dtls {

// One DTLS record (RFC 6347 §4.1) viewed in place inside a received datagram. Used as a gate: only datagrams
// made entirely of well-formed records reach OpenSSL, so stray STUN/RTP or junk never disturbs a handshake.
struct DtlsRecord {
  static constexpr std::size_t kHeaderLength = 13;

  enum class ContentType : std::uint8_t {
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
    Tls12Cid = 25,  // RFC 9146 connection-id records
  };

  ContentType content_type{};
  std::uint16_t version = 0;          // 0xFEFF (DTLS 1.0, seen in ClientHello records) or 0xFEFD (DTLS 1.2)
  std::uint16_t epoch = 0;
  std::uint64_t sequence_number = 0;  // 48 bits
  std::span<const std::uint8_t> fragment;  // the record body
  std::span<const std::uint8_t> wire;      // header + body, i.e. how much of the input this record used

  // Parses the record at the start of `data`; nullopt if the header is invalid or the body runs past `data`.
  static std::optional<DtlsRecord> parse(std::span<const std::uint8_t> data);

  // Number of records in `datagram` if it consists only of well-formed records (at least one), each of which
  // `accept` takes (when given), else nullopt.
  static std::optional<std::size_t> count_records(std::span<const std::uint8_t> datagram,
                                                  bool (*accept)(const DtlsRecord&) = nullptr);

  // The handshake message type of the first handshake message in this record (1 = ClientHello), if this is
  // an unencrypted (epoch 0) handshake record long enough to carry a handshake header.
  std::optional<std::uint8_t> plaintext_handshake_type() const;
};

}  // namespace shoal::rtc::dtls
