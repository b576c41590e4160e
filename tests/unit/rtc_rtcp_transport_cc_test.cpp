#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/transport_cc.hpp"
#include "rtc/rtcp/transport_cc_feedback_generator.hpp"

#include <gtest/gtest.h>

#include <array>
#include <vector>

namespace shoal::rtc::rtcp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Result = TransportCc::PacketResult;

struct Decoded {
  TransportCc cc;
  std::vector<Result> results;
};

std::optional<Decoded> decode(std::span<const std::uint8_t> bytes) {
  auto compound = RtcpCompound::parse(bytes);
  if (!compound || compound->packet_count() != 1) return std::nullopt;
  auto cc = TransportCc::parse(*compound->begin());
  if (!cc) return std::nullopt;
  std::vector<Result> results(cc->packet_status_count());
  auto count = cc->packet_results(results);
  if (!count) return std::nullopt;
  return Decoded{*cc, results};
}

// Rebuilds arrival times (in 250 us ticks) from decoded results, as a sender would.
std::vector<std::int64_t> arrival_ticks(const Decoded& d) {
  std::vector<std::int64_t> out;
  std::int64_t at = std::int64_t{d.cc.reference_time()} * 256;  // 64 ms = 256 ticks
  for (const auto& r : d.results) {
    if (!r.received) {
      out.push_back(-1);
      continue;
    }
    at += r.delta_ticks;
    out.push_back(at);
  }
  return out;
}

TEST(TransportCcWriter, KnownAnswerWithLossAndPadding) {
  std::array<std::uint8_t, 64> out{};
  const std::array<std::int64_t, 4> arrivals = {129'000, 129'500, kNotReceived, 130'000};
  auto written = write_transport_cc(out, 0x01020304, 0x0A0B0C0D, 100, 7, arrivals);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->packets_reported, 4u);
  ASSERT_EQ(written->length, 28u);
  const Bytes expected = {0xAF, 0xCD, 0x00, 0x06, 0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D, 0x00, 0x64,
                          0x00, 0x04, 0x00, 0x00, 0x02, 0x07, 0xD4, 0x40, 0x04, 0x02, 0x02, 0x00, 0x00, 0x03};
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 28), expected);

  auto decoded = decode(std::span(out.data(), written->length));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->cc.base_sequence_number(), 100);
  EXPECT_EQ(decoded->cc.reference_time(), 2);
  EXPECT_EQ(decoded->cc.feedback_packet_count(), 7);
  EXPECT_EQ(decoded->results, (std::vector<Result>{{100, true, 4}, {101, true, 2}, {102, false, 0}, {103, true, 2}}));
}

TEST(TransportCcWriter, LongRunsUseRunLengthChunks) {
  // 40 received packets 1 ms apart, 20 lost, 40 more: three run-length chunks.
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < 40; ++i) arrivals.push_back(1'000'000 + i * 1000);
  for (int i = 0; i < 20; ++i) arrivals.push_back(kNotReceived);
  for (int i = 0; i < 40; ++i) arrivals.push_back(1'100'000 + i * 1000);
  std::array<std::uint8_t, 1200> out{};
  auto written = write_transport_cc(out, 1, 2, 65530, 0, arrivals);  // base near the wrap
  ASSERT_TRUE(written);
  EXPECT_EQ(written->packets_reported, 100u);
  // Chunks: run(small x 40), run(not received x 20), run(small x 40).
  auto decoded = decode(std::span(out.data(), written->length));
  ASSERT_TRUE(decoded);
  ASSERT_EQ(decoded->results.size(), 100u);
  EXPECT_EQ(decoded->results[0].sequence_number, 65530);
  EXPECT_EQ(decoded->results[99].sequence_number, static_cast<std::uint16_t>(65530 + 99));
  EXPECT_EQ(static_cast<std::uint16_t>(out[20] << 8 | out[21]), 0x2000 | 40);  // run of 40 small deltas
  EXPECT_EQ(static_cast<std::uint16_t>(out[22] << 8 | out[23]), 20);           // run of 20 not received
  const auto ticks = arrival_ticks(*decoded);
  for (std::size_t i = 0; i < arrivals.size(); ++i) {
    if (arrivals[i] < 0) {
      EXPECT_EQ(ticks[i], -1) << i;
    } else {
      EXPECT_EQ(ticks[i], arrivals[i] / 250) << i;
    }
  }
}

TEST(TransportCcWriter, LargeAndNegativeDeltasRoundTrip) {
  // Reordering (negative delta), a 100 ms gap (large delta), a mix that needs 2-bit vectors.
  const std::vector<std::int64_t> arrivals = {5'000'000, 5'000'250, 4'999'000, kNotReceived, 5'100'000,
                                              5'100'500, kNotReceived, 5'101'000, 5'101'250, 5'400'000,
                                              5'400'250, 5'400'500, 5'400'750, 5'401'000, 5'401'250};
  std::array<std::uint8_t, 256> out{};
  auto written = write_transport_cc(out, 1, 2, 7, 1, arrivals);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->packets_reported, arrivals.size());
  EXPECT_EQ(written->length % 4, 0u);
  auto decoded = decode(std::span(out.data(), written->length));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->results[2].delta_ticks, -5);  // 1250 us earlier than the previous arrival
  const auto ticks = arrival_ticks(*decoded);
  for (std::size_t i = 0; i < arrivals.size(); ++i) EXPECT_EQ(ticks[i], arrivals[i] < 0 ? -1 : arrivals[i] / 250) << i;
}

TEST(TransportCcWriter, OneBitVectorForMixedSmallAndLost) {
  std::vector<std::int64_t> arrivals;
  for (int i = 0; i < 14; ++i) arrivals.push_back(i % 3 == 2 ? kNotReceived : 64'000 + i * 500);
  std::array<std::uint8_t, 128> out{};
  auto written = write_transport_cc(out, 1, 2, 0, 0, arrivals);
  ASSERT_TRUE(written);
  const auto chunk = static_cast<std::uint16_t>(out[20] << 8 | out[21]);
  EXPECT_EQ(chunk & 0xC000, 0x8000);  // one-bit status vector
  auto decoded = decode(std::span(out.data(), written->length));
  ASSERT_TRUE(decoded);
  for (std::size_t i = 0; i < arrivals.size(); ++i) EXPECT_EQ(decoded->results[i].received, arrivals[i] >= 0) << i;
}

TEST(TransportCcWriter, StopsAtDeltaOverflowAndSmallBuffer) {
  // 10 s gap does not fit 16 bits of 250 us: the second packet goes into the next feedback.
  const std::array<std::int64_t, 3> gap = {1'000'000, 11'000'000, 11'000'250};
  std::array<std::uint8_t, 64> out{};
  auto written = write_transport_cc(out, 1, 2, 0, 0, gap);
  ASSERT_TRUE(written);
  EXPECT_EQ(written->packets_reported, 1u);

  std::vector<std::int64_t> many;
  for (int i = 0; i < 300; ++i) many.push_back(1'000'000 + i * 100'000);  // all large deltas
  std::array<std::uint8_t, 100> small{};
  written = write_transport_cc(small, 1, 2, 0, 0, many);
  ASSERT_TRUE(written);
  EXPECT_LE(written->length, small.size());
  EXPECT_LT(written->packets_reported, many.size());
  auto decoded = decode(std::span(small.data(), written->length));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->results.size(), written->packets_reported);

  EXPECT_FALSE(write_transport_cc(out, 1, 2, 0, 0, std::span<const std::int64_t>{}));
  const std::array<std::int64_t, 2> lost_first = {kNotReceived, 1000};
  EXPECT_FALSE(write_transport_cc(out, 1, 2, 0, 0, lost_first));
  std::array<std::uint8_t, 16> tiny{};
  EXPECT_FALSE(write_transport_cc(tiny, 1, 2, 0, 0, gap));
}

TEST(TransportCcParser, RejectsTruncatedChunksAndDeltas) {
  std::array<std::uint8_t, 64> out{};
  const std::array<std::int64_t, 3> arrivals = {64'000, 64'250, 64'500};
  auto written = write_transport_cc(out, 1, 2, 0, 0, arrivals);
  ASSERT_TRUE(written);
  // Claim more packets than the chunks carry deltas for.
  out[15] = 40;
  auto compound = RtcpCompound::parse(std::span(out.data(), written->length));
  ASSERT_TRUE(compound);
  auto cc = TransportCc::parse(*compound->begin());
  ASSERT_TRUE(cc);
  std::vector<Result> results(40);
  EXPECT_FALSE(cc->packet_results(results));
  std::vector<Result> too_small(2);
  EXPECT_FALSE(cc->packet_results(too_small));
}

TEST(TransportCcFeedbackGenerator, ReportsArrivalsOnceEveryInterval) {
  TransportCcFeedbackGenerator generator;
  std::array<std::uint8_t, 1200> out{};
  EXPECT_FALSE(generator.pending());
  generator.on_packet(65534, 0xAB, core::at_us(1'000'000));
  generator.on_packet(65535, 0xAB, core::at_us(1'001'000));
  generator.on_packet(1, 0xAB, core::at_us(1'003'000));  // 0 lost, across the wrap
  generator.on_packet(0, 0xAB, core::at_us(1'004'000));  // late, still unreported: fills the gap
  EXPECT_TRUE(generator.pending());
  EXPECT_FALSE(generator.due(core::at_us(1'010'000)));
  EXPECT_TRUE(generator.due(core::at_us(1'050'000)));
  auto length = generator.write(out, 1, core::at_us(1'050'000));
  ASSERT_TRUE(length);
  auto decoded = decode(std::span(out.data(), *length));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->cc.media_ssrc(), 0xABu);
  EXPECT_EQ(decoded->cc.base_sequence_number(), 65534);
  ASSERT_EQ(decoded->results.size(), 4u);
  for (const auto& r : decoded->results) EXPECT_TRUE(r.received);
  EXPECT_EQ(decoded->results[3].delta_ticks, -4);  // seq 1 arrived 1 ms after seq 0
  EXPECT_FALSE(generator.pending());
  EXPECT_FALSE(generator.due(core::at_us(2'000'000)));

  generator.on_packet(0, 0xAB, core::at_us(1'060'000));  // already reported: ignored
  EXPECT_FALSE(generator.pending());
  generator.on_packet(5, 0xAB, core::at_us(1'070'000));  // 2..4 lost
  length = generator.write(out, 1, core::at_us(1'070'000));
  ASSERT_TRUE(length);
  decoded = decode(std::span(out.data(), *length));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->cc.base_sequence_number(), 5);  // feedback starts at a received packet
  EXPECT_EQ(decoded->cc.feedback_packet_count(), 1);
}

TEST(TransportCcFeedbackGenerator, BoundedWindowDropsOldestAndSendsEarly) {
  TransportCcFeedbackGenerator generator;
  std::array<std::uint8_t, 1200> out{};
  for (int i = 0; i < 3000; ++i) {
    generator.on_packet(static_cast<std::uint16_t>(i), 1, core::at_us(1'000'000 + i * 10));
  }
  EXPECT_TRUE(generator.due(core::at_us(1'000'000)));  // many waiting: do not wait for the interval
  std::size_t reported = 0;
  std::uint16_t first_base = 0;
  for (int i = 0; i < 10 && generator.pending(); ++i) {
    auto length = generator.write(out, 1, core::at_us(2'000'000));
    ASSERT_TRUE(length);
    auto decoded = decode(std::span(out.data(), *length));
    ASSERT_TRUE(decoded);
    if (i == 0) first_base = decoded->cc.base_sequence_number();
    reported += decoded->results.size();
  }
  EXPECT_EQ(first_base, 3000 - TransportCcFeedbackGenerator::kWindow);
  EXPECT_EQ(reported, TransportCcFeedbackGenerator::kWindow);
}

}  // namespace
}  // namespace shoal::rtc::rtcp
