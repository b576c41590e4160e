#include "rtc/rtsp/rtsp_message.hpp"
#include "rtc/rtsp/rtsp_uri.hpp"

#include "result_access.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace shoal::rtc::rtsp {
namespace {

std::span<const std::uint8_t> bytes(const std::string& text) {
  return {reinterpret_cast<const std::uint8_t*>(text.data()), text.size()};
}

TEST(RtspMessage, ParsesAResponseWithABody) {
  const std::string wire =
      "RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Base: rtsp://h/s/\r\ncontent-length: 4\r\n\r\nv=0\nRTSP/1.0";
  auto item = parse_stream_item(bytes(wire));
  ASSERT_EQ(item.kind, StreamItem::Kind::Message);
  EXPECT_TRUE(item.message.is_response);
  EXPECT_EQ(item.message.status, 200);
  EXPECT_EQ(item.message.cseq(), 2u);
  EXPECT_EQ(item.message.header("content-base"), "rtsp://h/s/");
  EXPECT_EQ(item.message.body, "v=0\n");
  EXPECT_EQ(item.consumed, wire.size() - 8);
}

TEST(RtspMessage, WaitsForTheWholeMessageAtEveryCut) {
  const std::string wire = "RTSP/1.0 454 Session Not Found\r\nCSeq: 9\r\nContent-Length: 3\r\n\r\nabc";
  for (std::size_t cut = 0; cut < wire.size(); ++cut) {
    auto item = parse_stream_item(bytes(wire.substr(0, cut)));
    EXPECT_EQ(item.kind, StreamItem::Kind::NeedMore) << cut;
  }
  auto item = parse_stream_item(bytes(wire));
  ASSERT_EQ(item.kind, StreamItem::Kind::Message);
  EXPECT_EQ(item.message.status, 454);
}

TEST(RtspMessage, AcceptsBareLineFeeds) {
  auto item = parse_stream_item(bytes("RTSP/1.0 200 OK\nCSeq: 1\n\n"));
  ASSERT_EQ(item.kind, StreamItem::Kind::Message);
  EXPECT_EQ(item.message.cseq(), 1u);
}

TEST(RtspMessage, ParsesInterleavedFrames) {
  std::vector<std::uint8_t> wire{'$', 1, 0, 3, 0xaa, 0xbb, 0xcc, 'R'};
  auto item = parse_stream_item(std::span(wire).first(6));
  EXPECT_EQ(item.kind, StreamItem::Kind::NeedMore);
  item = parse_stream_item(wire);
  ASSERT_EQ(item.kind, StreamItem::Kind::Frame);
  EXPECT_EQ(item.frame.channel, 1);
  EXPECT_EQ(item.frame.data.size(), 3u);
  EXPECT_EQ(item.consumed, 7u);
}

TEST(RtspMessage, ParsesRequestsFromTheServer) {
  auto item = parse_stream_item(bytes("GET_PARAMETER rtsp://x/ RTSP/1.0\r\nCSeq: 7\r\n\r\n"));
  ASSERT_EQ(item.kind, StreamItem::Kind::Message);
  EXPECT_FALSE(item.message.is_response);
  EXPECT_EQ(item.message.method, "GET_PARAMETER");
}

TEST(RtspMessage, RefusesGarbage) {
  for (const std::string wire : {"HTTP/1.1 200 OK\r\n\r\n", "RTSP/1.0 2x0 OK\r\n\r\n", "RTSP/1.0 200 OK\r\nno colon\r\n\r\n",
                                 "RTSP/1.0 200 OK\r\nContent-Length: -1\r\n\r\n",
                                 "RTSP/1.0 200 OK\r\nContent-Length: 99999999\r\n\r\n", "\x16\x03\x01\x02\r\n\r\n"}) {
    EXPECT_EQ(parse_stream_item(bytes(wire)).kind, StreamItem::Kind::Error) << wire;
  }
}

TEST(RtspMessage, BoundsTheHeaderSection) {
  std::string endless = "RTSP/1.0 200 OK\r\n" + std::string(kMaxHeaderBytes, 'a');
  auto item = parse_stream_item(bytes(endless));
  ASSERT_EQ(item.kind, StreamItem::Kind::Error);
  EXPECT_EQ(item.error, StreamError::HeaderTooLarge);

  std::string many = "RTSP/1.0 200 OK\r\n";
  for (std::size_t i = 0; i <= kMaxHeaders; ++i) many += "X: y\r\n";
  many += "\r\n";
  EXPECT_EQ(parse_stream_item(bytes(many)).error, StreamError::TooManyHeaders);
}

TEST(RtspMessage, WritesRequests) {
  const std::pair<std::string_view, std::string> headers[] = {{"Session", "abc"}};
  EXPECT_EQ(write_request("PLAY", "rtsp://h/s", 4, headers),
            "PLAY rtsp://h/s RTSP/1.0\r\nCSeq: 4\r\nSession: abc\r\nUser-Agent: shoal\r\n\r\n");
}

TEST(RtspTransport, ReadsPortsChannelsAndSsrc) {
  auto udp = parse_transport("RTP/AVP;unicast;client_port=20000-20001;server_port=6970-6971;ssrc=1A2b3C4d;mode=\"PLAY\"");
  EXPECT_EQ(udp.server_rtp_port, 6970);
  EXPECT_EQ(udp.server_rtcp_port, 6971);
  EXPECT_EQ(udp.ssrc, 0x1a2b3c4du);
  EXPECT_FALSE(udp.interleaved_rtp);
  auto tcp = parse_transport("RTP/AVP/TCP;unicast;interleaved=2-3");
  EXPECT_EQ(tcp.interleaved_rtp, 2);
  EXPECT_EQ(tcp.interleaved_rtcp, 3);
  auto bad = parse_transport("RTP/AVP;server_port=99999-x;interleaved=300");
  EXPECT_FALSE(bad.server_rtp_port);
  EXPECT_FALSE(bad.interleaved_rtp);
}

TEST(RtspSession, ReadsIdAndTimeout) {
  auto session = parse_session("12345678;timeout=60");
  ASSERT_TRUE(session);
  EXPECT_EQ(session->id, "12345678");
  EXPECT_EQ(session->timeout_seconds, 60u);
  EXPECT_FALSE(parse_session(""));
  EXPECT_FALSE(parse_session("a\x01z"));
}

TEST(RtspUri, SplitsHostAndPort) {
  auto uri = test::value_of(parse_rtsp_uri("rtsp://user:pw@cam.local:8554/live/1?x=y"));
  EXPECT_EQ(uri.host, "cam.local");
  EXPECT_EQ(uri.port, 8554);
  // Requests (and logs) name the URI without the credentials.
  EXPECT_EQ(uri.uri, "rtsp://cam.local:8554/live/1?x=y");
  ASSERT_TRUE(uri.credentials);
  EXPECT_EQ(uri.credentials->user, "user");
  EXPECT_EQ(uri.credentials->password, "pw");
  EXPECT_FALSE(test::value_of(parse_rtsp_uri("rtsp://cam/s")).credentials);
  auto v6 = test::value_of(parse_rtsp_uri("RTSP://[::1]/s"));
  EXPECT_EQ(v6.host, "::1");
  EXPECT_EQ(v6.port, 554);
}

TEST(RtspUri, DecodesPercentEscapesInCredentials) {
  auto uri = test::value_of(parse_rtsp_uri("rtsp://ad%40min:p%3Ass%2Fw@[::1]:554/s"));
  EXPECT_EQ(uri.credentials->user, "ad@min");
  EXPECT_EQ(uri.credentials->password, "p:ss/w");
  EXPECT_EQ(uri.host, "::1");
  EXPECT_EQ(uri.uri, "rtsp://[::1]:554/s");
  auto no_password = test::value_of(parse_rtsp_uri("rtsp://viewer@cam/s"));
  EXPECT_EQ(no_password.credentials->user, "viewer");
  EXPECT_EQ(no_password.credentials->password, "");
  // Escapes that are not hex, cut short, or decode to a line break (the values go into headers).
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp://a:%zz@cam/s")), UriError::Malformed);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp://a:b%4@cam/s")), UriError::Malformed);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp://a:b%0d%0aX@cam/s")), UriError::Malformed);
}

TEST(RtspUri, RefusesWhatItCannotServe) {
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsps://cam/s")), UriError::TlsUnsupported);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("http://cam/s")), UriError::NotRtsp);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp:///s")), UriError::Malformed);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp://cam:0/s")), UriError::Malformed);
  EXPECT_EQ(test::error_of(parse_rtsp_uri("rtsp://cam/s\r\nX: y")), UriError::Malformed);
}

TEST(RtspUri, ResolvesControl) {
  EXPECT_EQ(resolve_control("rtsp://h/s", "stream=0"), "rtsp://h/s/stream=0");
  EXPECT_EQ(resolve_control("rtsp://h/s/", "stream=0"), "rtsp://h/s/stream=0");
  EXPECT_EQ(resolve_control("rtsp://h/s", "*"), "rtsp://h/s");
  EXPECT_EQ(resolve_control("rtsp://h/s", "rtsp://other/t"), "rtsp://other/t");
}

}  // namespace
}  // namespace shoal::rtc::rtsp
