#include "rtc/rtp/rtp_munger.hpp"
#include "rtc/rtp/sequence_number.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::rtc::rtp {
namespace {

using Mapped = RtpMunger::Mapped;

TEST(SequenceNumber, NewerHandlesWrap) {
  EXPECT_TRUE(seq_newer(1, 0));
  EXPECT_FALSE(seq_newer(0, 1));
  EXPECT_FALSE(seq_newer(5, 5));
  EXPECT_TRUE(seq_newer(0, 0xFFFF));
  EXPECT_TRUE(seq_newer(10, 0xFFF0));
  EXPECT_FALSE(seq_newer(0xFFF0, 10));
  EXPECT_NE(seq_newer(0x8000, 0), seq_newer(0, 0x8000));
}

TEST(SequenceNumber, UnwrapperIsMonotonicAcrossWrap) {
  SequenceUnwrapper u;
  EXPECT_EQ(u.unwrap(0xFFFE), 0xFFFE);
  EXPECT_EQ(u.unwrap(0xFFFF), 0xFFFF);
  EXPECT_EQ(u.unwrap(0), 0x10000);
  EXPECT_EQ(u.unwrap(0xFFFD), 0xFFFD);  // late packet from before the wrap
  EXPECT_EQ(u.unwrap(2), 0x10002);
  EXPECT_EQ(u.peek(1), 0x10001);
}

TEST(RtpMunger, PassesThroughWithoutSwitch) {
  RtpMunger munger(90000);
  EXPECT_FALSE(munger.has_output());
  EXPECT_EQ(munger.map(65534, 1000, core::at_ms(0)), (Mapped{65534, 1000}));
  EXPECT_EQ(munger.map(65535, 4000, core::at_ms(33)), (Mapped{65535, 4000}));
  EXPECT_EQ(munger.map(1, 7000, core::at_ms(66)), (Mapped{1, 7000}));
  EXPECT_EQ(munger.map(0, 7000, core::at_ms(67)), (Mapped{0, 7000}));  // reordered across the wrap
  EXPECT_EQ(munger.last_sequence_number(), 1);
  EXPECT_EQ(munger.last_timestamp(), 7000u);
}

TEST(RtpMunger, SwitchContinuesNumberingAndAdvancesTimestampByElapsedTime) {
  RtpMunger munger(90000);
  munger.map(100, 50000, core::at_ms(1000));
  munger.map(101, 53000, core::at_ms(1033));
  // 40 ms later the first keyframe of another variant arrives with unrelated numbers.
  auto first = munger.map(30000, 9'000'000, core::at_ms(1073), /*switch_source=*/true);
  EXPECT_EQ(first, (Mapped{102, 53000 + 40 * 90}));
  EXPECT_EQ(munger.map(30001, 9'003'000, core::at_ms(1100)), (Mapped{103, 53000 + 3600 + 3000}));
  // Packets of the new source from before the switch point are dropped.
  EXPECT_FALSE(munger.map(29999, 8'997'000, core::at_ms(1101)));
  // Out-of-order packets after the switch point are mapped.
  munger.map(30004, 9'006'000, core::at_ms(1110));
  EXPECT_EQ(munger.map(30003, 9'006'000, core::at_ms(1111)), (Mapped{105, 53000 + 3600 + 6000}));
  EXPECT_EQ(munger.last_sequence_number(), 106);
}

TEST(RtpMunger, SwitchWithNoElapsedTimeStillAdvancesTimestamp) {
  RtpMunger munger(48000);
  munger.map(10, 960, core::at_ms(500));
  EXPECT_EQ(munger.map(7, 123456, core::at_ms(500), true), (Mapped{11, 961}));
}

TEST(RtpMunger, SwitchOffsetsWrapAround) {
  RtpMunger munger(90000);
  munger.map(2, 10, core::at_ms(0));
  EXPECT_EQ(munger.map(65000, 0xFFFFFF00u, core::at_ms(0), true), (Mapped{3, 11}));
  EXPECT_EQ(munger.map(65535, 0xFFFFFFFFu, core::at_ms(0)), (Mapped{538, 11 + 0xFF}));
  EXPECT_EQ(munger.map(0, 0x100u, core::at_ms(10)), (Mapped{539, 11 + 0xFF + 0x101}));
}

TEST(RtpMunger, SwitchBackAndForthStaysContinuous) {
  RtpMunger munger(90000);
  std::vector<std::uint16_t> out;
  std::int64_t now = 0;
  std::uint16_t a = 1000, b = 50000;
  for (int round = 0; round < 4; ++round) {
    for (int i = 0; i < 5; ++i) out.push_back(munger.map(a++, 0, core::at_ms(now++), i == 0 && round > 0)->sequence_number);
    for (int i = 0; i < 5; ++i) out.push_back(munger.map(b++, 0, core::at_ms(now++), i == 0)->sequence_number);
  }
  for (std::size_t i = 1; i < out.size(); ++i) EXPECT_EQ(out[i], static_cast<std::uint16_t>(out[i - 1] + 1));
}

TEST(RtpMunger, PaddingProbesConsumeSequenceNumbers) {
  RtpMunger munger(90000);
  EXPECT_FALSE(munger.next_padding());
  munger.map(10, 3000, core::at_ms(0));
  munger.map(12, 3000, core::at_ms(0));  // 11 still missing
  EXPECT_EQ(munger.next_padding(), (Mapped{13, 3000}));
  EXPECT_EQ(munger.next_padding(), (Mapped{14, 3000}));
  EXPECT_EQ(munger.map(13, 6000, core::at_ms(0)), (Mapped{15, 6000}));
  // The late packet keeps the mapping it would have had before the probes.
  EXPECT_EQ(munger.map(11, 3000, core::at_ms(0)), (Mapped{11, 3000}));
  EXPECT_EQ(munger.next_padding(), (Mapped{16, 6000}));
  EXPECT_EQ(munger.map(14, 9000, core::at_ms(0)), (Mapped{17, 9000}));
  EXPECT_EQ(munger.map(13, 6000, core::at_ms(0)), (Mapped{15, 6000}));  // retransmission maps the same
}

TEST(RtpMunger, ManyProbesForgetOnlyTheOldestOffsets) {
  RtpMunger munger(90000);
  std::uint16_t seq = 0;
  munger.map(seq, 0, core::at_ms(0));
  for (int i = 0; i < 40; ++i) {
    munger.next_padding();
    munger.map(++seq, 0, core::at_ms(0));
  }
  EXPECT_EQ(munger.map(seq, 0, core::at_ms(0))->sequence_number, 80);
  EXPECT_EQ(munger.map(static_cast<std::uint16_t>(seq - 3), 0, core::at_ms(0))->sequence_number, 74);
  EXPECT_FALSE(munger.map(1, 0, core::at_ms(0)));  // offset of that era is gone: dropped rather than misnumbered
}

TEST(RtpMunger, RewritesPacketInPlace) {
  std::vector<std::uint8_t> bytes = {0x80, 96, 0x00, 0x05, 0, 0, 0, 9, 0, 0, 0, 1, 0xAA};
  auto packet = RtpPacket::parse(bytes);
  ASSERT_TRUE(packet);
  RtpMunger munger(90000);
  munger.map(70, 100, core::at_ms(0));
  ASSERT_TRUE(munger.rewrite(*packet, core::at_ms(0), true));
  EXPECT_EQ(packet->sequence_number(), 71);
  EXPECT_EQ(packet->timestamp(), 101u);
  bytes[3] = 4;  // older than the switch
  EXPECT_FALSE(munger.rewrite(*packet, core::at_ms(0)));
  EXPECT_EQ(packet->sequence_number(), 4);
}

}  // namespace
}  // namespace shoal::rtc::rtp
