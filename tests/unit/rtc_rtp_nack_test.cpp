#include "rtc/rtp/nack_generator.hpp"
#include "rtc/rtp/retransmission_buffer.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace shoal::rtc::rtp {
namespace {

std::vector<std::uint16_t> collect(NackGenerator& g, std::int64_t now_ms) {
  std::array<std::uint16_t, 64> out{};
  const std::size_t n = g.collect(core::at_ms(now_ms), out);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)};
}

using Seqs = std::vector<std::uint16_t>;

TEST(NackGenerator, NothingMissingNothingRequested) {
  NackGenerator g;
  for (std::uint16_t s = 0; s < 10; ++s) g.on_packet(s, core::at_ms(s));
  EXPECT_TRUE(collect(g, 20).empty());
  EXPECT_FALSE(g.take_keyframe_request());
}

TEST(NackGenerator, ReportsGapsAndClearsRecoveredPackets) {
  NackGenerator g;
  g.on_packet(100, core::at_ms(0));
  g.on_packet(103, core::at_ms(0));
  g.on_packet(105, core::at_ms(0));
  EXPECT_EQ(g.missing_count(), 3u);
  EXPECT_EQ(collect(g, 0), (Seqs{101, 102, 104}));
  g.on_packet(102, core::at_ms(5));  // retransmission or reordering arrives
  EXPECT_EQ(g.missing_count(), 2u);
  EXPECT_TRUE(collect(g, 50).empty());  // retry interval (100 ms) not reached
  EXPECT_EQ(collect(g, 100), (Seqs{101, 104}));
  g.on_packet(102, core::at_ms(101));  // duplicate: harmless
  EXPECT_EQ(g.missing_count(), 2u);
}

TEST(NackGenerator, HandlesWraparound) {
  NackGenerator g;
  g.on_packet(65533, core::at_ms(0));
  g.on_packet(1, core::at_ms(0));
  EXPECT_EQ(collect(g, 0), (Seqs{65534, 65535, 0}));
  g.on_packet(65535, core::at_ms(1));
  EXPECT_EQ(collect(g, 200), (Seqs{65534, 0}));
}

TEST(NackGenerator, GivesUpAfterMaxRetries) {
  NackGenerator g(NackGenerator::Config{.max_retries = 3, .max_age = std::chrono::milliseconds{10'000}, .retry_interval = std::chrono::milliseconds{10}});
  g.on_packet(1, core::at_ms(0));
  g.on_packet(3, core::at_ms(0));
  EXPECT_EQ(collect(g, 0), (Seqs{2}));
  EXPECT_EQ(collect(g, 10), (Seqs{2}));
  EXPECT_EQ(collect(g, 20), (Seqs{2}));
  EXPECT_TRUE(collect(g, 30).empty());
  EXPECT_EQ(g.missing_count(), 0u);
}

TEST(NackGenerator, GivesUpAfterMaxAge) {
  NackGenerator g;
  g.on_packet(1, core::at_ms(0));
  g.on_packet(3, core::at_ms(0));
  g.on_packet(6, core::at_ms(950));
  EXPECT_EQ(collect(g, 950), (Seqs{2, 4, 5}));
  EXPECT_EQ(collect(g, 1050), (Seqs{4, 5}));  // 2 went missing over 1 s ago
}

TEST(NackGenerator, FirstRequestDelayToleratesReordering) {
  NackGenerator g(NackGenerator::Config{.first_request_delay = std::chrono::milliseconds{20}});
  g.on_packet(1, core::at_ms(0));
  g.on_packet(3, core::at_ms(0));
  EXPECT_TRUE(collect(g, 10).empty());
  g.on_packet(2, core::at_ms(12));
  EXPECT_TRUE(collect(g, 30).empty());
}

TEST(NackGenerator, OutputLimitLeavesRestForNextCall) {
  NackGenerator g;
  g.on_packet(0, core::at_ms(0));
  g.on_packet(10, core::at_ms(0));
  std::array<std::uint16_t, 4> out{};
  EXPECT_EQ(g.collect(core::at_ms(0), out), 4u);
  EXPECT_EQ(out[0], 1);
  EXPECT_EQ(collect(g, 0), (Seqs{5, 6, 7, 8, 9}));
}

TEST(NackGenerator, HugeGapResetsAndAsksForKeyframe) {
  NackGenerator g;
  g.on_packet(0, core::at_ms(0));
  g.on_packet(2, core::at_ms(0));
  g.on_packet(5000, core::at_ms(0));
  EXPECT_EQ(g.missing_count(), 0u);
  EXPECT_TRUE(g.take_keyframe_request());
  EXPECT_FALSE(g.take_keyframe_request());
  g.on_packet(5002, core::at_ms(1));
  EXPECT_EQ(collect(g, 1), (Seqs{5001}));
}

TEST(NackGenerator, OverflowKeepsNewestLosses) {
  NackGenerator g;
  std::uint16_t seq = 0;
  g.on_packet(seq, core::at_ms(0));
  for (int i = 0; i < 300; ++i) {
    seq = static_cast<std::uint16_t>(seq + 2);
    g.on_packet(seq, core::at_ms(0));
  }
  EXPECT_EQ(g.missing_count(), NackGenerator::kCapacity);
  EXPECT_TRUE(g.take_keyframe_request());
  std::array<std::uint16_t, NackGenerator::kCapacity> out{};
  ASSERT_EQ(g.collect(core::at_ms(0), out), NackGenerator::kCapacity);
  EXPECT_EQ(out.back(), seq - 1);
  EXPECT_EQ(out.front(), seq - 1 - 2 * (NackGenerator::kCapacity - 1));
}

TEST(NackGenerator, OldPacketsAfterLongRunAreIgnored) {
  NackGenerator g;
  g.on_packet(40000, core::at_ms(0));
  g.on_packet(40001, core::at_ms(0));
  g.on_packet(10000, core::at_ms(0));  // far in the past: not a new gap
  EXPECT_EQ(g.missing_count(), 0u);
}

TEST(RetransmissionBuffer, StoresAndFindsBySequenceNumber) {
  RetransmissionBuffer buffer(8, 16);
  const std::uint8_t a[] = {1, 2, 3};
  const std::uint8_t b[] = {4, 5};
  EXPECT_TRUE(buffer.store(65535, a));
  EXPECT_TRUE(buffer.store(0, b));
  ASSERT_EQ(buffer.find(65535).size(), 3u);
  EXPECT_EQ(buffer.find(65535)[2], 3);
  ASSERT_EQ(buffer.find(0).size(), 2u);
  EXPECT_TRUE(buffer.find(1).empty());
  // 8 slots: seq 7 (slot 7) overwrites 65535 (slot 7).
  EXPECT_TRUE(buffer.store(7, b));
  EXPECT_TRUE(buffer.find(65535).empty());
  EXPECT_EQ(buffer.find(7).size(), 2u);
  buffer.clear();
  EXPECT_TRUE(buffer.find(7).empty());
}

TEST(RetransmissionBuffer, RejectsOversizedAndEmptyAndHonoursAge) {
  RetransmissionBuffer buffer(4, 4);
  const std::uint8_t big[] = {1, 2, 3, 4, 5};
  EXPECT_FALSE(buffer.store(1, big));
  EXPECT_FALSE(buffer.store(1, {}));
  EXPECT_TRUE(buffer.find(1).empty());
  EXPECT_TRUE(buffer.store(1, std::span(big).first(4), core::at_ms(1000)));
  EXPECT_EQ(buffer.find(1, core::at_ms(1500), std::chrono::milliseconds{1000}).size(), 4u);
  EXPECT_TRUE(buffer.find(1, core::at_ms(2500), std::chrono::milliseconds{1000}).empty());
  RetransmissionBuffer defaults;
  EXPECT_EQ(defaults.slots(), 512u);
  EXPECT_EQ(defaults.slot_size(), 1500u);
}

TEST(RetransmissionBuffer, StorageIsAllocatedOnlyForChunksThatHoldPackets) {
  RetransmissionBuffer buffer(256, 1200);
  EXPECT_EQ(buffer.allocated_bytes(), 0u);
  const std::uint8_t packet[] = {1, 2, 3};
  buffer.store(0, packet);
  buffer.store(1, packet);
  EXPECT_EQ(buffer.allocated_bytes(), RetransmissionBuffer::kSlotsPerChunk * 1200);
  for (std::uint16_t seq = 0; seq < 1000; ++seq) buffer.store(seq, packet);
  EXPECT_EQ(buffer.allocated_bytes(), 256u * 1200);
  EXPECT_EQ(buffer.find(999).size(), 3u);
}

TEST(RetransmissionBuffer, APacketIsResentAtMostOncePerInterval) {
  RetransmissionBuffer buffer(16, 16);
  const std::uint8_t packet[] = {1, 2, 3};
  buffer.store(5, packet, core::at_ms(0));
  auto first = buffer.take_for_resend(5, core::at_ms(10), std::chrono::milliseconds{1000}, std::chrono::milliseconds{100});
  EXPECT_EQ(first.packet.size(), 3u);
  EXPECT_FALSE(first.too_recent);
  auto repeated = buffer.take_for_resend(5, core::at_ms(60), std::chrono::milliseconds{1000}, std::chrono::milliseconds{100});
  EXPECT_TRUE(repeated.packet.empty());
  EXPECT_TRUE(repeated.too_recent);
  EXPECT_EQ(buffer.take_for_resend(5, core::at_ms(110), std::chrono::milliseconds{1000}, std::chrono::milliseconds{100}).packet.size(), 3u);
  auto missing = buffer.take_for_resend(6, core::at_ms(110), std::chrono::milliseconds{1000}, std::chrono::milliseconds{100});
  EXPECT_TRUE(missing.packet.empty());
  EXPECT_FALSE(missing.too_recent);
  // A new packet in the slot starts over.
  buffer.store(21, packet, core::at_ms(120));
  EXPECT_EQ(buffer.take_for_resend(21, core::at_ms(130), std::chrono::milliseconds{1000}, std::chrono::milliseconds{100}).packet.size(), 3u);
}

}  // namespace
}  // namespace shoal::rtc::rtp
