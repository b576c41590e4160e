#include "rtc/sdp/answer_builder.hpp"
#include "rtc/sdp/sdp_parser.hpp"

#include "chrome_offer.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sdp = shoal::rtc::sdp;
using namespace shoal::test::chrome;

namespace {

constexpr std::string_view kTwcc = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01";
constexpr std::string_view kMid = "urn:ietf:params:rtp-hdrext:sdes:mid";
constexpr std::string_view kRid = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id";
constexpr std::string_view kRrid = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id";
constexpr std::string_view kAudioLevel = "urn:ietf:params:rtp-hdrext:ssrc-audio-level";

std::string publisher_offer(const VideoOptions& video = with_ssrcs(1111, 2222)) {
  return chrome_offer({"0", "1"}, {chrome_audio("0", "sendonly", 3333), chrome_video("1", "sendonly", video)});
}

sdp::AnswerPlan base_plan() {
  sdp::AnswerPlan plan;
  plan.ice_ufrag = "aB3d";
  plan.ice_pwd = "0123456789abcdefABCDEF";
  plan.fingerprint_sha256 =
      "AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99";
  return plan;
}

sdp::AnswerPlan publisher_plan() {
  auto plan = base_plan();
  plan.inbound["0"] = {"peer1:audio"};
  plan.inbound["1"] = {"peer1:video"};
  return plan;
}

sdp::Answer answer_ok(std::string_view offer, const sdp::AnswerPlan& plan) {
  auto result = sdp::build_answer(offer, plan);
  if (!result) {
    ADD_FAILURE() << "answer failed: " << sdp::to_string(result.error());
    return {};
  }
  return *std::move(result);
}

// The lines of one m-section of an answer (index = position), without CRLF.
std::vector<std::string> section_lines(const std::string& answer, std::size_t index) {
  std::vector<std::string> out;
  std::size_t seen = 0;
  bool in = false;
  std::size_t pos = 0;
  while (pos < answer.size()) {
    auto end = answer.find("\r\n", pos);
    std::string line = answer.substr(pos, end - pos);
    pos = end + 2;
    if (line.rfind("m=", 0) == 0) in = (seen++ == index);
    if (in) out.push_back(line);
  }
  return out;
}

bool has_line(const std::vector<std::string>& lines, const std::string& line) {
  return std::find(lines.begin(), lines.end(), line) != lines.end();
}

std::size_t count_prefix(const std::vector<std::string>& lines, const std::string& prefix) {
  return std::count_if(lines.begin(), lines.end(), [&](const auto& l) { return l.rfind(prefix, 0) == 0; });
}

}  // namespace

TEST(RtcSdpAnswer, PublisherAudioAndVp8WithRtx) {
  auto answer = answer_ok(publisher_offer(), publisher_plan());
  const std::string expected_session =
      "v=0\r\no=- 1 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
      "a=group:BUNDLE 0 1\r\na=extmap-allow-mixed\r\na=ice-lite\r\n";
  EXPECT_EQ(answer.sdp.substr(0, expected_session.size()), expected_session);

  const std::string expected_audio =
      "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=recvonly\r\n"
      "a=ice-ufrag:aB3d\r\n"
      "a=ice-pwd:0123456789abcdefABCDEF\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:00:11:22:33:44:55:66:77:88:99\r\n"
      "a=setup:passive\r\n"
      "a=mid:0\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:111 opus/48000/2\r\n"
      "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n"
      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=rtcp-fb:111 transport-cc\r\n";
  EXPECT_NE(answer.sdp.find(expected_session + expected_audio + "m=video"), std::string::npos)
      << answer.sdp;

  auto video = section_lines(answer.sdp, 1);
  ASSERT_FALSE(video.empty());
  EXPECT_EQ(video[0], "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
  EXPECT_TRUE(has_line(video, "a=recvonly"));
  EXPECT_TRUE(has_line(video, "a=rtpmap:96 VP8/90000"));
  EXPECT_TRUE(has_line(video, "a=rtpmap:97 rtx/90000"));
  EXPECT_TRUE(has_line(video, "a=fmtp:97 apt=96"));
  EXPECT_TRUE(has_line(video, "a=rtcp-fb:96 ccm fir"));
  EXPECT_TRUE(has_line(video, "a=rtcp-fb:96 nack"));
  EXPECT_TRUE(has_line(video, "a=rtcp-fb:96 nack pli"));
  EXPECT_TRUE(has_line(video, "a=rtcp-fb:96 transport-cc"));
  EXPECT_FALSE(has_line(video, "a=rtcp-fb:96 goog-remb"));
  EXPECT_TRUE(has_line(video, "a=rtcp-rsize"));
  EXPECT_EQ(count_prefix(video, "a=extmap:"), 4u);
  EXPECT_TRUE(has_line(video, "a=extmap:3 " + std::string(kTwcc)));
  EXPECT_TRUE(has_line(video, "a=extmap:4 " + std::string(kMid)));
  EXPECT_TRUE(has_line(video, "a=extmap:10 " + std::string(kRid)));
  EXPECT_TRUE(has_line(video, "a=extmap:11 " + std::string(kRrid)));
  EXPECT_EQ(count_prefix(video, "a=msid"), 0u);
  EXPECT_EQ(count_prefix(video, "a=ssrc"), 0u);
  EXPECT_EQ(count_prefix(video, "a=rid"), 0u);

  ASSERT_EQ(answer.media.size(), 2u);
  const auto& a = answer.media[0];
  EXPECT_EQ(a.mid, "0");
  EXPECT_EQ(a.kind, sdp::MediaKind::Audio);
  EXPECT_EQ(a.answer_direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(a.inactive_reason, sdp::InactiveReason::None);
  EXPECT_EQ(a.track_id, "peer1:audio");
  EXPECT_EQ(a.payload_type, 111);
  EXPECT_FALSE(a.rtx_payload_type);
  EXPECT_EQ(a.codec_name, "opus");
  EXPECT_EQ(a.clock_rate, 48000);
  EXPECT_EQ(a.channels, 2);
  EXPECT_EQ(a.fmtp, "minptime=10;useinbandfec=1");
  ASSERT_EQ(a.extensions.size(), 3u);
  EXPECT_EQ(a.extensions[0].uri, kAudioLevel);
  EXPECT_EQ(a.extensions[0].attributes, "vad=on");
  EXPECT_EQ(a.ssrcs, (std::vector<std::uint32_t>{3333}));
  EXPECT_FALSE(a.rtx_ssrc);
  EXPECT_EQ(a.rtcp_fb, (std::vector<std::string>{"transport-cc"}));

  const auto& v = answer.media[1];
  EXPECT_EQ(v.answer_direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(v.track_id, "peer1:video");
  EXPECT_EQ(v.payload_type, 96);
  EXPECT_EQ(v.rtx_payload_type, 97);
  EXPECT_EQ(v.codec_name, "VP8");
  EXPECT_EQ(v.clock_rate, 90000);
  EXPECT_EQ(v.ssrcs, (std::vector<std::uint32_t>{1111}));
  EXPECT_EQ(v.rtx_ssrc, 2222u);
  EXPECT_EQ(v.rtcp_fb, (std::vector<std::string>{"transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_TRUE(v.rids.empty());
}

TEST(RtcSdpAnswer, H264FilterPicksFirstConstrainedBaseline) {
  auto plan = publisher_plan();
  plan.video_filter = sdp::VideoCodecFilter::H264;
  auto answer = answer_ok(publisher_offer(), plan);
  const auto& v = answer.media[1];
  EXPECT_EQ(v.payload_type, 106);  // 102/104 are 42001f (Baseline, not constrained)
  EXPECT_EQ(v.rtx_payload_type, 107);
  EXPECT_EQ(v.codec_name, "H264");
  EXPECT_EQ(v.fmtp, "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  auto video = section_lines(answer.sdp, 1);
  EXPECT_EQ(video[0], "m=video 9 UDP/TLS/RTP/SAVPF 106 107");
  EXPECT_TRUE(has_line(video, "a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f"));
  EXPECT_TRUE(has_line(video, "a=fmtp:107 apt=106"));
  // Audio is unaffected by the video filter.
  EXPECT_EQ(answer.media[0].codec_name, "opus");
}

TEST(RtcSdpAnswer, Vp8FilterSkipsPreferredH264) {
  auto plan = publisher_plan();
  plan.video_filter = sdp::VideoCodecFilter::Vp8;
  auto o = with_ssrcs(1111, 2222);
  o.h264_first = true;
  auto answer = answer_ok(publisher_offer(o), plan);
  EXPECT_EQ(answer.media[1].codec_name, "VP8");
  EXPECT_EQ(answer.media[1].payload_type, 96);
}

TEST(RtcSdpAnswer, AnyFilterTakesBrowserPreference) {
  auto o = with_ssrcs(1111, 2222);
  o.h264_first = true;
  auto answer = answer_ok(publisher_offer(o), publisher_plan());
  EXPECT_EQ(answer.media[1].codec_name, "H264");
  EXPECT_EQ(answer.media[1].payload_type, 102);  // first offered, profile not checked
  EXPECT_EQ(answer.media[1].rtx_payload_type, 103);
  // Default Chrome order: VP8 comes first.
  EXPECT_EQ(answer_ok(publisher_offer(), publisher_plan()).media[1].codec_name, "VP8");
}

TEST(RtcSdpAnswer, NoAcceptableCodecIsInactive) {
  auto o = with_ssrcs(1111, 2222);
  o.only_vp9_av1 = true;
  for (auto filter : {sdp::VideoCodecFilter::Any, sdp::VideoCodecFilter::Vp8, sdp::VideoCodecFilter::H264}) {
    auto plan = publisher_plan();
    plan.video_filter = filter;
    auto answer = answer_ok(publisher_offer(o), plan);
    const auto& v = answer.media[1];
    EXPECT_EQ(v.answer_direction, sdp::Direction::Inactive);
    EXPECT_EQ(v.inactive_reason, sdp::InactiveReason::NoCodec);
    EXPECT_EQ(v.track_id, "peer1:video");
    EXPECT_EQ(v.payload_type, -1);
    auto video = section_lines(answer.sdp, 1);
    EXPECT_EQ(video[0], "m=video 9 UDP/TLS/RTP/SAVPF 98");
    EXPECT_TRUE(has_line(video, "a=inactive"));
    EXPECT_TRUE(has_line(video, "a=mid:1"));
    EXPECT_EQ(count_prefix(video, "a=extmap"), 0u);
    EXPECT_EQ(answer.media[0].answer_direction, sdp::Direction::RecvOnly);
  }
  // H264 filter with only Baseline/Main/High offered.
  std::string offer = publisher_offer();
  auto pos = offer.find("profile-level-id=42e01f");
  while (pos != std::string::npos) {
    offer.replace(pos, 23, "profile-level-id=42001f");
    pos = offer.find("profile-level-id=42e01f");
  }
  auto plan = publisher_plan();
  plan.video_filter = sdp::VideoCodecFilter::H264;
  EXPECT_EQ(answer_ok(offer, plan).media[1].inactive_reason, sdp::InactiveReason::NoCodec);
}

TEST(RtcSdpAnswer, SendOnlyWithoutTrackIsInactive) {
  auto plan = publisher_plan();
  plan.inbound.erase("1");
  auto answer = answer_ok(publisher_offer(), plan);
  EXPECT_EQ(answer.media[1].answer_direction, sdp::Direction::Inactive);
  EXPECT_EQ(answer.media[1].inactive_reason, sdp::InactiveReason::NoTrack);
  EXPECT_FALSE(answer.media[1].track_id);
  auto video = section_lines(answer.sdp, 1);
  EXPECT_EQ(video[0], "m=video 9 UDP/TLS/RTP/SAVPF 96");
  EXPECT_TRUE(has_line(video, "a=rtpmap:96 VP8/90000"));
  EXPECT_NE(answer.sdp.find("a=group:BUNDLE 0 1\r\n"), std::string::npos);
}

TEST(RtcSdpAnswer, SimulcastAccepted) {
  VideoOptions o;
  o.rids = {"l", "m", "h"};
  auto answer = answer_ok(publisher_offer(o), publisher_plan());
  const auto& v = answer.media[1];
  EXPECT_EQ(v.answer_direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(v.rids, (std::vector<std::string>{"l", "m", "h"}));
  EXPECT_TRUE(v.ssrcs.empty());
  EXPECT_FALSE(v.rtx_ssrc);
  EXPECT_EQ(v.rtx_payload_type, 97);
  auto video = section_lines(answer.sdp, 1);
  auto rid_l = std::find(video.begin(), video.end(), "a=rid:l recv");
  ASSERT_NE(rid_l, video.end());
  ASSERT_LT(rid_l + 3, video.end());
  EXPECT_EQ(*(rid_l + 1), "a=rid:m recv");
  EXPECT_EQ(*(rid_l + 2), "a=rid:h recv");
  EXPECT_EQ(*(rid_l + 3), "a=simulcast:recv l;m;h");
  EXPECT_TRUE(has_line(video, "a=extmap:10 " + std::string(kRid)));
  EXPECT_TRUE(has_line(video, "a=extmap:11 " + std::string(kRrid)));
}

TEST(RtcSdpAnswer, SimulcastKeepsOfferOrder) {
  VideoOptions o;
  o.rids = {"h", "l"};
  auto answer = answer_ok(publisher_offer(o), publisher_plan());
  EXPECT_EQ(answer.media[1].rids, (std::vector<std::string>{"h", "l"}));
  EXPECT_TRUE(has_line(section_lines(answer.sdp, 1), "a=simulcast:recv h;l"));
}

TEST(RtcSdpAnswer, SimulcastRejectedCases) {
  VideoOptions o;
  o.rids = {"l", "m", "h"};
  auto plan = publisher_plan();
  plan.simulcast_allowed = false;
  auto disabled = answer_ok(publisher_offer(o), plan);
  EXPECT_EQ(disabled.media[1].inactive_reason, sdp::InactiveReason::SimulcastNotAllowed);
  EXPECT_EQ(count_prefix(section_lines(disabled.sdp, 1), "a=rid"), 0u);
  EXPECT_EQ(count_prefix(section_lines(disabled.sdp, 1), "a=simulcast"), 0u);

  o.rids = {"q0", "q1", "q2"};
  auto unknown = answer_ok(publisher_offer(o), publisher_plan());
  EXPECT_EQ(unknown.media[1].answer_direction, sdp::Direction::Inactive);
  EXPECT_EQ(unknown.media[1].inactive_reason, sdp::InactiveReason::UnsupportedRid);
  EXPECT_EQ(unknown.media[0].answer_direction, sdp::Direction::RecvOnly);
}

sdp::OutboundTrackPlan remote_audio() {
  return {"peer2:audio", sdp::MediaKind::Audio, "opus", {std::string(kMid), std::string(kTwcc)},
          "5f0c2a1e-stream", 0x11223344};
}

sdp::OutboundTrackPlan remote_video(std::string codec) {
  return {"peer2:video", sdp::MediaKind::Video, std::move(codec),
          {std::string(kMid), std::string(kTwcc), std::string(kRid), std::string(kAudioLevel)},
          "5f0c2a1e-stream", 0xCAFEBABE};
}

TEST(RtcSdpAnswer, ReceiverGetsRemoteTracks) {
  auto offer = chrome_offer({"0", "1"}, {chrome_audio("0", "recvonly"), chrome_video("1", "recvonly")});
  auto plan = base_plan();
  plan.outbound["0"] = remote_audio();
  plan.outbound["1"] = remote_video("vp8");
  auto answer = answer_ok(offer, plan);

  auto audio = section_lines(answer.sdp, 0);
  EXPECT_EQ(audio[0], "m=audio 9 UDP/TLS/RTP/SAVPF 111");
  EXPECT_TRUE(has_line(audio, "a=sendonly"));
  EXPECT_TRUE(has_line(audio, "a=msid:5f0c2a1e-stream"));
  EXPECT_TRUE(has_line(audio, "a=ssrc:287454020 cname:peer2:audio-audio-5f0c2a1e-stream"));
  EXPECT_TRUE(has_line(audio, "a=extmap:3 " + std::string(kTwcc)));
  EXPECT_TRUE(has_line(audio, "a=extmap:4 " + std::string(kMid)));
  EXPECT_EQ(count_prefix(audio, "a=extmap"), 2u);  // audio level not on the publisher's track
  EXPECT_TRUE(has_line(audio, "a=rtcp-fb:111 transport-cc"));

  auto video = section_lines(answer.sdp, 1);
  EXPECT_EQ(video[0], "m=video 9 UDP/TLS/RTP/SAVPF 96 97");
  EXPECT_TRUE(has_line(video, "a=sendonly"));
  EXPECT_TRUE(has_line(video, "a=msid:5f0c2a1e-stream"));
  EXPECT_TRUE(has_line(video, "a=ssrc:3405691582 cname:peer2:video-video-5f0c2a1e-stream"));
  // Intersection of publisher {mid, twcc, rid, audio-level} with the offer; audio level is
  // never kept on video.
  EXPECT_EQ(count_prefix(video, "a=extmap"), 3u);
  EXPECT_FALSE(has_line(video, "a=extmap:11 " + std::string(kRrid)));
  EXPECT_TRUE(has_line(video, "a=rtcp-rsize"));

  ASSERT_EQ(answer.media.size(), 2u);
  EXPECT_EQ(answer.media[0].answer_direction, sdp::Direction::SendOnly);
  EXPECT_EQ(answer.media[0].track_id, "peer2:audio");
  EXPECT_EQ(answer.media[0].ssrcs, (std::vector<std::uint32_t>{0x11223344}));
  EXPECT_EQ(answer.media[1].payload_type, 96);
  EXPECT_EQ(answer.media[1].rtx_payload_type, 97);
  EXPECT_FALSE(answer.media[1].rtx_ssrc);
  EXPECT_EQ(answer.media[1].ssrcs, (std::vector<std::uint32_t>{0xCAFEBABE}));
}

TEST(RtcSdpAnswer, OutboundH264UsesFirstSameNameCodec) {
  auto offer = chrome_offer({"0"}, {chrome_video("0", "recvonly")});
  auto plan = base_plan();
  plan.outbound["0"] = remote_video("H264");
  auto answer = answer_ok(offer, plan);
  EXPECT_EQ(answer.media[0].payload_type, 102);  // no profile matching, like the original
  EXPECT_EQ(answer.media[0].rtx_payload_type, 103);
  EXPECT_EQ(section_lines(answer.sdp, 0)[0], "m=video 9 UDP/TLS/RTP/SAVPF 102 103");
}

TEST(RtcSdpAnswer, OutboundInactiveCases) {
  VideoOptions vp9;
  vp9.only_vp9_av1 = true;
  auto offer = chrome_offer({"0", "1", "2", "3"},
                            {chrome_audio("0", "recvonly"), chrome_video("1", "recvonly", vp9),
                             chrome_video("2", "recvonly"), chrome_audio("3", "recvonly")});
  auto plan = base_plan();
  plan.outbound["0"] = remote_video("VP8");  // kind mismatch
  plan.outbound["1"] = remote_video("VP8");  // receiver cannot decode VP8
  plan.outbound["2"] = remote_video("VP8");  // fine
  // mid 3: an unused recvonly transceiver left over from a removed track
  auto answer = answer_ok(offer, plan);
  ASSERT_EQ(answer.media.size(), 4u);
  EXPECT_EQ(answer.media[0].inactive_reason, sdp::InactiveReason::KindMismatch);
  EXPECT_EQ(answer.media[1].inactive_reason, sdp::InactiveReason::NoCodec);
  EXPECT_EQ(answer.media[2].answer_direction, sdp::Direction::SendOnly);
  EXPECT_EQ(answer.media[3].inactive_reason, sdp::InactiveReason::NoTrack);
  EXPECT_NE(answer.sdp.find("a=group:BUNDLE 0 1 2 3\r\n"), std::string::npos);
  for (std::size_t i : {0u, 1u, 3u}) {
    auto lines = section_lines(answer.sdp, i);
    EXPECT_TRUE(has_line(lines, "a=inactive")) << i;
    EXPECT_EQ(count_prefix(lines, "a=msid"), 0u) << i;
    EXPECT_EQ(count_prefix(lines, "a=ssrc"), 0u) << i;
  }
}

TEST(RtcSdpAnswer, MixedPublishAndReceive) {
  auto offer = chrome_offer({"0", "1", "2"}, {chrome_audio("0", "sendonly", 3333),
                                              chrome_audio("1", "recvonly"), chrome_video("2", "recvonly")});
  auto plan = base_plan();
  plan.inbound["0"] = {"me:audio"};
  plan.outbound["1"] = remote_audio();
  plan.outbound["2"] = remote_video("VP8");
  auto answer = answer_ok(offer, plan);
  EXPECT_EQ(answer.media[0].answer_direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(answer.media[1].answer_direction, sdp::Direction::SendOnly);
  EXPECT_EQ(answer.media[2].answer_direction, sdp::Direction::SendOnly);
}

TEST(RtcSdpAnswer, SendRecvIsRejected) {
  auto offer = chrome_offer({"0", "1"}, {chrome_audio("0", "sendrecv", 3333), chrome_video("1", "sendonly", with_ssrcs(1, 2))});
  auto result = sdp::build_answer(offer, publisher_plan());
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error(), sdp::OfferError::SendRecvNotAllowed);

  // A sendrecv line the browser already rejected (port 0) does not count.
  std::string stopped = chrome_audio("2", "sendrecv");
  stopped.replace(0, 9, "m=audio 0");
  auto ok = answer_ok(chrome_offer({"0", "1"}, {chrome_audio("0", "sendonly", 3333),
                                                 chrome_video("1", "sendonly", with_ssrcs(1, 2)), stopped}),
                      publisher_plan());
  ASSERT_EQ(ok.media.size(), 3u);
  EXPECT_TRUE(ok.media[2].rejected);
}

TEST(RtcSdpAnswer, DataChannelAndStoppedLinesAreRejected) {
  std::string data =
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:Vq3W\r\na=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\na=mid:2\r\n"
      "a=sctp-port:5000\r\na=max-message-size:262144\r\n";
  std::string stopped = chrome_video("3", "inactive");
  stopped.replace(0, 9, "m=video 0");
  auto offer = chrome_offer({"0", "1", "2"}, {chrome_audio("0", "sendonly", 3333),
                                              chrome_video("1", "sendonly", with_ssrcs(1, 2)), data, stopped});
  auto answer = answer_ok(offer, publisher_plan());
  ASSERT_EQ(answer.media.size(), 4u);
  EXPECT_TRUE(answer.media[2].rejected);
  EXPECT_EQ(answer.media[2].inactive_reason, sdp::InactiveReason::Rejected);
  EXPECT_TRUE(answer.media[3].rejected);
  EXPECT_NE(answer.sdp.find("a=group:BUNDLE 0 1\r\n"), std::string::npos);
  auto app = section_lines(answer.sdp, 2);
  ASSERT_EQ(app.size(), 3u);
  EXPECT_EQ(app[0], "m=application 0 UDP/DTLS/SCTP webrtc-datachannel");
  EXPECT_EQ(app[2], "a=mid:2");
  auto video = section_lines(answer.sdp, 3);
  EXPECT_EQ(video[0].substr(0, 36), "m=video 0 UDP/TLS/RTP/SAVPF 96 97 98");
}

TEST(RtcSdpAnswer, OfferedInactiveStaysInactive) {
  auto offer = chrome_offer({"0", "1"}, {chrome_audio("0", "sendonly", 3333), chrome_video("1", "inactive")});
  auto answer = answer_ok(offer, publisher_plan());
  EXPECT_EQ(answer.media[1].inactive_reason, sdp::InactiveReason::OfferedInactive);
  EXPECT_TRUE(has_line(section_lines(answer.sdp, 1), "a=inactive"));
}

TEST(RtcSdpAnswer, FirefoxOfferWithSessionLevelFingerprint) {
  const std::string offer =
      "v=0\r\n"
      "o=mozilla...THIS_IS_SDPARTA-99.0 5538233442735433025 0 IN IP4 0.0.0.0\r\n"
      "s=-\r\nt=0 0\r\n"
      "a=fingerprint:sha-256 6B:8B:F0:65:5F:78:E2:51:3B:AC:6F:F3:3F:46:1B:35:DC:B8:5F:64:1A:24:C2:43:F0:A1:58:D0:A1:2C:19:08\r\n"
      "a=group:BUNDLE 0 1\r\n"
      "a=ice-options:trickle\r\n"
      "a=msid-semantic:WMS *\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 109 9 0 8 101\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=sendonly\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
      "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
      "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=fmtp:109 maxplaybackrate=48000;stereo=1;useinbandfec=1\r\n"
      "a=fmtp:101 0-15\r\n"
      "a=ice-pwd:e2c7b2bd8f4ac4a4fd3e2b7b4a0dd2b6\r\n"
      "a=ice-ufrag:1f4e9c0a\r\n"
      "a=mid:0\r\n"
      "a=msid:{2f6a7b5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c} {8a9b0c1d-2e3f-4a5b-6c7d-8e9f0a1b2c3d}\r\n"
      "a=rtcp-mux\r\n"
      "a=rtpmap:109 opus/48000/2\r\n"
      "a=rtpmap:9 G722/8000/1\r\n"
      "a=rtpmap:0 PCMU/8000\r\n"
      "a=rtpmap:8 PCMA/8000\r\n"
      "a=rtpmap:101 telephone-event/8000\r\n"
      "a=setup:actpass\r\n"
      "a=ssrc:3001 cname:{d1f1a1b1-c1d1-e1f1-a1b1-c1d1e1f1a1b1}\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 120 124 121 125 126 127 97 98\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=sendonly\r\n"
      "a=extmap:3 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
      "a=extmap:4 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
      "a=extmap:5 urn:ietf:params:rtp-hdrext:toffset\r\n"
      "a=extmap:6/recvonly http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
      "a=extmap:7 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=fmtp:126 profile-level-id=42e01f;level-asymmetry-allowed=1;packetization-mode=1\r\n"
      "a=fmtp:97 profile-level-id=42e01f;level-asymmetry-allowed=1\r\n"
      "a=fmtp:120 max-fs=12288;max-fr=60\r\n"
      "a=fmtp:124 apt=120\r\n"
      "a=fmtp:121 max-fs=12288;max-fr=60\r\n"
      "a=fmtp:125 apt=121\r\n"
      "a=fmtp:127 apt=126\r\n"
      "a=fmtp:98 apt=97\r\n"
      "a=ice-pwd:e2c7b2bd8f4ac4a4fd3e2b7b4a0dd2b6\r\n"
      "a=ice-ufrag:1f4e9c0a\r\n"
      "a=mid:1\r\n"
      "a=msid:{2f6a7b5c-1d2e-4f3a-9b8c-7d6e5f4a3b2c} {0b1c2d3e-4f5a-6b7c-8d9e-0f1a2b3c4d5e}\r\n"
      "a=rtcp-fb:120 nack\r\na=rtcp-fb:120 nack pli\r\na=rtcp-fb:120 ccm fir\r\n"
      "a=rtcp-fb:120 goog-remb\r\na=rtcp-fb:120 transport-cc\r\n"
      "a=rtcp-fb:126 nack\r\na=rtcp-fb:126 nack pli\r\na=rtcp-fb:126 ccm fir\r\n"
      "a=rtcp-fb:126 goog-remb\r\na=rtcp-fb:126 transport-cc\r\n"
      "a=rtcp-mux\r\n"
      "a=rtcp-rsize\r\n"
      "a=rtpmap:120 VP8/90000\r\n"
      "a=rtpmap:124 rtx/90000\r\n"
      "a=rtpmap:121 VP9/90000\r\n"
      "a=rtpmap:125 rtx/90000\r\n"
      "a=rtpmap:126 H264/90000\r\n"
      "a=rtpmap:127 rtx/90000\r\n"
      "a=rtpmap:97 H264/90000\r\n"
      "a=rtpmap:98 rtx/90000\r\n"
      "a=setup:actpass\r\n"
      "a=ssrc:4001 cname:{d1f1a1b1-c1d1-e1f1-a1b1-c1d1e1f1a1b1}\r\n"
      "a=ssrc:4002 cname:{d1f1a1b1-c1d1-e1f1-a1b1-c1d1e1f1a1b1}\r\n"
      "a=ssrc-group:FID 4001 4002\r\n";
  auto parsed = sdp::parse_sdp(offer);
  ASSERT_TRUE(parsed.has_value());
  const auto& description = *parsed;
  EXPECT_EQ(description.media[1].fingerprint_algorithm, "sha-256");
  EXPECT_EQ(description.media[1].fingerprint.substr(0, 8), "6B:8B:F0");

  auto plan = publisher_plan();
  auto answer = answer_ok(offer, plan);
  EXPECT_EQ(answer.media[0].payload_type, 109);
  EXPECT_EQ(answer.media[0].fmtp, "maxplaybackrate=48000;stereo=1;useinbandfec=1");
  ASSERT_EQ(answer.media[0].extensions.size(), 2u);  // audio level (vad=on) + mid
  EXPECT_EQ(answer.media[0].ssrcs, (std::vector<std::uint32_t>{3001}));
  EXPECT_EQ(answer.media[1].payload_type, 120);
  EXPECT_EQ(answer.media[1].rtx_payload_type, 124);
  EXPECT_EQ(answer.media[1].ssrcs, (std::vector<std::uint32_t>{4001}));
  EXPECT_EQ(answer.media[1].rtx_ssrc, 4002u);
  ASSERT_EQ(answer.media[1].extensions.size(), 2u);
  EXPECT_EQ(answer.media[1].extensions[1].id, 7);
  EXPECT_TRUE(has_line(section_lines(answer.sdp, 1), "a=rtpmap:124 rtx/90000"));

  plan.video_filter = sdp::VideoCodecFilter::H264;
  auto h264 = answer_ok(offer, plan);
  EXPECT_EQ(h264.media[1].payload_type, 126);
  EXPECT_EQ(h264.media[1].rtx_payload_type, 127);
}

TEST(RtcSdpAnswer, AnswerRoundTripsThroughParser) {
  VideoOptions sim;
  sim.rids = {"l", "m", "h"};
  std::string data =
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:4\r\n";
  auto offer = chrome_offer({"0", "1", "2", "3", "4"},
                            {chrome_audio("0", "sendonly", 3333), chrome_video("1", "sendonly", sim),
                             chrome_audio("2", "recvonly"), chrome_video("3", "recvonly"), data});
  auto plan = publisher_plan();
  plan.outbound["2"] = remote_audio();
  plan.outbound["3"] = remote_video("VP8");
  auto answer = answer_ok(offer, plan);

  auto reparsed = sdp::parse_sdp(answer.sdp);
  ASSERT_TRUE(reparsed.has_value()) << answer.sdp;
  const auto& parsed = *reparsed;
  EXPECT_EQ(parsed.bundle_mids, (std::vector<std::string>{"0", "1", "2", "3"}));
  ASSERT_EQ(parsed.media.size(), 5u);
  const sdp::Direction expected[] = {sdp::Direction::RecvOnly, sdp::Direction::RecvOnly,
                                     sdp::Direction::SendOnly, sdp::Direction::SendOnly,
                                     sdp::Direction::SendRecv};
  for (std::size_t i = 0; i < 5; ++i) {
    const auto& m = parsed.media[i];
    EXPECT_EQ(m.mid, std::to_string(i));
    EXPECT_EQ(m.direction, expected[i]) << i;
    if (i == 4) {
      EXPECT_EQ(m.port, 0);
      continue;
    }
    EXPECT_EQ(m.port, 9);
    EXPECT_EQ(m.ice_ufrag, "aB3d");
    EXPECT_EQ(m.ice_pwd, "0123456789abcdefABCDEF");
    EXPECT_EQ(m.fingerprint_algorithm, "sha-256");
    EXPECT_EQ(m.fingerprint, plan.fingerprint_sha256);
    EXPECT_EQ(m.setup, "passive");
    EXPECT_TRUE(m.rtcp_mux);
    ASSERT_FALSE(m.codecs.empty());
    EXPECT_EQ(m.codecs[0].payload_type, answer.media[i].payload_type);
    EXPECT_EQ(m.codecs[0].fmtp, answer.media[i].fmtp);
    EXPECT_EQ(m.extmaps.size(), answer.media[i].extensions.size());
  }
  EXPECT_EQ(parsed.media[1].codecs.size(), 2u);
  EXPECT_EQ(sdp::rtx_payload_type_for(parsed.media[1], 96), 97);
  EXPECT_EQ(parsed.media[2].ssrcs, (std::vector<std::uint32_t>{0x11223344}));
  EXPECT_EQ(parsed.media[3].msid, (std::vector<std::string>{"5f0c2a1e-stream"}));
}

TEST(RtcSdpAnswer, OfferErrors) {
  auto plan = publisher_plan();
  auto error_of = [&](std::string_view offer, const sdp::AnswerPlan& p) {
    auto result = sdp::build_answer(offer, p);
    return result ? static_cast<sdp::OfferError>(-1) : result.error();
  };
  EXPECT_EQ(error_of("", plan), sdp::OfferError::Unparsable);
  EXPECT_EQ(error_of("v=0\r\nm=audio x\r\n", plan), sdp::OfferError::Unparsable);
  EXPECT_EQ(error_of("v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n", plan), sdp::OfferError::NoMedia);
  EXPECT_EQ(error_of("v=0\r\nm=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\na=mid:0\r\n", plan),
            sdp::OfferError::NoMedia);

  auto offer = publisher_offer();
  auto bad = plan;
  bad.ice_ufrag = "";
  EXPECT_EQ(error_of(offer, bad), sdp::OfferError::InvalidPlan);
  bad = plan;
  bad.ice_pwd = "has space";
  EXPECT_EQ(error_of(offer, bad), sdp::OfferError::InvalidPlan);
  bad = plan;
  bad.fingerprint_sha256 = "AA\r\na=inject";
  EXPECT_EQ(error_of(offer, bad), sdp::OfferError::InvalidPlan);
  bad = plan;
  bad.outbound["7"] = remote_audio();
  bad.outbound["7"].stream_id = "a b";
  EXPECT_EQ(error_of(offer, bad), sdp::OfferError::InvalidPlan);
}

TEST(RtcSdpAnswer, MalformedAndTruncatedOffersNeverCrash) {
  auto plan = publisher_plan();
  plan.outbound["1"] = remote_video("VP8");
  auto offer = publisher_offer();
  std::size_t answered = 0;
  for (std::size_t n = 0; n <= offer.size(); n += 7) {
    auto result = sdp::build_answer(std::string_view(offer).substr(0, n), plan);
    if (result) {
      ++answered;
      EXPECT_TRUE(sdp::parse_sdp(result->sdp).has_value());
    }
  }
  EXPECT_GT(answered, 0u);
}
