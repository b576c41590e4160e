#include "rtc/dtls/dtls_record.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::rtc::dtls {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes record(std::uint8_t type, std::uint16_t version, std::uint16_t epoch, Bytes body) {
  Bytes out = {type,
               static_cast<std::uint8_t>(version >> 8),
               static_cast<std::uint8_t>(version),
               static_cast<std::uint8_t>(epoch >> 8),
               static_cast<std::uint8_t>(epoch),
               0x00, 0x00, 0x01, 0x02, 0x03, 0x04,
               static_cast<std::uint8_t>(body.size() >> 8),
               static_cast<std::uint8_t>(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

TEST(DtlsRecord, ParsesHeaderFields) {
  Bytes data = record(22, 0xFEFD, 1, {9, 8, 7});
  auto parsed = DtlsRecord::parse(data);
  ASSERT_TRUE(parsed);
  EXPECT_EQ(parsed->content_type, DtlsRecord::ContentType::Handshake);
  EXPECT_EQ(parsed->version, 0xFEFD);
  EXPECT_EQ(parsed->epoch, 1);
  EXPECT_EQ(parsed->sequence_number, 0x01020304u);
  EXPECT_EQ(Bytes(parsed->fragment.begin(), parsed->fragment.end()), (Bytes{9, 8, 7}));
  EXPECT_EQ(parsed->wire.size(), data.size());
}

TEST(DtlsRecord, CountsRecordsInDatagram) {
  Bytes datagram = record(22, 0xFEFF, 0, Bytes(20, 1));
  Bytes second = record(20, 0xFEFD, 0, {1});
  Bytes third = record(23, 0xFEFD, 1, {});
  datagram.insert(datagram.end(), second.begin(), second.end());
  datagram.insert(datagram.end(), third.begin(), third.end());
  EXPECT_EQ(DtlsRecord::count_records(datagram), 3u);
  EXPECT_EQ(DtlsRecord::count_records(record(25, 0xFEFD, 2, {1, 2})), 1u);
}

TEST(DtlsRecord, RejectsMalformed) {
  EXPECT_FALSE(DtlsRecord::count_records(Bytes{}));
  EXPECT_FALSE(DtlsRecord::parse(Bytes(12, 22)));
  EXPECT_FALSE(DtlsRecord::parse(record(19, 0xFEFD, 0, {})));
  EXPECT_FALSE(DtlsRecord::parse(record(24, 0xFEFD, 0, {})));  // heartbeat is not accepted
  EXPECT_FALSE(DtlsRecord::parse(record(26, 0xFEFD, 0, {})));
  EXPECT_FALSE(DtlsRecord::parse(record(22, 0x0303, 0, {})));  // TLS, not DTLS
  Bytes truncated = record(22, 0xFEFD, 0, {1, 2, 3});
  truncated.pop_back();
  EXPECT_FALSE(DtlsRecord::parse(truncated));
  Bytes trailing = record(22, 0xFEFD, 0, {1});
  trailing.push_back(0x42);
  EXPECT_TRUE(DtlsRecord::parse(trailing));
  EXPECT_FALSE(DtlsRecord::count_records(trailing));  // junk after the last record taints the datagram
  EXPECT_FALSE(DtlsRecord::count_records(Bytes{0x00, 0x01, 0x00, 0x00}));  // STUN
  EXPECT_FALSE(DtlsRecord::count_records(Bytes(40, 0x80)));              // RTP
}

TEST(DtlsRecord, HandshakeTypeOnlyForPlaintextHandshake) {
  Bytes body(12, 0);
  body[0] = 1;
  EXPECT_EQ(DtlsRecord::parse(record(22, 0xFEFF, 0, body))->plaintext_handshake_type(), 1);
  EXPECT_FALSE(DtlsRecord::parse(record(22, 0xFEFD, 1, body))->plaintext_handshake_type());
  EXPECT_FALSE(DtlsRecord::parse(record(21, 0xFEFD, 0, body))->plaintext_handshake_type());
  EXPECT_FALSE(DtlsRecord::parse(record(22, 0xFEFD, 0, Bytes(11, 1)))->plaintext_handshake_type());
}

TEST(DtlsRecord, NeverReadsPastTheSpan) {
  Bytes data = record(22, 0xFEFD, 0, Bytes(100, 7));
  for (std::size_t n = 0; n < data.size(); ++n) {
    Bytes prefix(data.begin(), data.begin() + static_cast<long>(n));
    EXPECT_FALSE(DtlsRecord::count_records(prefix)) << n;
  }
}

}  // namespace
}  // namespace shoal::rtc::dtls
