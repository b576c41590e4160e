#include "rtc/rtp/h264_parameter_sets.hpp"
#include "rtc/rtsp/rtsp_sdp.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoal::rtc::rtsp {
namespace {

using Bytes = std::vector<std::uint8_t>;

// What GStreamer's RTSP server describes for videotestsrc ! x264enc ! rtph264pay.
constexpr std::string_view kGstreamerSdp =
    "v=0\r\no=- 1188340656180883 1 IN IP4 127.0.0.1\r\ns=Session streamed with GStreamer\r\n"
    "t=0 0\r\na=tool:GStreamer\r\na=type:broadcast\r\na=control:*\r\na=range:npt=now-\r\n"
    "m=audio 0 RTP/AVP 0\r\na=control:stream=9\r\n"
    "m=video 0 RTP/AVP 96\r\nc=IN IP4 0.0.0.0\r\nb=AS:2097\r\na=rtpmap:96 H264/90000\r\n"
    "a=framerate:30\r\na=fmtp:96 packetization-mode=1;profile-level-id=42c01e;"
    "sprop-parameter-sets=Z0LAHtkBQH2wEQAAAwABAAADADwPFi5I,aMuMsg==\r\n"
    "a=control:stream=0\r\n"
    "m=video 0 RTP/AVP 97\r\na=rtpmap:97 VP8/90000\r\n";

TEST(RtspSdp, FindsTheFirstVideoStream) {
  auto video = test::value_of(parse_video_stream(kGstreamerSdp));
  EXPECT_EQ(video.payload_type, 96);
  EXPECT_EQ(video.encoding, "H264");
  EXPECT_EQ(video.clock_rate, 90000u);
  EXPECT_EQ(video.control, "stream=0");
  ASSERT_EQ(video.parameter_sets.size(), 2u);
  EXPECT_EQ(video.parameter_sets[0][0] & 0x1f, 7);  // SPS
  EXPECT_EQ(video.parameter_sets[1], (Bytes{0x68, 0xcb, 0x8c, 0xb2}));  // PPS
}

TEST(RtspSdp, ReportsWhatIsMissing) {
  EXPECT_EQ(test::error_of(parse_video_stream("v=0\r\nm=audio 0 RTP/AVP 0\r\n")), SdpError::NoVideo);
  EXPECT_EQ(test::error_of(parse_video_stream("m=video 0 RTP/AVP\r\n")), SdpError::BadPayloadType);
  EXPECT_EQ(test::error_of(parse_video_stream("m=video 0 RTP/AVP 300\r\n")), SdpError::BadPayloadType);
  EXPECT_EQ(test::error_of(parse_video_stream("m=video 0 RTP/AVP 96\r\n")), SdpError::NoRtpmap);
  EXPECT_EQ(test::error_of(parse_video_stream("m=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"
                                                  "a=fmtp:96 sprop-parameter-sets=Z0L*,aM==\r\n")),
            SdpError::BadParameterSets);
  // A static payload type is no H264.
  EXPECT_EQ(test::value_of(parse_video_stream("m=video 0 RTP/AVP 26\r\n")).encoding, "JPEG");
}

TEST(RtspSdp, DecodesBase64WithAndWithoutPadding) {
  Bytes out;
  ASSERT_TRUE(decode_base64("aMuMsg==", out));
  EXPECT_EQ(out, (Bytes{0x68, 0xcb, 0x8c, 0xb2}));
  out.clear();
  ASSERT_TRUE(decode_base64("aMuMsg", out));
  EXPECT_EQ(out.size(), 4u);
  out.clear();
  EXPECT_FALSE(decode_base64("a", out));
  EXPECT_FALSE(decode_base64("a-b_", out));
}

}  // namespace
}  // namespace shoal::rtc::rtsp

namespace shoal::rtc::rtp {
namespace {

using Bytes = std::vector<std::uint8_t>;

Bytes rtp(std::uint16_t seq, std::uint32_t ts, const Bytes& payload) {
  Bytes out(12 + payload.size());
  const std::uint8_t header[12] = {0x80, 96, static_cast<std::uint8_t>(seq >> 8), static_cast<std::uint8_t>(seq),
                                   static_cast<std::uint8_t>(ts >> 24), static_cast<std::uint8_t>(ts >> 16),
                                   static_cast<std::uint8_t>(ts >> 8), static_cast<std::uint8_t>(ts), 0x11, 0x22, 0x33,
                                   0x44};
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = i < 12 ? header[i] : payload[i - 12];
  return out;
}

const std::vector<Bytes> kSets{{0x67, 0x42, 0xc0, 0x1e}, {0x68, 0xcb, 0x8c, 0xb2}};

TEST(H264ParameterSets, InsertsBeforeAnIdrWithoutThem) {
  H264ParameterSetInserter inserter(kSets);
  std::array<std::uint8_t, 1500> inserted{};
  // A P slice passes untouched.
  auto p_slice = rtp(100, 0, {0x41, 0x9a});
  auto packet = RtpPacket::parse(p_slice);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  EXPECT_EQ(packet->sequence_number(), 100);
  // The FU-A start of an IDR gets a STAP-A with both sets, sequence 101; the IDR moves to 102.
  auto idr_start = rtp(101, 3000, {0x7c, 0x85, 0xaa});
  packet = RtpPacket::parse(idr_start);
  const std::size_t length = inserter.process(*packet, inserted);
  ASSERT_EQ(length, 12u + 1 + 2 + 4 + 2 + 4);
  auto stap = RtpPacket::parse(std::span(inserted.data(), length));
  ASSERT_TRUE(stap);
  EXPECT_EQ(stap->sequence_number(), 101);
  EXPECT_EQ(stap->timestamp(), 3000u);
  EXPECT_EQ(stap->ssrc(), 0x11223344u);
  EXPECT_FALSE(stap->marker());
  EXPECT_EQ(h264_nal_types(stap->payload()), (1u << 7) | (1u << 8));
  EXPECT_EQ(packet->sequence_number(), 102);
  // The rest of that IDR and later packets keep the offset, with no second insertion.
  auto idr_end = rtp(102, 3000, {0x7c, 0x45, 0xbb});
  packet = RtpPacket::parse(idr_end);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  EXPECT_EQ(packet->sequence_number(), 103);
  EXPECT_EQ(inserter.inserted_count(), 1u);
}

TEST(H264ParameterSets, LeavesIdrsThatCarryThemAlone) {
  H264ParameterSetInserter inserter(kSets);
  std::array<std::uint8_t, 1500> inserted{};
  // One STAP-A with the sets and the IDR, as browsers send a keyframe's first packet.
  auto stap = rtp(8, 9000, {0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88});
  auto packet = RtpPacket::parse(stap);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  EXPECT_EQ(packet->sequence_number(), 8);
  EXPECT_EQ(inserter.inserted_count(), 0u);
}

// A subscriber whose media starts after the sets' own packets went by, at the IDR, still gets
// them: they are repeated right before the IDR, and those seen in band are the ones repeated.
TEST(H264ParameterSets, RepeatsSetsSentInSeparatePacketsAndAdoptsThem) {
  H264ParameterSetInserter inserter(kSets);
  std::array<std::uint8_t, 1500> inserted{};
  auto sps = rtp(7, 9000, {0x67, 0x64, 0x00, 0x28, 0xac});
  auto packet = RtpPacket::parse(sps);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  auto pps = rtp(8, 9000, {0x68, 0xee});
  packet = RtpPacket::parse(pps);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  auto idr = rtp(9, 9000, {0x65, 0x88});
  packet = RtpPacket::parse(idr);
  std::size_t length = inserter.process(*packet, inserted);
  ASSERT_EQ(length, 12u + 1 + 2 + 5 + 2 + 2);
  const Bytes in_band{0x78, 0, 5, 0x67, 0x64, 0x00, 0x28, 0xac, 0, 2, 0x68, 0xee};
  EXPECT_EQ(Bytes(inserted.begin() + 12, inserted.begin() + static_cast<std::ptrdiff_t>(length)), in_band);
  EXPECT_EQ(packet->sequence_number(), 10);
  // The next IDR without sets gets the adopted ones; a later in-band SPS alone replaces only
  // the SPS.
  auto next_idr = rtp(10, 18000, {0x65, 0x99});
  packet = RtpPacket::parse(next_idr);
  length = inserter.process(*packet, inserted);
  EXPECT_EQ(Bytes(inserted.begin() + 12, inserted.begin() + static_cast<std::ptrdiff_t>(length)), in_band);
  auto new_sps = rtp(11, 27000, {0x67, 0x42});
  packet = RtpPacket::parse(new_sps);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  auto third_idr = rtp(12, 27000, {0x65, 0xaa});
  packet = RtpPacket::parse(third_idr);
  length = inserter.process(*packet, inserted);
  EXPECT_EQ(Bytes(inserted.begin() + 12, inserted.begin() + static_cast<std::ptrdiff_t>(length)),
            (Bytes{0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xee}));
  EXPECT_EQ(packet->sequence_number(), 15);
  EXPECT_EQ(inserter.inserted_count(), 3u);
}

// A source that announces no sets but sends them in band once gets them before every IDR.
TEST(H264ParameterSets, LearnsSetsTheSdpDidNotAnnounce) {
  H264ParameterSetInserter inserter({});
  std::array<std::uint8_t, 1500> inserted{};
  auto first = rtp(1, 0, {0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce, 0, 2, 0x65, 0x88});
  auto packet = RtpPacket::parse(first);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
  auto idr = rtp(2, 3000, {0x65, 0x99});
  packet = RtpPacket::parse(idr);
  const std::size_t length = inserter.process(*packet, inserted);
  EXPECT_EQ(Bytes(inserted.begin() + 12, inserted.begin() + static_cast<std::ptrdiff_t>(length)),
            (Bytes{0x78, 0, 2, 0x67, 0x42, 0, 2, 0x68, 0xce}));
}

TEST(H264ParameterSets, WithoutSetsNothingIsInserted) {
  H264ParameterSetInserter inserter({});
  std::array<std::uint8_t, 1500> inserted{};
  auto idr = rtp(8, 9000, {0x65, 0x88});
  auto packet = RtpPacket::parse(idr);
  EXPECT_EQ(inserter.process(*packet, inserted), 0u);
}

TEST(H264ParameterSets, ReadsNalTypesOfEveryPacketization) {
  EXPECT_EQ(h264_nal_types(Bytes{0x65}), 1u << 5);
  EXPECT_EQ(h264_nal_types(Bytes{0x18, 0, 1, 0x67, 0, 1, 0x68}), (1u << 7) | (1u << 8));
  EXPECT_EQ(h264_nal_types(Bytes{0x18, 0, 9, 0x67}), 0u);  // truncated unit
  EXPECT_EQ(h264_nal_types(Bytes{0x7c, 0x85}), 1u << 5);   // FU-A start
  EXPECT_EQ(h264_nal_types(Bytes{0x7c, 0x05}), 0u);        // FU-A continuation
  EXPECT_EQ(h264_nal_types(Bytes{}), 0u);
}

}  // namespace
}  // namespace shoal::rtc::rtp
