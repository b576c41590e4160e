#include "rtc/rtcp/bye.hpp"
#include "rtc/rtcp/receiver_report.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/sender_report.hpp"
#include "rtc/rtcp/source_description.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoal::rtc::rtcp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// SR (no report blocks) + SDES with a 16-char CNAME: what Chrome sends for a sending track.
Bytes sr_sdes() {
  Bytes b = {0x80, 0xC8, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44,  // SR, ssrc
             0xE9, 0x4A, 0x3B, 0x2C, 0x80, 0x00, 0x00, 0x00,  // NTP
             0x00, 0x01, 0x5F, 0x90,                          // RTP ts 90000
             0x00, 0x00, 0x00, 0x64,                          // 100 packets
             0x00, 0x00, 0x27, 0x10,                          // 10000 octets
             0x81, 0xCA, 0x00, 0x06, 0x11, 0x22, 0x33, 0x44,  // SDES 1 chunk
             0x01, 0x10};
  for (char c : std::string("abcdefghijklmnop")) b.push_back(static_cast<std::uint8_t>(c));
  b.push_back(0x00);
  b.push_back(0x00);
  return b;
}

// RR with two report blocks, the second with negative cumulative loss.
Bytes rr_two_blocks() {
  return {0x82, 0xC9, 0x00, 0x0D, 0xAA, 0xAA, 0xAA, 0xAA,
          0x01, 0x01, 0x01, 0x01, 0x40, 0x00, 0x01, 0x2C, 0x00, 0x01, 0x10, 0x00,
          0x00, 0x00, 0x00, 0x20, 0x4A, 0x3B, 0x2C, 0x80, 0x00, 0x01, 0x00, 0x00,
          0x02, 0x02, 0x02, 0x02, 0x00, 0xFF, 0xFF, 0xFE, 0x00, 0x00, 0x00, 0x05,
          0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
}

TEST(RtcpDemux, SecondByteRangeSelectsRtcp) {
  EXPECT_TRUE(is_rtcp(Bytes{0x80, 200, 0, 1}));
  EXPECT_TRUE(is_rtcp(Bytes{0x81, 205, 0, 2}));
  EXPECT_TRUE(is_rtcp(Bytes{0x80, 192, 0, 0}));
  EXPECT_TRUE(is_rtcp(Bytes{0x80, 223, 0, 0}));
  EXPECT_FALSE(is_rtcp(Bytes{0x80, 191, 0, 0}));
  EXPECT_FALSE(is_rtcp(Bytes{0x80, 224, 0, 0}));
  EXPECT_FALSE(is_rtcp(Bytes{0x80, 0x6F, 0, 0}));  // RTP PT 111
  EXPECT_FALSE(is_rtcp(Bytes{0x80, 0xEF, 0, 0}));  // RTP PT 111 with marker
  EXPECT_FALSE(is_rtcp(Bytes{0x40, 200, 0, 0}));   // wrong version
  EXPECT_FALSE(is_rtcp(Bytes{0x80, 200}));
}

TEST(RtcpCompound, IteratesSenderReportAndSdes) {
  Bytes bytes = sr_sdes();
  auto compound = RtcpCompound::parse(bytes);
  ASSERT_TRUE(compound);
  EXPECT_EQ(compound->packet_count(), 2u);
  std::vector<std::uint8_t> types;
  std::vector<std::size_t> offsets;
  for (const auto& packet : *compound) {
    types.push_back(packet.type);
    offsets.push_back(packet.offset);
  }
  EXPECT_EQ(types, (std::vector<std::uint8_t>{200, 202}));
  EXPECT_EQ(offsets, (std::vector<std::size_t>{0, 28}));

  auto it = compound->begin();
  auto sr = SenderReport::parse(*it);
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->sender_ssrc(), 0x11223344u);
  EXPECT_EQ(sr->sender().ntp_timestamp, 0xE94A3B2C80000000ull);
  EXPECT_EQ(sr->sender().rtp_timestamp, 90000u);
  EXPECT_EQ(sr->sender().packet_count, 100u);
  EXPECT_EQ(sr->sender().octet_count, 10000u);
  EXPECT_EQ(sr->report_count(), 0u);
  EXPECT_FALSE(ReceiverReport::parse(*it));

  ++it;
  auto sdes = SourceDescription::parse(*it);
  ASSERT_TRUE(sdes);
  EXPECT_EQ(sdes->chunk_count(), 1u);
  std::size_t cursor = 0;
  auto cname = sdes->next_cname(cursor);
  ASSERT_TRUE(cname);
  EXPECT_EQ(cname->ssrc, 0x11223344u);
  EXPECT_EQ(cname->cname, "abcdefghijklmnop");
  EXPECT_FALSE(sdes->next_cname(cursor));
  ++it;
  EXPECT_TRUE(it == compound->end());
}

TEST(RtcpCompound, ReceiverReportBlocks) {
  Bytes bytes = rr_two_blocks();
  auto compound = RtcpCompound::parse(bytes);
  ASSERT_TRUE(compound);
  auto rr = ReceiverReport::parse(*compound->begin());
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->sender_ssrc(), 0xAAAAAAAAu);
  ASSERT_EQ(rr->report_count(), 2u);
  ReportBlock first = rr->report(0);
  EXPECT_EQ(first.ssrc, 0x01010101u);
  EXPECT_EQ(first.fraction_lost, 0x40);
  EXPECT_EQ(first.cumulative_lost, 300);
  EXPECT_EQ(first.extended_highest_sequence, 0x00011000u);
  EXPECT_EQ(first.jitter, 32u);
  EXPECT_EQ(first.last_sender_report, 0x4A3B2C80u);
  EXPECT_EQ(first.delay_since_last_sender_report, 65536u);
  EXPECT_EQ(rr->report(1).cumulative_lost, -2);
  EXPECT_EQ(rr->report(1).extended_highest_sequence, 5u);
  EXPECT_EQ(rr->report(2), ReportBlock{});
}

TEST(RtcpCompound, WritersRoundTrip) {
  std::array<ReportBlock, 2> blocks{};
  blocks[0] = ReportBlock{1, 2, -3, 4, 5, 6, 7};
  blocks[1] = ReportBlock{8, 255, 0x7FFFFF, 9, 10, 11, 12};
  std::array<std::uint8_t, 128> out{};
  auto rr_size = write_receiver_report(out, 0xABCDEF01, blocks);
  ASSERT_EQ(rr_size, 56u);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 4), (Bytes{0x82, 0xC9, 0x00, 0x0D}));
  auto compound = RtcpCompound::parse(std::span(out).first(*rr_size));
  ASSERT_TRUE(compound);
  auto rr = ReceiverReport::parse(*compound->begin());
  ASSERT_TRUE(rr);
  EXPECT_EQ(rr->sender_ssrc(), 0xABCDEF01u);
  EXPECT_EQ(rr->report(0), blocks[0]);
  EXPECT_EQ(rr->report(1), blocks[1]);

  // Known answer: the SR bytes of sr_sdes().
  SenderInfo info{0x11223344, 0xE94A3B2C80000000ull, 90000, 100, 10000};
  auto sr_size = write_sender_report(out, info);
  ASSERT_EQ(sr_size, 28u);
  Bytes expected = sr_sdes();
  expected.resize(28);
  EXPECT_EQ(Bytes(out.begin(), out.begin() + 28), expected);

  sr_size = write_sender_report(out, info, std::span(blocks).first(1));
  ASSERT_EQ(sr_size, 52u);
  compound = RtcpCompound::parse(std::span(out).first(*sr_size));
  ASSERT_TRUE(compound);
  auto sr = SenderReport::parse(*compound->begin());
  ASSERT_TRUE(sr);
  EXPECT_EQ(sr->sender(), info);
  EXPECT_EQ(sr->report(0), blocks[0]);

  // Clamped cumulative loss.
  ReportBlock huge{1, 0, 0x7FFFFFFF, 0, 0, 0, 0};
  write_receiver_report(out, 1, std::span(&huge, 1));
  EXPECT_EQ(ReportBlock::read(std::span(out).subspan(8)).cumulative_lost, 0x7FFFFF);
}

TEST(RtcpCompound, WritersRefuseSmallBuffersAndTooManyBlocks) {
  std::array<std::uint8_t, 27> small{};
  EXPECT_FALSE(write_sender_report(small, SenderInfo{}));
  EXPECT_FALSE(write_receiver_report(std::span(small).first(7), 1, {}));
  EXPECT_EQ(write_receiver_report(std::span(small).first(8), 1, {}), 8u);
  std::vector<ReportBlock> many(32);
  std::vector<std::uint8_t> big(2000);
  EXPECT_FALSE(write_receiver_report(big, 1, many));
  EXPECT_FALSE(write_sender_report(big, SenderInfo{}, many));
}

TEST(RtcpCompound, ByeAndPadding) {
  // BYE for two SSRCs, with 4 bytes of padding (P bit) on this last packet.
  Bytes bye_bytes = {0xA2, 0xCB, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 4};
  auto compound = RtcpCompound::parse(bye_bytes);
  ASSERT_TRUE(compound);
  const RtcpPacketView view = *compound->begin();
  EXPECT_EQ(view.body.size(), 8u);
  auto bye = Bye::parse(view);
  ASSERT_TRUE(bye);
  ASSERT_EQ(bye->ssrc_count(), 2u);
  EXPECT_EQ(bye->ssrc(0), 1u);
  EXPECT_EQ(bye->ssrc(1), 2u);
  EXPECT_EQ(bye->ssrc(2), 0u);

  Bytes bad_padding = bye_bytes;
  bad_padding.back() = 0;
  EXPECT_FALSE(RtcpCompound::parse(bad_padding));
  bad_padding.back() = 13;  // more than the body
  EXPECT_FALSE(RtcpCompound::parse(bad_padding));
  bad_padding.back() = 12;  // whole body is padding: BYE then lacks its SSRCs
  compound = RtcpCompound::parse(bad_padding);
  ASSERT_TRUE(compound);
  EXPECT_FALSE(Bye::parse(*compound->begin()));
}

TEST(RtcpCompound, SdesSkipsOtherItemsAndRejectsOverruns) {
  // Two chunks: first with NAME only, second with TOOL then CNAME "xy".
  Bytes bytes = {0x82, 0xCA, 0x00, 0x06, 0, 0, 0, 1, 0x02, 0x01, 'n', 0x00,
                 0, 0, 0, 2, 0x06, 0x02, 't', 't', 0x01, 0x02, 'x', 'y', 0x00, 0x00, 0x00, 0x00};
  auto compound = RtcpCompound::parse(bytes);
  ASSERT_TRUE(compound);
  auto sdes = SourceDescription::parse(*compound->begin());
  ASSERT_TRUE(sdes);
  std::size_t cursor = 0;
  auto cname = sdes->next_cname(cursor);
  ASSERT_TRUE(cname);
  EXPECT_EQ(cname->ssrc, 2u);
  EXPECT_EQ(cname->cname, "xy");
  EXPECT_FALSE(sdes->next_cname(cursor));

  Bytes overrun = bytes;
  overrun[21] = 0x20;  // CNAME length past the packet
  compound = RtcpCompound::parse(overrun);
  ASSERT_TRUE(compound);
  EXPECT_FALSE(SourceDescription::parse(*compound->begin()));
  Bytes too_many_chunks = bytes;
  too_many_chunks[0] = 0x83;
  compound = RtcpCompound::parse(too_many_chunks);
  EXPECT_FALSE(SourceDescription::parse(*compound->begin()));
}

TEST(RtcpCompound, RejectsGarbageAndEveryTruncation) {
  Bytes bytes = sr_sdes();
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    Bytes cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(len));
    // Only the exact boundary after the SR is itself a valid compound.
    EXPECT_EQ(RtcpCompound::parse(cut).has_value(), len == 28) << len;
  }
  Bytes wrong_version = bytes;
  wrong_version[28] = 0x41;
  EXPECT_FALSE(RtcpCompound::parse(wrong_version));
  Bytes long_length = bytes;
  long_length[3] = 0x07;
  EXPECT_FALSE(RtcpCompound::parse(long_length));
  Bytes trailing = bytes;
  trailing.push_back(0x80);
  EXPECT_FALSE(RtcpCompound::parse(trailing));
  // SR whose count claims a report block that is not there.
  Bytes missing_block = bytes;
  missing_block[0] = 0x81;
  auto compound = RtcpCompound::parse(missing_block);
  ASSERT_TRUE(compound);
  EXPECT_FALSE(SenderReport::parse(*compound->begin()));
  Bytes rr = rr_two_blocks();
  rr[0] = 0x83;
  compound = RtcpCompound::parse(rr);
  ASSERT_TRUE(compound);
  EXPECT_FALSE(ReceiverReport::parse(*compound->begin()));
}

}  // namespace
}  // namespace shoal::rtc::rtcp
