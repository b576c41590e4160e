#include "rtc/rtp/h264_keyframe.hpp"
#include "rtc/rtp/vp8_munger.hpp"
#include "rtc/rtp/vp8_payload_descriptor.hpp"

#include <gtest/gtest.h>

#include <vector>

namespace shoal::rtc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// What Chrome sends for the first packet of a VP8 key frame: X=1 S=1 PID=0, I=1 with a 15-bit
// picture id, L=1, T=1 K=1; then the VP8 frame tag (P=0) and the key frame start code 9d 01 2a.
Bytes chrome_vp8_keyframe() {
  return {0x90, 0xF0, 0x80 | 0x12, 0x34, 0x56, 0x40 | 0x05,
          0x50, 0x42, 0x00, 0x9D, 0x01, 0x2A, 0x80, 0x02, 0xE0, 0x01};
}

TEST(Vp8PayloadDescriptor, ParsesAllFields) {
  Bytes payload = chrome_vp8_keyframe();
  auto d = Vp8PayloadDescriptor::parse(payload);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->start_of_partition);
  EXPECT_EQ(d->partition_id, 0);
  EXPECT_FALSE(d->non_reference);
  EXPECT_TRUE(d->picture_id_15bit);
  EXPECT_EQ(d->picture_id, 0x1234);
  EXPECT_EQ(d->tl0_pic_idx, 0x56);
  EXPECT_EQ(d->temporal_id, 1);
  EXPECT_FALSE(d->layer_sync);
  EXPECT_EQ(d->key_idx, 5);
  EXPECT_EQ(d->size, 6u);
  EXPECT_TRUE(d->starts_keyframe(payload));
  EXPECT_TRUE(is_vp8_keyframe(payload));
}

TEST(Vp8PayloadDescriptor, MinimalAndSevenBitPictureId) {
  Bytes minimal = {0x10, 0x00};  // S=1 PID=0, then P=0
  auto d = Vp8PayloadDescriptor::parse(minimal);
  ASSERT_TRUE(d);
  EXPECT_EQ(d->size, 1u);
  EXPECT_FALSE(d->picture_id);
  EXPECT_TRUE(is_vp8_keyframe(minimal));

  Bytes seven = {0x80, 0x80, 0x7E, 0x01};  // X, I, 7-bit picture id 126, delta frame (P=1)
  d = Vp8PayloadDescriptor::parse(seven);
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->picture_id_15bit);
  EXPECT_EQ(d->picture_id, 126);
  EXPECT_EQ(d->size, 3u);
  EXPECT_FALSE(is_vp8_keyframe(seven));
}

TEST(Vp8PayloadDescriptor, KeyframeNeedsStartPartitionZeroAndPBitClear) {
  Bytes payload = chrome_vp8_keyframe();
  payload[6] |= 0x01;  // P=1: inter frame
  EXPECT_FALSE(is_vp8_keyframe(payload));
  payload = chrome_vp8_keyframe();
  payload[0] &= ~0x10;  // S=0: continuation packet
  EXPECT_FALSE(is_vp8_keyframe(payload));
  payload = chrome_vp8_keyframe();
  payload[0] |= 0x01;  // PID=1
  EXPECT_FALSE(is_vp8_keyframe(payload));
  payload = chrome_vp8_keyframe();
  payload.resize(6);  // descriptor only, no frame header byte
  EXPECT_FALSE(is_vp8_keyframe(payload));
}

TEST(Vp8PayloadDescriptor, RejectsEveryTruncatedDescriptor) {
  Bytes payload = chrome_vp8_keyframe();
  for (std::size_t len = 0; len < 6; ++len) {
    Bytes cut(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(len));
    EXPECT_FALSE(Vp8PayloadDescriptor::parse(cut)) << len;
    EXPECT_FALSE(is_vp8_keyframe(cut));
  }
}

TEST(Vp8PayloadDescriptor, RewritesFieldsInPlaceKeepingWidth) {
  Bytes payload = chrome_vp8_keyframe();
  auto d = Vp8PayloadDescriptor::parse(payload);
  ASSERT_TRUE(d);
  EXPECT_TRUE(d->write_picture_id(payload, 0x7ABC));
  EXPECT_TRUE(d->write_tl0_pic_idx(payload, 0x99));
  EXPECT_TRUE(d->write_key_idx(payload, 0x1F));
  auto again = Vp8PayloadDescriptor::parse(payload);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->picture_id, 0x7ABC);
  EXPECT_EQ(again->tl0_pic_idx, 0x99);
  EXPECT_EQ(again->key_idx, 0x1F);
  EXPECT_EQ(again->temporal_id, 1);  // neighbouring bits preserved

  Bytes seven = {0x80, 0x80, 0x7E, 0x01};
  d = Vp8PayloadDescriptor::parse(seven);
  EXPECT_TRUE(d->write_picture_id(seven, 0x1FF));
  EXPECT_EQ(seven[2], 0x7F);
  EXPECT_FALSE(d->write_tl0_pic_idx(seven, 1));  // absent field
  EXPECT_FALSE(d->write_key_idx(seven, 1));
}

TEST(H264Keyframe, SingleNalUnits) {
  EXPECT_TRUE(is_h264_keyframe(Bytes{0x65, 0x88, 0x84}));  // IDR slice
  EXPECT_TRUE(is_h264_keyframe(Bytes{0x67, 0x42, 0xC0, 0x1F}));  // SPS
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x68, 0xCE, 0x3C, 0x80}));  // PPS alone
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x41, 0x9A, 0x02}));  // non-IDR slice
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x06, 0x05}));  // SEI
  EXPECT_FALSE(is_h264_keyframe(Bytes{}));
}

TEST(H264Keyframe, StapA) {
  // STAP-A [SPS(4) PPS(4)] as Chrome sends before an IDR.
  Bytes stap = {0x78, 0x00, 0x04, 0x67, 0x42, 0xC0, 0x1F, 0x00, 0x04, 0x68, 0xCE, 0x3C, 0x80};
  EXPECT_TRUE(is_h264_keyframe(stap));
  Bytes pps_then_idr = {0x78, 0x00, 0x02, 0x68, 0xCE, 0x00, 0x02, 0x65, 0x88};
  EXPECT_TRUE(is_h264_keyframe(pps_then_idr));
  Bytes only_slices = {0x78, 0x00, 0x02, 0x41, 0x9A, 0x00, 0x02, 0x41, 0x9B};
  EXPECT_FALSE(is_h264_keyframe(only_slices));
  // Second unit's size runs past the end: the SPS behind it must not be found by overreading.
  Bytes truncated = {0x78, 0x00, 0x02, 0x68, 0xCE, 0x00, 0x09, 0x67, 0x42};
  EXPECT_FALSE(is_h264_keyframe(truncated));
  for (std::size_t len = 0; len < 4; ++len) {
    EXPECT_FALSE(is_h264_keyframe(std::span(stap).first(len))) << len;
  }
}

TEST(H264Keyframe, FuA) {
  EXPECT_TRUE(is_h264_keyframe(Bytes{0x7C, 0x85, 0x88, 0x84}));   // FU-A start of IDR
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C, 0x05, 0x88, 0x84}));  // middle fragment
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C, 0x45, 0x88}));        // end fragment
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C, 0x81, 0x9A}));        // start of non-IDR
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C}));
}

TEST(H264Keyframe, OnlyTheFirstSliceOfAnIdrPictureStartsIt) {
  // first_mb_in_slice is the slice header's first field (ue(v)): 0 is a single 1 bit, anything
  // else starts with a 0 bit. x264 with sliced threads cuts each picture into several slices.
  EXPECT_TRUE(is_h264_keyframe(Bytes{0x65, 0xB8, 0x00}));    // first_mb_in_slice 0
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x65, 0x40, 0x00}));   // first_mb_in_slice 1: a later slice
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x65, 0x01, 0x8F}));   // a slice far down the picture
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x65}));               // no slice header to read
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C, 0x85, 0x40}));   // FU-A start of a later IDR slice
  EXPECT_FALSE(is_h264_keyframe(Bytes{0x7C, 0x85}));         // FU-A start without its header
  Bytes later_slice_in_stap = {0x78, 0x00, 0x02, 0x65, 0x40, 0x00, 0x02, 0x65, 0x20};
  EXPECT_FALSE(is_h264_keyframe(later_slice_in_stap));
  Bytes empty_unit_then_sps = {0x78, 0x00, 0x01, 0x65, 0x00, 0x02, 0x67, 0x42};
  EXPECT_TRUE(is_h264_keyframe(empty_unit_then_sps)) << "an IDR unit with no header byte is skipped, the SPS found";
}

// Descriptor with 15-bit picture id, TL0PICIDX and KEYIDX; P=1 frame header.
Bytes vp8_packet(std::uint16_t picture_id, std::uint8_t tl0, std::uint8_t key_idx) {
  return {0x90, 0xD0, static_cast<std::uint8_t>(0x80 | (picture_id >> 8)), static_cast<std::uint8_t>(picture_id),
          tl0, static_cast<std::uint8_t>(key_idx & 0x1F), 0x01};
}

TEST(Vp8Munger, PassesThroughUntilFirstSwitchThenContinues) {
  Vp8Munger munger;
  Bytes p = vp8_packet(100, 10, 3);
  ASSERT_TRUE(munger.rewrite(p));
  EXPECT_EQ(p, vp8_packet(100, 10, 3));
  p = vp8_packet(101, 11, 3);
  munger.rewrite(p);
  EXPECT_EQ(p, vp8_packet(101, 11, 3));

  // Switch to another source with unrelated counters: output follows on from 101/11/3.
  p = vp8_packet(0x7FFF, 200, 30);
  munger.rewrite(p, /*switch_source=*/true);
  EXPECT_EQ(p, vp8_packet(102, 12, 4));
  p = vp8_packet(0, 201, 31);  // picture id wraps in the source
  munger.rewrite(p);
  EXPECT_EQ(p, vp8_packet(103, 13, 5));
  p = vp8_packet(0x7FFF, 200, 30);  // late packet of the current source maps consistently
  munger.rewrite(p);
  EXPECT_EQ(p, vp8_packet(102, 12, 4));
  p = vp8_packet(1, 202, 0);  // KEYIDX wraps in 5 bits
  munger.rewrite(p);
  EXPECT_EQ(p, vp8_packet(104, 14, 6));

  Bytes garbage = {0x80};
  EXPECT_FALSE(munger.rewrite(garbage));
}

}  // namespace
}  // namespace shoal::rtc::rtp
