#include "rtc/rtp/rtp_packet.hpp"
#include "rtc/rtp/rtx_packet.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace shoal::rtc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// PT 96, seq 0x0102, ssrc 0xAAAA0001, one-byte extension (id 3 twcc), payload "hi", 2 padding.
Bytes original() {
  return {0xB0, 0xE0, 0x01, 0x02, 0, 0, 0x10, 0, 0xAA, 0xAA, 0x00, 0x01,
          0xBE, 0xDE, 0x00, 0x01, 0x31, 0x00, 0x07, 0x00, 'h', 'i', 0x00, 0x02};
}

TEST(RtxPacket, WrapThenUnwrapRestoresTheOriginal) {
  Bytes source = original();
  std::array<std::uint8_t, 64> out{};
  auto size = rtx_wrap(source, out, 97, 0xBBBB0002, 500);
  ASSERT_EQ(size, 24u);  // 20 header + OSN + "hi", padding dropped
  auto rtx = RtpPacket::parse(std::span(out).first(*size));
  ASSERT_TRUE(rtx);
  EXPECT_EQ(rtx->payload_type(), 97);
  EXPECT_TRUE(rtx->marker());
  EXPECT_EQ(rtx->ssrc(), 0xBBBB0002u);
  EXPECT_EQ(rtx->sequence_number(), 500);
  EXPECT_EQ(rtx->padding_size(), 0u);
  EXPECT_EQ(rtx->extension_u16(3), 7);
  EXPECT_EQ(Bytes(rtx->payload().begin(), rtx->payload().end()), (Bytes{0x01, 0x02, 'h', 'i'}));

  auto restored = rtx_unwrap(std::span(out).first(*size), 96, 0xAAAA0001);
  ASSERT_TRUE(restored);
  EXPECT_EQ(restored->data(), out.data() + 2);
  auto packet = RtpPacket::parse(*restored);
  ASSERT_TRUE(packet);
  EXPECT_EQ(packet->sequence_number(), 0x0102);
  EXPECT_EQ(packet->payload_type(), 96);
  EXPECT_EQ(packet->ssrc(), 0xAAAA0001u);
  EXPECT_EQ(packet->extension_u16(3), 7);
  EXPECT_EQ(Bytes(packet->payload().begin(), packet->payload().end()), (Bytes{'h', 'i'}));
}

TEST(RtxPacket, RejectsProbesGarbageAndSmallBuffers) {
  Bytes probe = {0xA0, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 4};  // padding only: no OSN
  EXPECT_FALSE(rtx_unwrap(probe, 96, 1));
  Bytes one_byte = {0x80, 97, 0, 1, 0, 0, 0, 0, 0, 0, 0, 2, 7};
  EXPECT_FALSE(rtx_unwrap(one_byte, 96, 1));
  Bytes garbage = {0x00, 1, 2};
  EXPECT_FALSE(rtx_unwrap(garbage, 96, 1));
  std::array<std::uint8_t, 23> small{};
  EXPECT_FALSE(rtx_wrap(original(), small, 97, 1, 1));
  EXPECT_FALSE(rtx_wrap(garbage, small, 97, 1, 1));
}

}  // namespace
}  // namespace shoal::rtc::rtp
