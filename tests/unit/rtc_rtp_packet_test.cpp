#include "rtc/rtp/rtp_packet.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::rtc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// V=2, M=1, PT=111, seq 0x1234, ts 0xDEADBEEF, ssrc 0x01020304, payload "abc".
Bytes plain_packet() {
  return {0x80, 0xEF, 0x12, 0x34, 0xDE, 0xAD, 0xBE, 0xEF, 0x01, 0x02, 0x03, 0x04, 'a', 'b', 'c'};
}

// Two CSRCs, one-byte extension block (id 1 audio level len 1, padding byte, id 3 twcc len 2,
// trailing padding to a word), payload "xy", 3 bytes of RTP padding.
Bytes full_packet() {
  return {0xB2, 0x60, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x10, 0xAA, 0xBB, 0xCC, 0xDD,
          0x11, 0x11, 0x11, 0x11,  // CSRC 0
          0x22, 0x22, 0x22, 0x22,  // CSRC 1
          0xBE, 0xDE, 0x00, 0x02,  // one-byte profile, 2 words
          0x10, 0x85,              // id 1, len 1: audio level
          0x00,                    // padding
          0x31, 0x01, 0x02,        // id 3, len 2: transport-wide seq 0x0102
          0x00, 0x00,              // padding
          'x', 'y', 0x00, 0x00, 0x03};
}

// Two-byte profile (0x1000 with appbits 0), ids 200 (len 0) and 5 (len 3).
Bytes two_byte_packet() {
  return {0x90, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
          0x10, 0x00, 0x00, 0x02,  // two-byte profile, 2 words
          200,  0x00,              // id 200, empty value
          0x05, 0x03, 0x07, 0x08, 0x09,
          0x00,  // padding
          'p'};
}

TEST(RtpPacket, ParsesFixedHeader) {
  Bytes bytes = plain_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->marker());
  EXPECT_EQ(packet->payload_type(), 111);
  EXPECT_EQ(packet->sequence_number(), 0x1234);
  EXPECT_EQ(packet->timestamp(), 0xDEADBEEFu);
  EXPECT_EQ(packet->ssrc(), 0x01020304u);
  EXPECT_EQ(packet->csrc_count(), 0u);
  EXPECT_EQ(packet->extension_profile(), ExtensionProfile::None);
  EXPECT_EQ(packet->header_size(), 12u);
  EXPECT_EQ(packet->padding_size(), 0u);
  ASSERT_EQ(packet->payload().size(), 3u);
  EXPECT_EQ(packet->payload()[0], 'a');
  EXPECT_TRUE(packet->extension(1).empty());
}

TEST(RtpPacket, SettersWriteInPlace) {
  Bytes bytes = plain_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  packet->set_marker(false);
  packet->set_payload_type(96);
  packet->set_sequence_number(0xFFFE);
  packet->set_timestamp(7);
  packet->set_ssrc(0xCAFEBABE);
  EXPECT_EQ(bytes, (Bytes{0x80, 96, 0xFF, 0xFE, 0, 0, 0, 7, 0xCA, 0xFE, 0xBA, 0xBE, 'a', 'b', 'c'}));
  packet->set_marker(true);
  packet->set_payload_type(0xFF);  // only 7 bits exist
  EXPECT_EQ(bytes[1], 0xFF);
  EXPECT_TRUE(packet->marker());
  EXPECT_EQ(packet->payload_type(), 127);
}

TEST(RtpPacket, ParsesCsrcExtensionsAndPadding) {
  Bytes bytes = full_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_FALSE(packet->marker());
  EXPECT_EQ(packet->payload_type(), 96);
  EXPECT_EQ(packet->csrc_count(), 2u);
  EXPECT_EQ(packet->csrc(0), 0x11111111u);
  EXPECT_EQ(packet->csrc(1), 0x22222222u);
  EXPECT_EQ(packet->csrc(2), 0u);
  EXPECT_EQ(packet->extension_profile(), ExtensionProfile::OneByte);
  EXPECT_EQ(packet->extension_profile_id(), 0xBEDE);
  EXPECT_EQ(packet->header_size(), 32u);
  EXPECT_EQ(packet->padding_size(), 3u);
  ASSERT_EQ(packet->payload().size(), 2u);
  EXPECT_EQ(packet->payload()[0], 'x');
  EXPECT_EQ(packet->payload()[1], 'y');

  ASSERT_EQ(packet->extension(1).size(), 1u);
  EXPECT_EQ(packet->extension(1)[0], 0x85);
  EXPECT_EQ(packet->extension_u16(3), 0x0102);
  EXPECT_TRUE(packet->extension(2).empty());
  EXPECT_TRUE(packet->extension(0).empty());
  EXPECT_TRUE(packet->extension(15).empty());
  EXPECT_TRUE(packet->extension(-1).empty());
  EXPECT_TRUE(packet->extension(1000).empty());

  std::vector<int> ids;
  packet->for_each_extension([&](int id, std::span<const std::uint8_t>) { ids.push_back(id); });
  EXPECT_EQ(ids, (std::vector<int>{1, 3}));
}

TEST(RtpPacket, ParsesTwoByteExtensions) {
  Bytes bytes = two_byte_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->extension_profile(), ExtensionProfile::TwoByte);
  EXPECT_EQ(packet->extension(5).size(), 3u);
  EXPECT_EQ(packet->extension(5)[2], 0x09);
  std::vector<std::pair<int, std::size_t>> seen;
  packet->for_each_extension([&](int id, std::span<const std::uint8_t> v) { seen.emplace_back(id, v.size()); });
  EXPECT_EQ(seen, (std::vector<std::pair<int, std::size_t>>{{200, 0}, {5, 3}}));
  ASSERT_EQ(packet->payload().size(), 1u);
  EXPECT_EQ(packet->payload()[0], 'p');
}

TEST(RtpPacket, UnknownProfileKeepsBlockButHidesElements) {
  Bytes bytes = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0x12, 0x34, 0x00, 0x01, 0x10, 0x85, 0, 0, 'z'};
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->extension_profile(), ExtensionProfile::Other);
  EXPECT_EQ(packet->extension_profile_id(), 0x1234);
  EXPECT_TRUE(packet->extension(1).empty());
  EXPECT_EQ(packet->payload().size(), 1u);
}

TEST(RtpPacket, SetsFixedSizeExtensionValues) {
  Bytes bytes = full_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_TRUE(packet->set_extension_u16(3, 0xABCD));
  EXPECT_EQ(bytes[28], 0xAB);
  EXPECT_EQ(bytes[29], 0xCD);
  const std::uint8_t level[] = {0x7F};
  EXPECT_TRUE(packet->set_extension_value(1, level));
  EXPECT_EQ(bytes[25], 0x7F);
  const std::uint8_t wrong_size[] = {1, 2};
  EXPECT_FALSE(packet->set_extension_value(1, wrong_size));
  EXPECT_FALSE(packet->set_extension_u16(1, 5));
  EXPECT_FALSE(packet->set_extension_u16(9, 5));
  EXPECT_EQ(bytes[25], 0x7F);
}

TEST(RtpPacket, RewritesOneByteIdsAndErasesUnmappedAsPadding) {
  Bytes bytes = full_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  std::array<std::uint8_t, 256> map{};
  map[3] = 5;  // twcc 3 -> 5, audio level 1 unmapped -> erased
  packet->rewrite_extension_ids(map);
  const Bytes expected_ext = {0x00, 0x00, 0x00, 0x51, 0x01, 0x02, 0x00, 0x00};
  EXPECT_EQ(Bytes(bytes.begin() + 24, bytes.begin() + 32), expected_ext);
  EXPECT_TRUE(packet->extension(1).empty());
  EXPECT_EQ(packet->extension_u16(5), 0x0102);
  EXPECT_EQ(packet->payload()[0], 'x');  // payload did not move

  // Reparsing from scratch sees the same thing a receiver would.
  auto reparsed = RtpPacket::parse(bytes);
  ASSERT_TRUE(reparsed);
  int elements = 0;
  reparsed->for_each_extension([&](int, std::span<const std::uint8_t>) { ++elements; });
  EXPECT_EQ(elements, 1);
}

TEST(RtpPacket, OneByteIdAbove14CannotBeExpressedAndIsErased) {
  Bytes bytes = full_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  std::array<std::uint8_t, 256> map{};
  map[1] = 1;
  map[3] = 15;
  packet->rewrite_extension_ids(map);
  EXPECT_EQ(packet->extension(1).size(), 1u);
  EXPECT_TRUE(packet->extension(15).empty());
  EXPECT_EQ(bytes[27], 0);
}

TEST(RtpPacket, RewritesTwoByteIds) {
  Bytes bytes = two_byte_packet();
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  std::array<std::uint8_t, 256> map{};
  map[5] = 250;
  packet->rewrite_extension_ids(map);
  EXPECT_EQ(bytes[16], 0);
  EXPECT_EQ(bytes[17], 0);
  EXPECT_EQ(bytes[18], 250);
  EXPECT_EQ(packet->extension(250).size(), 3u);
  EXPECT_TRUE(packet->extension(200).empty());
}

TEST(RtpPacket, StopsAtReservedIdAndMalformedElements) {
  // id 15 ends parsing: id 2 after it is invisible (and therefore not rewritten either).
  Bytes reserved = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0xF0, 0x20};
  // "0x20" is id 2 with len 1 but there is no value byte left in the block.
  reserved.push_back('q');
  auto packet = RtpPacket::parse(reserved);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->extension(1).size(), 1u);
  EXPECT_TRUE(packet->extension(2).empty());

  Bytes truncated = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0x22, 0x01};
  packet = RtpPacket::parse(truncated);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->extension(1).size(), 1u);
  EXPECT_TRUE(packet->extension(2).empty());
  std::array<std::uint8_t, 256> map{};
  packet->rewrite_extension_ids(map);  // must not write past the block
  EXPECT_EQ(truncated[18], 0x22);
  EXPECT_EQ(truncated[19], 0x01);
}

TEST(RtpPacket, IdZeroWithLengthIsSkippedAsOneBytePaddingLikeLibwebrtc) {
  Bytes bytes = {0x90, 0x60, 0, 1, 0, 0, 0, 1, 0, 0, 0, 2, 0xBE, 0xDE, 0, 1, 0x03, 0x20, 0x44, 0x00};
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  ASSERT_EQ(packet->extension(2).size(), 1u);
  EXPECT_EQ(packet->extension(2)[0], 0x44);
}

TEST(RtpPacket, PaddingOnlyPacket) {
  Bytes bytes(12 + 255, 0);
  bytes[0] = 0xA0;
  bytes[1] = 96;
  bytes.back() = 255;
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->padding_size(), 255u);
  EXPECT_TRUE(packet->payload().empty());
}

TEST(RtpPacket, RejectsMalformed) {
  Bytes bytes = plain_packet();
  bytes[0] = 0x40;  // version 1
  EXPECT_FALSE(RtpPacket::parse(bytes));
  bytes[0] = 0xC0;  // version 3
  EXPECT_FALSE(RtpPacket::parse(bytes));

  Bytes zero_padding = plain_packet();
  zero_padding[0] |= 0x20;
  zero_padding.back() = 0;
  EXPECT_FALSE(RtpPacket::parse(zero_padding));

  Bytes too_much_padding = plain_packet();
  too_much_padding[0] |= 0x20;
  too_much_padding.back() = 4;  // only 3 bytes after the header
  EXPECT_FALSE(RtpPacket::parse(too_much_padding));
  too_much_padding.back() = 3;
  EXPECT_TRUE(RtpPacket::parse(too_much_padding));

  Bytes csrc_overflow = plain_packet();  // 15 bytes
  csrc_overflow[0] = 0x81;                // one CSRC needs 16
  EXPECT_FALSE(RtpPacket::parse(csrc_overflow));
  csrc_overflow.push_back('d');
  EXPECT_TRUE(RtpPacket::parse(csrc_overflow));
  csrc_overflow[0] = 0x8F;
  EXPECT_FALSE(RtpPacket::parse(csrc_overflow));

  Bytes huge_extension = full_packet();
  huge_extension[22] = 0xFF;  // extension length in words far beyond the buffer
  EXPECT_FALSE(RtpPacket::parse(huge_extension));

  EXPECT_FALSE(RtpPacket::parse({}));
}

TEST(RtpPacket, EveryTruncationOfTheHeaderIsRejected) {
  for (Bytes original : {full_packet(), two_byte_packet(), plain_packet()}) {
    auto full = RtpPacket::parse(original);
    ASSERT_TRUE(full);
    const std::size_t header = full->header_size();
    for (std::size_t len = 0; len < header; ++len) {
      Bytes cut(original.begin(), original.begin() + static_cast<std::ptrdiff_t>(len));
      EXPECT_FALSE(RtpPacket::parse(cut)) << "len " << len;
    }
  }
  // With padding, any truncation changes the final count byte: cutting inside the payload must
  // never yield a view reaching past the buffer.
  Bytes padded = full_packet();
  for (std::size_t len = 0; len <= padded.size(); ++len) {
    Bytes cut(padded.begin(), padded.begin() + static_cast<std::ptrdiff_t>(len));
    if (auto p = RtpPacket::parse(cut)) {
      EXPECT_LE(p->header_size() + p->payload().size() + p->padding_size(), cut.size());
    }
  }
}

}  // namespace
}  // namespace shoal::rtc::rtp
