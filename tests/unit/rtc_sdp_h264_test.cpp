#include "rtc/sdp/fmtp_parameters.hpp"
#include "rtc/sdp/h264_profile_level_id.hpp"
#include "rtc/sdp/session_description.hpp"

#include <gtest/gtest.h>

namespace sdp = shoal::rtc::sdp;

TEST(RtcSdpH264, DecodesProfileLevelId) {
  auto id = sdp::parse_h264_profile_level_id("42e01f");
  ASSERT_TRUE(id);
  EXPECT_EQ(id->profile_idc, 0x42);
  EXPECT_EQ(id->profile_iop, 0xE0);
  EXPECT_EQ(id->level_idc, 0x1F);
  auto upper = sdp::parse_h264_profile_level_id("4D0032");
  ASSERT_TRUE(upper);
  EXPECT_EQ(upper->profile_idc, 0x4D);
  EXPECT_EQ(upper->level_idc, 0x32);
}

TEST(RtcSdpH264, RejectsMalformedProfileLevelId) {
  EXPECT_FALSE(sdp::parse_h264_profile_level_id(""));
  EXPECT_FALSE(sdp::parse_h264_profile_level_id("42e01"));
  EXPECT_FALSE(sdp::parse_h264_profile_level_id("42e01f0"));
  EXPECT_FALSE(sdp::parse_h264_profile_level_id("42g01f"));
  EXPECT_FALSE(sdp::parse_h264_profile_level_id("0x42e0"));
}

// Profiles from RFC 6184 Table 5 and what Chrome/Firefox/Safari advertise.
TEST(RtcSdpH264, ConstrainedBaselineRule) {
  struct Case {
    const char* id;
    bool cb;
  };
  const Case cases[] = {
      {"42e01f", true},  {"42c01f", true},  {"42e034", true},  {"42400a", true},
      {"42f00b", true},  {"42001f", false}, {"42801f", false}, {"42e81f", false},
      {"4d801f", true},  {"4dc032", true},  {"4d001f", false}, {"4d401f", false},
      {"58c01f", true},  {"58801f", false}, {"58401f", false}, {"640c1f", false},
      {"64001f", false}, {"f4001f", false}, {"6e001f", false},
  };
  for (const auto& c : cases) {
    auto id = sdp::parse_h264_profile_level_id(c.id);
    ASSERT_TRUE(id) << c.id;
    EXPECT_EQ(id->is_constrained_baseline(), c.cb) << c.id;
  }
}

TEST(RtcSdpH264, ConstrainedBaselineFromFmtp) {
  EXPECT_TRUE(sdp::is_constrained_baseline(
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"));
  EXPECT_TRUE(sdp::is_constrained_baseline("profile-level-id=42E01F; packetization-mode=1"));
  EXPECT_TRUE(sdp::is_constrained_baseline("PROFILE-LEVEL-ID=42c01f"));
  EXPECT_FALSE(sdp::is_constrained_baseline(
      "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42001f"));
  EXPECT_FALSE(sdp::is_constrained_baseline("packetization-mode=1"));  // default 420010
  EXPECT_FALSE(sdp::is_constrained_baseline(""));
  EXPECT_FALSE(sdp::is_constrained_baseline("profile-level-id="));
  EXPECT_FALSE(sdp::is_constrained_baseline("profile-level-id=42e01fff"));
}

TEST(RtcSdpFmtp, ReadsParameters) {
  std::string_view fmtp = "minptime=10; useinbandfec=1;stereo ;x-google-start-bitrate=800";
  EXPECT_EQ(sdp::fmtp_parameter(fmtp, "minptime"), "10");
  EXPECT_EQ(sdp::fmtp_parameter(fmtp, "useinbandfec"), "1");
  EXPECT_EQ(sdp::fmtp_parameter(fmtp, "stereo"), "");
  EXPECT_EQ(sdp::fmtp_parameter(fmtp, "UseInbandFec"), "1");
  EXPECT_FALSE(sdp::fmtp_parameter(fmtp, "maxplaybackrate"));
  EXPECT_FALSE(sdp::fmtp_parameter("", "apt"));
  EXPECT_EQ(sdp::fmtp_parameter_int("apt=96;rtx-time=3000", "rtx-time"), 3000);
  EXPECT_EQ(sdp::fmtp_parameter_int("apt=96", "apt"), 96);
  EXPECT_FALSE(sdp::fmtp_parameter_int("apt=x96", "apt"));
  EXPECT_FALSE(sdp::fmtp_parameter_int("apt=-1", "apt"));
  EXPECT_FALSE(sdp::fmtp_parameter_int("apt=99999999999999", "apt"));
  EXPECT_FALSE(sdp::fmtp_parameter_int("apt", "apt"));
  // RED's fmtp is not key=value; it must not confuse the reader.
  EXPECT_FALSE(sdp::fmtp_parameter_int("111/111", "apt"));
}

TEST(RtcSdpRtx, PairsRtxByApt) {
  sdp::MediaSection m;
  m.codecs = {
      {96, "VP8", 90000, 0, "", {}},
      {97, "rtx", 90000, 0, "apt=96", {}},
      {102, "H264", 90000, 0, "profile-level-id=42e01f", {}},
      {103, "RTX", 90000, 0, "apt=102;rtx-time=3000", {}},
      {104, "H264", 90000, 0, "profile-level-id=42001f", {}},
      {116, "ulpfec", 90000, 0, "", {}},
  };
  EXPECT_EQ(sdp::rtx_payload_type_for(m, 96), 97);
  EXPECT_EQ(sdp::rtx_payload_type_for(m, 102), 103);
  EXPECT_FALSE(sdp::rtx_payload_type_for(m, 104));
  EXPECT_FALSE(sdp::rtx_payload_type_for(m, 97));
  ASSERT_NE(sdp::find_codec(m, 116), nullptr);
  EXPECT_EQ(sdp::find_codec(m, 116)->name, "ulpfec");
  EXPECT_EQ(sdp::find_codec(m, 1), nullptr);
}
