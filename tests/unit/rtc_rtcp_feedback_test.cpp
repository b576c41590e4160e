#include "rtc/rtcp/feedback_header.hpp"
#include "rtc/rtcp/full_intra_request.hpp"
#include "rtc/rtcp/generic_nack.hpp"
#include "rtc/rtcp/picture_loss_indication.hpp"
#include "rtc/rtcp/receiver_estimated_max_bitrate.hpp"
#include "rtc/rtcp/receiver_report.hpp"
#include "rtc/rtcp/rtcp_compound.hpp"
#include "rtc/rtcp/transport_cc.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <vector>

namespace shoal::rtc::rtcp {
namespace {

using Bytes = std::vector<std::uint8_t>;
using Seqs = std::vector<std::uint16_t>;

RtcpPacketView single(std::span<const std::uint8_t> bytes) {
  auto view = read_packet(bytes, 0);
  EXPECT_TRUE(view);
  return view.value_or(RtcpPacketView{});
}

Seqs lost(const GenericNack& nack) {
  std::array<std::uint16_t, 1024> out{};
  const std::size_t n = nack.lost_sequence_numbers(out);
  return {out.begin(), out.begin() + static_cast<std::ptrdiff_t>(n)};
}

TEST(RtcpFeedback, PliKnownAnswerAndParse) {
  std::array<std::uint8_t, 12> out{};
  ASSERT_EQ(write_pli(out, 0x01020304, 0x0A0B0C0D), 12u);
  const Bytes expected = {0x81, 0xCE, 0x00, 0x02, 0x01, 0x02, 0x03, 0x04, 0x0A, 0x0B, 0x0C, 0x0D};
  EXPECT_EQ(Bytes(out.begin(), out.end()), expected);
  auto pli = PictureLossIndication::parse(single(out));
  ASSERT_TRUE(pli);
  EXPECT_EQ(pli->sender_ssrc(), 0x01020304u);
  EXPECT_EQ(pli->media_ssrc(), 0x0A0B0C0Du);
  EXPECT_FALSE(GenericNack::parse(single(out)));
  EXPECT_FALSE(FullIntraRequest::parse(single(out)));
  EXPECT_FALSE(write_pli(std::span(out).first(11), 1, 2));
}

TEST(RtcpFeedback, FirKnownAnswerAndParse) {
  std::array<std::uint8_t, 20> out{};
  ASSERT_EQ(write_fir(out, 0x01020304, 0x0A0B0C0D, 7), 20u);
  const Bytes expected = {0x84, 0xCE, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, 0, 0, 0, 0,
                          0x0A, 0x0B, 0x0C, 0x0D, 0x07, 0, 0, 0};
  EXPECT_EQ(Bytes(out.begin(), out.end()), expected);
  auto fir = FullIntraRequest::parse(single(out));
  ASSERT_TRUE(fir);
  EXPECT_EQ(fir->sender_ssrc(), 0x01020304u);
  EXPECT_EQ(fir->media_ssrc(), 0u);
  ASSERT_EQ(fir->entry_count(), 1u);
  EXPECT_EQ(fir->entry(0), (FullIntraRequest::Entry{0x0A0B0C0D, 7}));
  EXPECT_FALSE(write_fir(std::span(out).first(19), 1, 2, 3));

  Bytes partial_entry = {0x84, 0xCE, 0x00, 0x03, 1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8};
  EXPECT_FALSE(FullIntraRequest::parse(single(partial_entry)));
}

TEST(RtcpFeedback, GenericNackParsesPidAndBitmask) {
  // RFC 4585 6.2.1: PID 100, BLP 0b1000000000000101 -> 100, 101, 103, 116. Second item 65535.
  Bytes bytes = {0x81, 0xCD, 0x00, 0x04, 0, 0, 0, 1, 0, 0, 0, 2, 0x00, 0x64, 0x80, 0x05, 0xFF, 0xFF, 0x00, 0x01};
  auto nack = GenericNack::parse(single(bytes));
  ASSERT_TRUE(nack);
  EXPECT_EQ(nack->sender_ssrc(), 1u);
  EXPECT_EQ(nack->media_ssrc(), 2u);
  ASSERT_EQ(nack->item_count(), 2u);
  EXPECT_EQ(nack->item(0), (GenericNack::Item{100, 0x8005}));
  EXPECT_EQ(lost(*nack), (Seqs{100, 101, 103, 116, 65535, 0}));
  std::array<std::uint16_t, 2> small{};
  EXPECT_EQ(nack->lost_sequence_numbers(small), 2u);

  Bytes no_items = {0x81, 0xCD, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
  EXPECT_FALSE(GenericNack::parse(single(no_items)));
}

TEST(RtcpFeedback, GenericNackPackingRoundTrips) {
  const std::vector<Seqs> cases = {
      {5},
      {100, 101, 103, 116},
      {100, 117},                      // 117 is 17 after: needs a second item
      {65530, 65535, 0, 3, 10},        // across the wrap: one item
      {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 40, 41},
  };
  for (const auto& seqs : cases) {
    std::array<std::uint8_t, 256> out{};
    auto size = write_generic_nack(out, 9, 10, seqs);
    ASSERT_TRUE(size);
    auto compound = RtcpCompound::parse(std::span(out).first(*size));
    ASSERT_TRUE(compound);
    auto nack = GenericNack::parse(*compound->begin());
    ASSERT_TRUE(nack);
    EXPECT_EQ(nack->media_ssrc(), 10u);
    EXPECT_EQ(lost(*nack), seqs);
  }
  std::array<std::uint8_t, 256> out{};
  EXPECT_EQ(write_generic_nack(out, 1, 2, Seqs{65530, 65535, 0, 3, 10}), 16u);
  EXPECT_EQ(write_generic_nack(out, 1, 2, Seqs{100, 117}), 20u);
}

TEST(RtcpFeedback, GenericNackPackingUnsortedAndDuplicates) {
  std::array<std::uint8_t, 256> out{};
  auto size = write_generic_nack(out, 1, 2, Seqs{10, 5, 12, 10});
  ASSERT_TRUE(size);
  auto nack = GenericNack::parse(single(std::span(out).first(*size)));
  ASSERT_TRUE(nack);
  Seqs got = lost(*nack);
  // Unsorted input may request a seq twice (harmless); every requested seq is covered.
  std::sort(got.begin(), got.end());
  got.erase(std::unique(got.begin(), got.end()), got.end());
  EXPECT_EQ(got, (Seqs{5, 10, 12}));
}

TEST(RtcpFeedback, GenericNackWriterRefusesEmptyAndSmall) {
  std::array<std::uint8_t, 19> out{};
  EXPECT_FALSE(write_generic_nack(out, 1, 2, Seqs{}));
  EXPECT_EQ(write_generic_nack(std::span(out).first(16), 1, 2, Seqs{1, 2}), 16u);
  EXPECT_FALSE(write_generic_nack(std::span(out).first(15), 1, 2, Seqs{1}));
  EXPECT_FALSE(write_generic_nack(out, 1, 2, Seqs{1, 100}));  // needs 20
}

TEST(RtcpFeedback, TransportCcHeaderFields) {
  Bytes bytes = {0x8F, 0xCD, 0x00, 0x05, 0, 0, 0, 1, 0, 0, 0, 2,
                 0x01, 0x00, 0x00, 0x03, 0xFF, 0xFF, 0xFE, 0x2A,  // base 256, 3 packets, ref -2, fb 42
                 0x20, 0x03, 0x04, 0x08};                          // run-length chunk + deltas
  auto cc = TransportCc::parse(single(bytes));
  ASSERT_TRUE(cc);
  EXPECT_EQ(cc->sender_ssrc(), 1u);
  EXPECT_EQ(cc->media_ssrc(), 2u);
  EXPECT_EQ(cc->base_sequence_number(), 256);
  EXPECT_EQ(cc->packet_status_count(), 3);
  EXPECT_EQ(cc->reference_time(), -2);
  EXPECT_EQ(cc->feedback_packet_count(), 42);
  EXPECT_EQ(cc->status_data().size(), 4u);
  Bytes short_fci = {0x8F, 0xCD, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0x01, 0x00, 0x00, 0x03};
  EXPECT_FALSE(TransportCc::parse(single(short_fci)));
}

TEST(RtcpFeedback, RembBitrateAndSsrcs) {
  // exp 3, mantissa 125000 -> 1,000,000 bps; two SSRCs.
  const std::uint32_t mantissa = 125000;
  Bytes bytes = {0x8F, 0xCE, 0x00, 0x06, 0, 0, 0, 1, 0, 0, 0, 0, 'R', 'E', 'M', 'B', 0x02,
                 static_cast<std::uint8_t>((3 << 2) | (mantissa >> 16)), static_cast<std::uint8_t>(mantissa >> 8),
                 static_cast<std::uint8_t>(mantissa), 0, 0, 0, 7, 0, 0, 0, 8};
  auto remb = ReceiverEstimatedMaxBitrate::parse(single(bytes));
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->bitrate_bps(), 1'000'000u);
  ASSERT_EQ(remb->ssrc_count(), 2u);
  EXPECT_EQ(remb->ssrc(1), 8u);

  Bytes saturated = bytes;
  saturated[17] = 0xFF;  // exp 63, mantissa top bits set
  remb = ReceiverEstimatedMaxBitrate::parse(single(saturated));
  ASSERT_TRUE(remb);
  EXPECT_EQ(remb->bitrate_bps(), UINT64_MAX);

  Bytes too_many = bytes;
  too_many[16] = 3;
  EXPECT_FALSE(ReceiverEstimatedMaxBitrate::parse(single(too_many)));
  Bytes not_remb = bytes;
  not_remb[12] = 'X';
  EXPECT_FALSE(ReceiverEstimatedMaxBitrate::parse(single(not_remb)));
}

TEST(RtcpFeedback, FeedbackHeaderNeedsBothSsrcs) {
  Bytes bytes = {0x81, 0xCE, 0x00, 0x01, 0, 0, 0, 1};
  EXPECT_FALSE(FeedbackHeader::parse(single(bytes)));
  EXPECT_FALSE(PictureLossIndication::parse(single(bytes)));
  Bytes rr = {0x80, 0xC9, 0x00, 0x01, 0, 0, 0, 1};
  EXPECT_FALSE(FeedbackHeader::parse(single(rr)));
}

TEST(RtcpFeedback, RewritesMediaAndSenderSsrcInPlace) {
  // Compound RR + PLI + NACK + FIR from a subscriber; rewrite each feedback packet.
  std::array<std::uint8_t, 128> buffer{};
  std::size_t len = *write_receiver_report(buffer, 0x5555, {});
  len += *write_pli(std::span(buffer).subspan(len), 0x5555, 0x1111);
  len += *write_generic_nack(std::span(buffer).subspan(len), 0x5555, 0x1111, Seqs{1, 2});
  len += *write_fir(std::span(buffer).subspan(len), 0x5555, 0x1111, 1);
  auto compound = RtcpCompound::parse(std::span(buffer).first(len));
  ASSERT_TRUE(compound);
  int rewritten = 0;
  for (const auto& view : *compound) {
    auto packet = std::span(buffer).subspan(view.offset, view.packet.size());
    if (rewrite_media_ssrc(packet, 0x9999)) {
      EXPECT_TRUE(rewrite_sender_ssrc(packet, 0x7777));
      ++rewritten;
    } else {
      EXPECT_FALSE(rewrite_sender_ssrc(packet, 0x7777));
    }
  }
  EXPECT_EQ(rewritten, 3);
  compound = RtcpCompound::parse(std::span(buffer).first(len));
  auto it = compound->begin();
  EXPECT_EQ(ReceiverReport::parse(*it)->sender_ssrc(), 0x5555u);
  ++it;
  EXPECT_EQ(PictureLossIndication::parse(*it)->media_ssrc(), 0x9999u);
  EXPECT_EQ(PictureLossIndication::parse(*it)->sender_ssrc(), 0x7777u);
  ++it;
  EXPECT_EQ(GenericNack::parse(*it)->media_ssrc(), 0x9999u);
  ++it;
  auto fir = FullIntraRequest::parse(*it);
  EXPECT_EQ(fir->media_ssrc(), 0u);
  EXPECT_EQ(fir->entry(0), (FullIntraRequest::Entry{0x9999, 1}));

  // A span that is not exactly one packet is refused.
  EXPECT_FALSE(rewrite_media_ssrc(std::span(buffer).first(len), 1));
  EXPECT_FALSE(rewrite_media_ssrc({}, 1));
}

}  // namespace
}  // namespace shoal::rtc::rtcp
