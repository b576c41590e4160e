#include "media/receive_stream.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace shoal::media {
namespace {

constexpr std::int64_t kStartUs = 5'000'000;

std::vector<std::uint16_t> collect(ReceiveStream& stream, std::int64_t now_ms) {
  std::array<std::uint16_t, 64> out{};
  const std::size_t count = stream.collect_nacks(core::at_ms(now_ms), out);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(count)};
}

TEST(ReceiveStream, AGapMakesANackDueOncePerInterval) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  EXPECT_FALSE(stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, true).nack_due);
  EXPECT_FALSE(stream.on_packet(2, 0, 100, core::at_us(kStartUs), false, true).nack_due);
  const auto arrival = stream.on_packet(5, 0, 100, core::at_us(kStartUs), false, true);
  EXPECT_TRUE(arrival.fresh);
  EXPECT_TRUE(arrival.nack_due);
  EXPECT_EQ(collect(stream, kStartUs / 1000), (std::vector<std::uint16_t>{3, 4}));
  // Within the interval nothing is due, however many packets come.
  EXPECT_FALSE(stream.on_packet(6, 0, 100, core::at_us(kStartUs + 19'000), false, true).nack_due);
  // After it, the NACK is due again, but the generator holds each number back for its retry time.
  EXPECT_TRUE(stream.on_packet(7, 0, 100, core::at_us(kStartUs + 20'000), false, true).nack_due);
  EXPECT_TRUE(collect(stream, kStartUs / 1000 + 20).empty());
  EXPECT_EQ(collect(stream, kStartUs / 1000 + 100), (std::vector<std::uint16_t>{3, 4}));
}

TEST(ReceiveStream, LossesOfStreamsWithoutLossTrackingAreNotRequested) {
  ReceiveStream stream;
  stream.bind(0x1234, 48000);
  stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, false);
  EXPECT_FALSE(stream.on_packet(9, 0, 100, core::at_us(kStartUs), false, false).nack_due);
  EXPECT_TRUE(collect(stream, kStartUs / 1000).empty());
}

TEST(ReceiveStream, ARetransmissionIsFreshOnlyWhenItFillsAGap) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, true);
  stream.on_packet(3, 0, 100, core::at_us(kStartUs), false, true);
  EXPECT_TRUE(stream.on_packet(2, 0, 100, core::at_us(kStartUs + 30'000), true, true).fresh);   // repairs 2
  EXPECT_FALSE(stream.on_packet(2, 0, 100, core::at_us(kStartUs + 40'000), true, true).fresh);  // again: a duplicate
  EXPECT_FALSE(stream.on_packet(1, 0, 100, core::at_us(kStartUs + 40'000), true, true).fresh);  // a bandwidth probe
  EXPECT_EQ(stream.statistics().received(), 3u);
}

TEST(ReceiveStream, AGapNackCannotRepairAsksForAKeyframe) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, true);
  EXPECT_TRUE(stream.on_packet(2000, 0, 100, core::at_us(kStartUs), false, true).keyframe_needed);
  EXPECT_FALSE(stream.on_packet(2001, 0, 100, core::at_us(kStartUs), false, true).keyframe_needed);
}

TEST(ReceiveStream, KeyframeRequestsAreRetriedAfterTheRetryTimeUntilAKeyframeComes) {
  ReceiveStream stream;
  EXPECT_TRUE(stream.keyframe_request_due(core::at_ms(1000)));
  stream.keyframe_requested(core::at_ms(1000));
  EXPECT_FALSE(stream.keyframe_request_due(core::at_ms(1000 + ReceiveStream::kKeyframeRetry.count() - 1)));
  EXPECT_TRUE(stream.keyframe_request_due(core::at_ms(1000 + ReceiveStream::kKeyframeRetry.count())));
  stream.keyframe_requested(core::at_ms(1600));
  stream.keyframe_received();
  EXPECT_TRUE(stream.keyframe_request_due(core::at_ms(1601)));
}

TEST(ReceiveStream, BindingANewSsrcStartsStatisticsAndLossTrackingOver) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, true);
  stream.on_packet(5, 0, 100, core::at_us(kStartUs), false, true);
  stream.bind(0x5678, 90000);
  EXPECT_EQ(stream.ssrc(), 0x5678u);
  EXPECT_EQ(stream.statistics().received(), 0u);
  EXPECT_FALSE(stream.on_packet(40000, 0, 100, core::at_us(kStartUs + 1000), false, true).nack_due);
}

TEST(ReceiveStream, ActivityFollowsPackets) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  EXPECT_FALSE(stream.active());
  stream.on_packet(1, 0, 100, core::at_us(kStartUs), false, true);
  EXPECT_TRUE(stream.mark_active());
  EXPECT_FALSE(stream.mark_active());
  EXPECT_FALSE(stream.expire(core::at_ms(kStartUs / 1000 + 1500), std::chrono::milliseconds{1500}));
  EXPECT_TRUE(stream.expire(core::at_ms(kStartUs / 1000 + 1501), std::chrono::milliseconds{1500}));
  EXPECT_FALSE(stream.active());
  EXPECT_FALSE(stream.expire(core::at_ms(kStartUs / 1000 + 3000), std::chrono::milliseconds{1500}));
}

TEST(ReceiveStream, RateIsSmoothedAndKeptWhileSilent) {
  ReceiveStream stream;
  stream.bind(0x1234, 90000);
  stream.on_packet(1, 0, 1000, core::at_us(kStartUs), false, false);
  stream.update_rate(1.0);
  EXPECT_DOUBLE_EQ(stream.bitrate_bps(), 8000);
  stream.on_packet(2, 0, 3000, core::at_us(kStartUs), false, false);
  stream.update_rate(1.0);
  EXPECT_DOUBLE_EQ(stream.bitrate_bps(), 16000);  // half old, half new
  stream.update_rate(1.0);
  EXPECT_DOUBLE_EQ(stream.bitrate_bps(), 16000);
}

}  // namespace
}  // namespace shoal::media
