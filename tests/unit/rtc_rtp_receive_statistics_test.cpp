#include "rtc/rtp/receive_statistics.hpp"

#include <gtest/gtest.h>

namespace shoal::rtc::rtp {
namespace {

TEST(ReceiveStatistics, NothingBeforeTheFirstPacket) {
  ReceiveStatistics stats(90000);
  EXPECT_FALSE(stats.report(1, core::at_us(0)));
}

TEST(ReceiveStatistics, LossFractionCumulativeAndExtendedSequence) {
  ReceiveStatistics stats(90000);
  // 65530..65535, 0..9 with 2 and 3 missing: 16 expected, 14 received.
  std::int64_t t = 0;
  for (int s = 65530; s < 65546; ++s) {
    const auto seq = static_cast<std::uint16_t>(s);
    if (seq == 2 || seq == 3) continue;
    stats.on_packet(seq, static_cast<std::uint32_t>(s * 3000), core::at_us(t += 33'333));
  }
  auto block = stats.report(0x1234, core::at_us(t));
  ASSERT_TRUE(block);
  EXPECT_EQ(block->ssrc, 0x1234u);
  EXPECT_EQ(block->cumulative_lost, 2);
  EXPECT_EQ(block->extended_highest_sequence, 65536u + 9);
  EXPECT_EQ(block->fraction_lost, 2 * 256 / 16);
  EXPECT_EQ(block->last_sender_report, 0u);

  // The next interval: the two arrive late (repaired), nothing new lost.
  stats.on_packet(2, 0, core::at_us(t + 1000), true);
  stats.on_packet(3, 0, core::at_us(t + 2000), true);
  stats.on_packet(10, static_cast<std::uint32_t>(65546 * 3000), core::at_us(t + 33'333));
  block = stats.report(0x1234, core::at_us(t + 40'000));
  ASSERT_TRUE(block);
  EXPECT_EQ(block->cumulative_lost, 0);
  EXPECT_EQ(block->fraction_lost, 0);
}

TEST(ReceiveStatistics, JitterGrowsWithUnevenArrivalAndStaysZeroWhenEven) {
  ReceiveStatistics even(90000);
  ReceiveStatistics uneven(90000);
  for (int i = 0; i < 100; ++i) {
    const auto ts = static_cast<std::uint32_t>(i * 3000);  // 33.3 ms at 90 kHz
    even.on_packet(static_cast<std::uint16_t>(i), ts, core::at_us(i * 33'333 + 10));
    uneven.on_packet(static_cast<std::uint16_t>(i), ts, core::at_us(i * 33'333 + (i % 2 ? 10'000 : 0)));
  }
  EXPECT_LE(even.report(1, core::at_us(4'000'000))->jitter, 1u);
  // 10 ms alternation = 900 ticks of |D|: jitter converges to about 900.
  const auto jitter = uneven.report(1, core::at_us(4'000'000))->jitter;
  EXPECT_GT(jitter, 800u);
  EXPECT_LT(jitter, 950u);
}

TEST(ReceiveStatistics, LastSenderReportAndDelay) {
  ReceiveStatistics stats(48000);
  stats.on_packet(1, 0, core::at_us(0));
  stats.on_sender_report(0x1122334455667788ull, core::at_us(1'000'000));
  auto block = stats.report(5, core::at_us(1'500'000));
  ASSERT_TRUE(block);
  EXPECT_EQ(block->last_sender_report, 0x33445566u);
  EXPECT_EQ(block->delay_since_last_sender_report, 32768u);  // 0.5 s in 1/65536 s
}

}  // namespace
}  // namespace shoal::rtc::rtp
