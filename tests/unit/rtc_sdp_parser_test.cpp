#include "rtc/sdp/sdp_parser.hpp"

#include <gtest/gtest.h>

#include <string>

namespace sdp = shoal::rtc::sdp;

namespace {

// Shape of a Chrome 120 offer from membrane-webrtc-js publishing audio + video (trimmed codec
// list; the answer tests use the full one).
constexpr std::string_view kChromeOffer =
    "v=0\r\n"
    "o=- 4611731400430051336 2 IN IP4 127.0.0.1\r\n"
    "s=-\r\n"
    "t=0 0\r\n"
    "a=group:BUNDLE 0 1\r\n"
    "a=extmap-allow-mixed\r\n"
    "a=msid-semantic: WMS 7c2d3e1f\r\n"
    "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Vq3W\r\n"
    "a=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:1A:22:9C:0B:7E:53:AA:10:FE:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16\r\n"
    "a=setup:actpass\r\n"
    "a=mid:0\r\n"
    "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
    "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=sendonly\r\n"
    "a=msid:7c2d3e1f 0a1b2c3d\r\n"
    "a=rtcp-mux\r\n"
    "a=rtpmap:111 opus/48000/2\r\n"
    "a=rtcp-fb:111 transport-cc\r\n"
    "a=fmtp:111 minptime=10;useinbandfec=1\r\n"
    "a=rtpmap:63 red/48000/2\r\n"
    "a=fmtp:63 111/111\r\n"
    "a=rtpmap:9 G722/8000\r\n"
    "a=rtpmap:0 PCMU/8000\r\n"
    "a=rtpmap:8 PCMA/8000\r\n"
    "a=rtpmap:13 CN/8000\r\n"
    "a=rtpmap:110 telephone-event/48000\r\n"
    "a=rtpmap:126 telephone-event/8000\r\n"
    "a=ssrc:1001 cname:Yd2Qx\r\n"
    "a=ssrc:1001 msid:7c2d3e1f 0a1b2c3d\r\n"
    "m=video 9 UDP/TLS/RTP/SAVPF 96 97 102 103 116\r\n"
    "c=IN IP4 0.0.0.0\r\n"
    "a=rtcp:9 IN IP4 0.0.0.0\r\n"
    "a=ice-ufrag:Vq3W\r\n"
    "a=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\n"
    "a=ice-options:trickle\r\n"
    "a=fingerprint:sha-256 4F:1A:22:9C:0B:7E:53:AA:10:FE:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16\r\n"
    "a=setup:actpass\r\n"
    "a=mid:1\r\n"
    "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
    "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
    "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
    "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
    "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
    "a=sendonly\r\n"
    "a=msid:7c2d3e1f 9e8d7c6b\r\n"
    "a=rtcp-mux\r\n"
    "a=rtcp-rsize\r\n"
    "a=rtpmap:96 VP8/90000\r\n"
    "a=rtcp-fb:96 goog-remb\r\n"
    "a=rtcp-fb:96 transport-cc\r\n"
    "a=rtcp-fb:96 ccm fir\r\n"
    "a=rtcp-fb:96 nack\r\n"
    "a=rtcp-fb:96 nack pli\r\n"
    "a=rtpmap:97 rtx/90000\r\n"
    "a=fmtp:97 apt=96\r\n"
    "a=rtpmap:102 H264/90000\r\n"
    "a=rtcp-fb:102 nack\r\n"
    "a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f\r\n"
    "a=rtpmap:103 rtx/90000\r\n"
    "a=fmtp:103 apt=102\r\n"
    "a=rtpmap:116 ulpfec/90000\r\n"
    "a=ssrc-group:FID 2001 2002\r\n"
    "a=ssrc:2001 cname:Yd2Qx\r\n"
    "a=ssrc:2001 msid:7c2d3e1f 9e8d7c6b\r\n"
    "a=ssrc:2002 cname:Yd2Qx\r\n"
    "a=ssrc:2002 msid:7c2d3e1f 9e8d7c6b\r\n";

sdp::SessionDescription parse_ok(std::string_view text) {
  auto parsed = sdp::parse_sdp(text);
  if (!parsed) {
    ADD_FAILURE() << "parse failed: " << sdp::to_string(parsed.error());
    return {};
  }
  return *std::move(parsed);
}

std::optional<sdp::ParseError> parse_error(std::string_view text) {
  auto parsed = sdp::parse_sdp(text);
  if (!parsed) return parsed.error();
  return std::nullopt;
}

std::string minimal(std::string_view media_lines) {
  return "v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\n" + std::string(media_lines);
}

}  // namespace

TEST(RtcSdpParser, ParsesChromeOffer) {
  auto offer = parse_ok(kChromeOffer);
  EXPECT_EQ(offer.bundle_mids, (std::vector<std::string>{"0", "1"}));
  ASSERT_EQ(offer.media.size(), 2u);

  const auto& audio = offer.media[0];
  EXPECT_EQ(audio.kind, sdp::MediaKind::Audio);
  EXPECT_EQ(audio.kind_text, "audio");
  EXPECT_EQ(audio.port, 9);
  EXPECT_EQ(audio.protocol, "UDP/TLS/RTP/SAVPF");
  EXPECT_EQ(audio.formats, "111 63 9 0 8 13 110 126");
  EXPECT_EQ(audio.payload_types, (std::vector<int>{111, 63, 9, 0, 8, 13, 110, 126}));
  ASSERT_EQ(audio.codecs.size(), 8u);
  EXPECT_EQ(audio.codecs[0].payload_type, 111);
  EXPECT_EQ(audio.codecs[0].name, "opus");
  EXPECT_EQ(audio.codecs[0].clock_rate, 48000);
  EXPECT_EQ(audio.codecs[0].channels, 2);
  EXPECT_EQ(audio.codecs[0].fmtp, "minptime=10;useinbandfec=1");
  EXPECT_EQ(audio.codecs[0].rtcp_fb, (std::vector<std::string>{"transport-cc"}));
  EXPECT_EQ(audio.codecs[1].fmtp, "111/111");
  EXPECT_EQ(audio.codecs[2].name, "G722");
  EXPECT_EQ(audio.codecs[2].channels, 0);
  EXPECT_EQ(audio.mid, "0");
  EXPECT_EQ(audio.direction, sdp::Direction::SendOnly);
  ASSERT_EQ(audio.extmaps.size(), 4u);
  EXPECT_EQ(audio.extmaps[0].id, 1);
  EXPECT_EQ(audio.extmaps[0].uri, "urn:ietf:params:rtp-hdrext:ssrc-audio-level");
  EXPECT_EQ(audio.extmaps[0].attributes, "");
  EXPECT_EQ(audio.ice_ufrag, "Vq3W");
  EXPECT_EQ(audio.ice_pwd, "5X1Kq0m0cKzQ8aJq4R4Jc2Yt");
  EXPECT_EQ(audio.fingerprint_algorithm, "sha-256");
  EXPECT_EQ(audio.fingerprint.substr(0, 5), "4F:1A");
  EXPECT_EQ(audio.setup, "actpass");
  EXPECT_EQ(audio.msid, (std::vector<std::string>{"7c2d3e1f 0a1b2c3d"}));
  EXPECT_EQ(audio.ssrcs, (std::vector<std::uint32_t>{1001}));
  EXPECT_TRUE(audio.rtcp_mux);

  const auto& video = offer.media[1];
  EXPECT_EQ(video.kind, sdp::MediaKind::Video);
  EXPECT_EQ(video.payload_types, (std::vector<int>{96, 97, 102, 103, 116}));
  ASSERT_EQ(video.codecs.size(), 5u);
  EXPECT_EQ(video.codecs[0].rtcp_fb,
            (std::vector<std::string>{"goog-remb", "transport-cc", "ccm fir", "nack", "nack pli"}));
  EXPECT_EQ(video.codecs[2].fmtp,
            "level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f");
  EXPECT_EQ(sdp::rtx_payload_type_for(video, 96), 97);
  EXPECT_EQ(sdp::rtx_payload_type_for(video, 102), 103);
  EXPECT_EQ(video.extmaps.size(), 5u);
  EXPECT_EQ(video.ssrcs, (std::vector<std::uint32_t>{2001, 2002}));
  ASSERT_EQ(video.ssrc_groups_fid.size(), 1u);
  EXPECT_EQ(video.ssrc_groups_fid[0], (std::vector<std::uint32_t>{2001, 2002}));
  EXPECT_TRUE(video.rids_send.empty());
}

TEST(RtcSdpParser, AcceptsLfLineEndingsAndMissingFinalNewline) {
  std::string text(kChromeOffer);
  std::string lf;
  for (char c : text) {
    if (c != '\r') lf += c;
  }
  lf.pop_back();
  auto offer = parse_ok(lf);
  ASSERT_EQ(offer.media.size(), 2u);
  EXPECT_EQ(offer.media[1].ssrcs.size(), 2u);
  EXPECT_EQ(offer.media[1].codecs[4].name, "ulpfec");
}

TEST(RtcSdpParser, SessionLevelValuesApplyUnlessOverridden) {
  auto offer = parse_ok(minimal(
      "a=ice-ufrag:sess\r\na=ice-pwd:sessionpasswordsessionpw\r\n"
      "a=fingerprint:sha-256 AA:BB\r\na=setup:actpass\r\na=recvonly\r\n"
      "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=mid:0\r\na=rtpmap:109 opus/48000/2\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 120\r\na=mid:1\r\na=ice-ufrag:own1\r\n"
      "a=fingerprint:sha-1 CC:DD\r\na=sendonly\r\na=rtpmap:120 VP8/90000\r\n"));
  ASSERT_EQ(offer.media.size(), 2u);
  EXPECT_EQ(offer.ice_ufrag, "sess");
  EXPECT_EQ(offer.media[0].ice_ufrag, "sess");
  EXPECT_EQ(offer.media[0].ice_pwd, "sessionpasswordsessionpw");
  EXPECT_EQ(offer.media[0].fingerprint_algorithm, "sha-256");
  EXPECT_EQ(offer.media[0].fingerprint, "AA:BB");
  EXPECT_EQ(offer.media[0].setup, "actpass");
  EXPECT_EQ(offer.media[0].direction, sdp::Direction::RecvOnly);
  EXPECT_EQ(offer.media[1].ice_ufrag, "own1");
  EXPECT_EQ(offer.media[1].ice_pwd, "sessionpasswordsessionpw");
  EXPECT_EQ(offer.media[1].fingerprint_algorithm, "sha-1");
  EXPECT_EQ(offer.media[1].fingerprint, "CC:DD");
  EXPECT_EQ(offer.media[1].direction, sdp::Direction::SendOnly);
}

TEST(RtcSdpParser, DefaultsToSendRecv) {
  auto offer = parse_ok(minimal("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=rtpmap:111 opus/48000/2\r\n"));
  ASSERT_EQ(offer.media.size(), 1u);
  EXPECT_EQ(offer.media[0].direction, sdp::Direction::SendRecv);
  EXPECT_TRUE(offer.media[0].mid.empty());
  EXPECT_FALSE(offer.media[0].rtcp_mux);
}

TEST(RtcSdpParser, WildcardFeedbackRidsAndUnknownLines) {
  auto offer = parse_ok(minimal(
      "z=0 -1h\r\nk=prompt\r\nx=unknown-type\r\n"
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97 96\r\nb=AS:2500\r\ni=info\r\na=mid:v\r\n"
      "a=rtpmap:96 VP8/90000\r\na=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n"
      "a=rtcp-fb:* nack\r\na=rtcp-fb:96 ccm fir\r\n"
      "a=rid:l send max-width=320\r\na=rid:m send\r\na=rid:h send\r\na=rid:x recv\r\n"
      "a=simulcast:send l;m;h\r\na=unknown-attr:with value\r\na=flag\r\n"
      "a=rtpmap:98 VP9/90000\r\n"));
  ASSERT_EQ(offer.media.size(), 1u);
  const auto& m = offer.media[0];
  EXPECT_EQ(m.payload_types, (std::vector<int>{96, 97}));  // duplicate dropped
  ASSERT_EQ(m.codecs.size(), 2u);                         // 98 is not on the m-line
  EXPECT_EQ(m.codecs[0].rtcp_fb, (std::vector<std::string>{"ccm fir", "nack"}));
  EXPECT_EQ(m.codecs[1].rtcp_fb, (std::vector<std::string>{"nack"}));
  EXPECT_EQ(m.rids_send, (std::vector<std::string>{"l", "m", "h"}));
  EXPECT_EQ(m.mid, "v");
}

TEST(RtcSdpParser, DataChannelSection) {
  auto offer = parse_ok(minimal(
      "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\n"
      "a=sctp-port:5000\r\na=max-message-size:262144\r\n"));
  ASSERT_EQ(offer.media.size(), 1u);
  EXPECT_EQ(offer.media[0].kind, sdp::MediaKind::Application);
  EXPECT_EQ(offer.media[0].formats, "webrtc-datachannel");
  EXPECT_TRUE(offer.media[0].payload_types.empty());
  auto other = parse_ok(minimal("m=text 0 RTP/AVP 98\r\n"));
  EXPECT_EQ(other.media[0].kind, sdp::MediaKind::Other);
  EXPECT_EQ(other.media[0].port, 0);
}

TEST(RtcSdpParser, ExtmapWithDirectionAndAttributes) {
  auto offer = parse_ok(minimal(
      "m=audio 9 UDP/TLS/RTP/SAVPF 109\r\na=mid:0\r\n"
      "a=extmap:2/recvonly urn:ietf:params:rtp-hdrext:csrc-audio-level\r\n"
      "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level vad=on\r\n"
      "a=extmap:255 urn:example:two-byte\r\n"));
  const auto& ext = offer.media[0].extmaps;
  ASSERT_EQ(ext.size(), 3u);
  EXPECT_EQ(ext[0].id, 2);
  EXPECT_EQ(ext[0].uri, "urn:ietf:params:rtp-hdrext:csrc-audio-level");
  EXPECT_EQ(ext[1].attributes, "vad=on");
  EXPECT_EQ(ext[2].id, 255);
}

TEST(RtcSdpParser, RejectsMissingVersion) {
  EXPECT_EQ(parse_error(""), sdp::ParseError::MissingVersion);
  EXPECT_EQ(parse_error("\r\n\r\n"), sdp::ParseError::MissingVersion);
  EXPECT_EQ(parse_error("o=- 1 1 IN IP4 0.0.0.0\r\nv=0\r\n"), sdp::ParseError::MissingVersion);
  EXPECT_EQ(parse_error("v=1\r\n"), sdp::ParseError::MissingVersion);
  EXPECT_EQ(parse_error("{\"type\":\"offer\"}"), sdp::ParseError::MissingVersion);
  EXPECT_FALSE(parse_error("v=0\r\n"));
}

TEST(RtcSdpParser, RejectsMalformedLines) {
  using E = sdp::ParseError;
  EXPECT_EQ(parse_error(minimal("garbage\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("A=b\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("=x\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("a\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal(std::string("a=mid:0\0x\r\n", 12))), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("a=mid:0\rx\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("a=fmtp:97 apt=96\t\r\n")), E::MalformedLine);
  EXPECT_EQ(parse_error(minimal("a=mid:\xc3\xa9\r\n")), E::MalformedLine);
  EXPECT_FALSE(parse_error(minimal("i=caf\xc3\xa9\r\n")));  // free text may be UTF-8
}

TEST(RtcSdpParser, RejectsMalformedMediaLines) {
  using E = sdp::ParseError;
  EXPECT_EQ(parse_error(minimal("m=audio\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 9\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 9 UDP/TLS/RTP/SAVPF\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 9 UDP/TLS/RTP/SAVPF \r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 65536 UDP/TLS/RTP/SAVPF 111\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio -9 UDP/TLS/RTP/SAVPF 111\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio x UDP/TLS/RTP/SAVPF 111\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 9 UDP/TLS/RTP/SAVPF 128\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=audio 9 UDP/TLS/RTP/SAVPF opus\r\n")), E::MalformedMedia);
  EXPECT_EQ(parse_error(minimal("m=aud:io 9 UDP/TLS/RTP/SAVPF 111\r\n")), E::MalformedMedia);
  EXPECT_FALSE(parse_error(minimal("m=audio 9/2 UDP/TLS/RTP/SAVPF 111\r\n")));
}

TEST(RtcSdpParser, RejectsMalformedAttributes) {
  using E = sdp::ParseError;
  auto in_media = [](std::string attr) {
    return minimal("m=video 9 UDP/TLS/RTP/SAVPF 96\r\n" + attr + "\r\n");
  };
  const char* bad[] = {
      "a=rtpmap:96",
      "a=rtpmap:96 VP8",
      "a=rtpmap:96 VP8/",
      "a=rtpmap:96 VP8/0",
      "a=rtpmap:96 VP8/90000/0",
      "a=rtpmap:96 VP8/90000/x",
      "a=rtpmap:96 VP8/90000 extra",
      "a=rtpmap:200 VP8/90000",
      "a=rtpmap:x VP8/90000",
      "a=rtpmap:96 V P8/90000",
      "a=fmtp:x apt=96",
      "a=rtcp-fb:96",
      "a=rtcp-fb:abc nack",
      "a=extmap:0 urn:x",
      "a=extmap:256 urn:x",
      "a=extmap:x urn:x",
      "a=extmap:1",
      "a=mid:",
      "a=mid:a b",
      "a=mid:a,b",
      "a=ice-ufrag:",
      "a=ice-pwd:has space",
      "a=fingerprint:sha-256",
      "a=fingerprint:sha-256 AA BB",
      "a=setup:",
      "a=msid:",
      "a=ssrc:",
      "a=ssrc:4294967296 cname:x",
      "a=ssrc:-1 cname:x",
      "a=ssrc-group:FID 1",
      "a=ssrc-group:FID 1 x",
      "a=rid:l",
      "a=rid:l sideways",
      "a=rid:l;m send",
  };
  for (const char* attr : bad) {
    EXPECT_EQ(parse_error(in_media(attr)), E::MalformedAttribute) << attr;
  }
  EXPECT_EQ(parse_error(in_media("a=extmap:1 urn:a\r\na=extmap:1 urn:b")), E::MalformedAttribute);
  EXPECT_EQ(parse_error(in_media("a=rid:l send\r\na=rid:l send")), E::MalformedAttribute);
  EXPECT_EQ(parse_error(minimal("a=group:BUNDLE 0 a;b\r\n")), E::MalformedAttribute);
  // Other group semantics and ssrc-group semantics are ignored, not rejected.
  EXPECT_FALSE(parse_error(in_media("a=ssrc-group:SIM 1 2 3\r\na=group:LS 0 1")));
}

TEST(RtcSdpParser, RejectsDuplicateMid) {
  EXPECT_EQ(parse_error(minimal("m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:0\r\n"
                                "m=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\n")),
            sdp::ParseError::DuplicateMid);
}

TEST(RtcSdpParser, EnforcesLimits) {
  using E = sdp::ParseError;
  std::string big = minimal("");
  while (big.size() <= sdp::kMaxSdpBytes) big += "a=x-filler:0123456789012345678901234567890123456789\r\n";
  EXPECT_EQ(parse_error(big), E::TooLarge);

  std::string many = minimal("");
  for (std::size_t i = 0; i < sdp::kMaxSdpLines; ++i) many += "a=x\n";
  EXPECT_EQ(parse_error(many), E::TooManyLines);

  std::string long_line = minimal("a=x-long:" + std::string(sdp::kMaxSdpLineBytes, 'y') + "\r\n");
  EXPECT_EQ(parse_error(long_line), E::LineTooLong);
  std::string just_fits = minimal("a=" + std::string(sdp::kMaxSdpLineBytes - 2, 'y') + "\r\n");
  EXPECT_FALSE(parse_error(just_fits));

  std::string media = minimal("");
  for (std::size_t i = 0; i <= sdp::kMaxMediaSections; ++i) {
    media += "m=audio 9 UDP/TLS/RTP/SAVPF 111\r\na=mid:" + std::to_string(i) + "\r\n";
  }
  EXPECT_EQ(parse_error(media), E::TooManyMedia);
}

TEST(RtcSdpParser, TruncatedOffersNeverCrash) {
  // Every prefix either parses (cut at a line boundary) or is rejected; none may misbehave.
  std::size_t parsed = 0;
  for (std::size_t n = 0; n <= kChromeOffer.size(); ++n) {
    auto result = sdp::parse_sdp(kChromeOffer.substr(0, n));
    if (result) ++parsed;
  }
  EXPECT_GT(parsed, 0u);
  auto truncated = parse_ok(kChromeOffer.substr(0, kChromeOffer.find("a=rtpmap:96")));
  ASSERT_EQ(truncated.media.size(), 2u);
  EXPECT_TRUE(truncated.media[1].codecs.empty());
}
