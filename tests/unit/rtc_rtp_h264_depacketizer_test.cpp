#include "rtc/rtp/h264_depacketizer.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::rtc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

const Bytes kSps = {0x67, 0x42, 0xc0, 0x1f, 0xda};
const Bytes kPps = {0x68, 0xce, 0x3c, 0x80};
const Bytes kIdr = {0x65, 0x88, 0x84, 0x00, 0x33, 0x44};
const Bytes kSlice = {0x41, 0x9a, 0x02, 0x03};

Bytes annex_b(std::initializer_list<Bytes> nals) {
  Bytes out;
  for (const auto& nal : nals) {
    out.insert(out.end(), {0, 0, 0, 1});
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

Bytes stap_a(std::initializer_list<Bytes> nals) {
  Bytes out = {0x78};  // F=0 NRI=3 type 24
  for (const auto& nal : nals) {
    out.push_back(static_cast<std::uint8_t>(nal.size() >> 8));
    out.push_back(static_cast<std::uint8_t>(nal.size()));
    out.insert(out.end(), nal.begin(), nal.end());
  }
  return out;
}

// Splits one NAL unit into FU-A fragments of at most `chunk` payload bytes.
std::vector<Bytes> fu_a(const Bytes& nal, std::size_t chunk) {
  std::vector<Bytes> out;
  for (std::size_t offset = 1; offset < nal.size(); offset += chunk) {
    const std::size_t end = std::min(nal.size(), offset + chunk);
    Bytes fragment = {static_cast<std::uint8_t>((nal[0] & 0xe0) | 28),
                      static_cast<std::uint8_t>((offset == 1 ? 0x80 : 0) | (end == nal.size() ? 0x40 : 0) |
                                                (nal[0] & 0x1f))};
    fragment.insert(fragment.end(), nal.begin() + static_cast<std::ptrdiff_t>(offset),
                    nal.begin() + static_cast<std::ptrdiff_t>(end));
    out.push_back(fragment);
  }
  return out;
}

Bytes unit_bytes(const std::optional<H264Depacketizer::AccessUnit>& unit) {
  return unit ? Bytes(unit->annex_b.begin(), unit->annex_b.end()) : Bytes{};
}

TEST(H264Depacketizer, ReassemblesStapAAndFuAIntoAnnexB) {
  H264Depacketizer depacketizer;
  EXPECT_FALSE(depacketizer.push(1, 3000, false, stap_a({kSps, kPps})));
  auto fragments = fu_a(kIdr, 2);
  ASSERT_EQ(fragments.size(), 3u);
  EXPECT_FALSE(depacketizer.push(2, 3000, false, fragments[0]));
  EXPECT_FALSE(depacketizer.push(3, 3000, false, fragments[1]));
  auto unit = depacketizer.push(4, 3000, true, fragments[2]);
  ASSERT_TRUE(unit);
  EXPECT_TRUE(unit->keyframe);
  EXPECT_EQ(unit->timestamp, 3000u);
  EXPECT_EQ(unit_bytes(unit), annex_b({kSps, kPps, kIdr}));
  EXPECT_FALSE(depacketizer.waiting_keyframe());

  auto next = depacketizer.push(5, 6000, true, kSlice);
  ASSERT_TRUE(next);
  EXPECT_FALSE(next->keyframe);
  EXPECT_EQ(unit_bytes(next), annex_b({kSlice}));
}

TEST(H264Depacketizer, HoldsBackEverythingBeforeTheFirstKeyframe) {
  H264Depacketizer depacketizer;
  EXPECT_TRUE(depacketizer.waiting_keyframe());
  EXPECT_FALSE(depacketizer.push(10, 1000, true, kSlice));
  EXPECT_TRUE(depacketizer.waiting_keyframe());
  EXPECT_TRUE(depacketizer.push(11, 2000, true, stap_a({kSps, kPps, kIdr})));
}

TEST(H264Depacketizer, ALostFragmentDropsTheUnitAndWaitsForTheNextIdr) {
  H264Depacketizer depacketizer;
  ASSERT_TRUE(depacketizer.push(1, 0, true, stap_a({kSps, kPps, kIdr})));
  auto fragments = fu_a(Bytes{0x41, 1, 2, 3, 4, 5, 6, 7}, 2);
  ASSERT_GE(fragments.size(), 3u);
  EXPECT_FALSE(depacketizer.push(2, 3000, false, fragments[0]));
  // fragments[1] (seq 3) is lost.
  EXPECT_FALSE(depacketizer.push(4, 3000, true, fragments[2]));
  EXPECT_TRUE(depacketizer.waiting_keyframe());
  EXPECT_EQ(depacketizer.dropped_access_units(), 1u);
  // A complete picture that refers to the lost one is still held back...
  EXPECT_FALSE(depacketizer.push(5, 6000, true, kSlice));
  // ...until an IDR.
  auto unit = depacketizer.push(6, 9000, true, stap_a({kSps, kPps, kIdr}));
  ASSERT_TRUE(unit);
  EXPECT_TRUE(unit->keyframe);
}

TEST(H264Depacketizer, AMissingMarkerEndsTheUnitAtTheNextTimestampAsCorrupt) {
  H264Depacketizer depacketizer;
  ASSERT_TRUE(depacketizer.push(1, 0, true, stap_a({kSps, kPps, kIdr})));
  EXPECT_FALSE(depacketizer.push(2, 3000, false, kSlice));  // marker packet of ts 3000 lost...
  EXPECT_FALSE(depacketizer.push(4, 6000, true, kSlice));   // ...with its sequence number
  EXPECT_TRUE(depacketizer.waiting_keyframe());
}

TEST(H264Depacketizer, DuplicatesAndLatePacketsAreIgnored) {
  H264Depacketizer depacketizer;
  ASSERT_TRUE(depacketizer.push(100, 0, true, stap_a({kSps, kPps, kIdr})));
  EXPECT_FALSE(depacketizer.push(100, 0, true, stap_a({kSps, kPps, kIdr})));
  EXPECT_FALSE(depacketizer.push(99, 0, true, kSlice));
  EXPECT_TRUE(depacketizer.push(101, 3000, true, kSlice));
}

TEST(H264Depacketizer, SequenceNumbersWrap) {
  H264Depacketizer depacketizer;
  ASSERT_TRUE(depacketizer.push(65535, 0, true, stap_a({kSps, kPps, kIdr})));
  EXPECT_TRUE(depacketizer.push(0, 3000, true, kSlice));
}

TEST(H264Depacketizer, MalformedPayloadsNeverReadPastTheBuffer) {
  H264Depacketizer depacketizer;
  const std::vector<Bytes> bad = {
      {},                       // empty
      {0x78, 0x00},             // STAP-A with a truncated size
      {0x78, 0x00, 0x09, 0x67},  // STAP-A size past the end
      {0x78, 0x00, 0x00},       // STAP-A zero-sized NAL
      {0x7c},                   // FU-A without its header
      {0x7c, 0x45},             // FU-A middle fragment with no start
      {0x99, 0x01},             // forbidden bit set
      {0x79, 0x00, 0x01, 0x02},  // STAP-B: not WebRTC
  };
  std::uint16_t sequence = 1;
  for (const auto& payload : bad) {
    EXPECT_FALSE(depacketizer.push(sequence, sequence * 3000u, true, payload)) << "payload " << sequence;
    ++sequence;
  }
  EXPECT_TRUE(depacketizer.push(sequence, 999999, true, stap_a({kSps, kPps, kIdr})));
}

TEST(H264Depacketizer, AnOversizedUnitIsDropped) {
  H264Depacketizer depacketizer(64);
  Bytes big(100, 0x11);
  big[0] = 0x65;
  for (const auto& fragment : fu_a(big, 20)) depacketizer.push(0, 0, false, fragment);  // same seq: ignored
  H264Depacketizer fresh(64);
  std::uint16_t sequence = 1;
  std::optional<H264Depacketizer::AccessUnit> unit;
  for (const auto& fragment : fu_a(big, 20)) {
    const bool last = (fragment[1] & 0x40) != 0;
    unit = fresh.push(sequence++, 0, last, fragment);
  }
  EXPECT_FALSE(unit);
  EXPECT_EQ(fresh.dropped_access_units(), 1u);
}

}  // namespace
}  // namespace shoal::rtc::rtp
