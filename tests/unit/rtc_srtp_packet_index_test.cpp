#include "rtc/srtp/srtp_packet_index.hpp"

#include <gtest/gtest.h>

namespace shoal::rtc::srtp {
namespace {

TEST(SrtpPacketIndex, FirstPacketAndEarlyReorderingKeepRolloverCounterZero) {
  EXPECT_EQ(estimate_rtp_index(std::nullopt, 65000), 65000U);
  // Highest index still in the first half of the first cycle: a high sequence number is not "before zero".
  EXPECT_EQ(estimate_rtp_index(100, 65000), 65000U);
  EXPECT_EQ(estimate_rtp_index(32768, 1), 1U);
}

TEST(SrtpPacketIndex, ForwardAcrossWrapIncrementsRolloverCounter) {
  EXPECT_EQ(estimate_rtp_index(65530, 3), (1ULL << 16) | 3);
  EXPECT_EQ(estimate_rtp_index((7ULL << 16) | 65535, 0), 8ULL << 16);
  EXPECT_EQ(estimate_rtp_index((7ULL << 16) | 40000, 40001), (7ULL << 16) | 40001);
}

TEST(SrtpPacketIndex, LateAcrossWrapUsesPreviousRolloverCounter) {
  EXPECT_EQ(estimate_rtp_index((1ULL << 16) | 2, 65534), 65534U);
  EXPECT_EQ(estimate_rtp_index((5ULL << 16) | 100, 65000), (4ULL << 16) | 65000);
  EXPECT_EQ(estimate_rtp_index((5ULL << 16) | 100, 50), (5ULL << 16) | 50);
}

TEST(SrtpPacketIndex, RolloverCounterMayNotWrap) {
  EXPECT_EQ(estimate_rtp_index((0xFFFF'FFFFULL << 16) | 65000, 1), std::nullopt);
  EXPECT_EQ(estimate_rtp_index((0xFFFF'FFFFULL << 16) | 65000, 65001), (0xFFFF'FFFFULL << 16) | 65001);
}

TEST(SrtpReplayWindow, AcceptsNewRefusesReplaysAndTooOld) {
  ReplayWindow<128> window;
  EXPECT_TRUE(window.fresh(1000));
  window.mark(1000);
  EXPECT_FALSE(window.fresh(1000));
  EXPECT_TRUE(window.fresh(999));
  EXPECT_TRUE(window.fresh(1001));
  EXPECT_TRUE(window.fresh(1000 - 127));
  EXPECT_FALSE(window.fresh(1000 - 128));
  EXPECT_TRUE(window.too_old(1000 - 128));
  window.mark(990);
  EXPECT_FALSE(window.fresh(990));
  EXPECT_EQ(window.highest(), 1000U);
}

TEST(SrtpReplayWindow, AdvancingClearsTheSlotsItReuses) {
  ReplayWindow<64> window;
  for (std::uint64_t i = 0; i < 64; ++i) window.mark(i);
  window.mark(70);  // slots of 64..69 held 0..5: they must read as unseen now
  for (std::uint64_t i = 64; i < 70; ++i) EXPECT_TRUE(window.fresh(i)) << i;
  EXPECT_FALSE(window.fresh(70));
  EXPECT_FALSE(window.fresh(6));  // 64 behind: outside
  EXPECT_FALSE(window.fresh(7));  // inside and seen
  window.mark(70 + 1000);  // a jump past the whole window forgets everything
  EXPECT_TRUE(window.fresh(1069));
  EXPECT_FALSE(window.fresh(1070));
}

}  // namespace
}  // namespace shoal::rtc::srtp
