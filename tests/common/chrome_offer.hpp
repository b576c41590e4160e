#pragma once
// SDP offers shaped like Chrome 120+ under membrane-webrtc-js 0.5.3, built from pieces: the
// transport lines of an m-section, an audio or video m-section in a direction (with SSRCs,
// simulcast rids or another codec order), and the session around them. Shared by the SDP unit
// tests and the integration tests that negotiate with the real server.
#include <cstdint>
#include <string>
#include <vector>

namespace shoal::test::chrome {

inline std::string transport(const std::string& mid, const std::string& direction) {
  return "c=IN IP4 0.0.0.0\r\n"
         "a=rtcp:9 IN IP4 0.0.0.0\r\n"
         "a=ice-ufrag:Vq3W\r\n"
         "a=ice-pwd:5X1Kq0m0cKzQ8aJq4R4Jc2Yt\r\n"
         "a=ice-options:trickle\r\n"
         "a=fingerprint:sha-256 4F:1A:22:9C:0B:7E:53:AA:10:FE:01:02:03:04:05:06:07:08:09:0A:0B:0C:0D:0E:0F:10:11:12:13:14:15:16\r\n"
         "a=setup:actpass\r\n"
         "a=mid:" + mid + "\r\n" +
         (direction.empty() ? "" : "a=" + direction + "\r\n");
}

inline std::string chrome_audio(const std::string& mid, const std::string& direction,
                         std::uint32_t ssrc = 0) {
  std::string s = "m=audio 9 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110 126\r\n" + transport(mid, "") +
                  "a=extmap:1 urn:ietf:params:rtp-hdrext:ssrc-audio-level\r\n"
                  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
                  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
                  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                  "a=" + direction + "\r\n";
  if (ssrc) s += "a=msid:stream-a track-a\r\n";
  s += "a=rtcp-mux\r\n"
       "a=rtcp-rsize\r\n"
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
       "a=rtpmap:126 telephone-event/8000\r\n";
  if (ssrc) {
    s += "a=ssrc:" + std::to_string(ssrc) + " cname:Yd2Qx\r\n";
    s += "a=ssrc:" + std::to_string(ssrc) + " msid:stream-a track-a\r\n";
  }
  return s;
}

struct VideoOptions {
  std::uint32_t ssrc = 0, rtx_ssrc = 0;
  std::vector<std::string> rids;
  bool h264_first = false;  // Safari-like preference order
  bool only_vp9_av1 = false;
};

inline VideoOptions with_ssrcs(std::uint32_t ssrc, std::uint32_t rtx_ssrc) {
  VideoOptions o;
  o.ssrc = ssrc;
  o.rtx_ssrc = rtx_ssrc;
  return o;
}

inline std::string video_codecs(const VideoOptions& o) {
  std::string vp8 =
      "a=rtpmap:96 VP8/90000\r\n"
      "a=rtcp-fb:96 goog-remb\r\na=rtcp-fb:96 transport-cc\r\na=rtcp-fb:96 ccm fir\r\n"
      "a=rtcp-fb:96 nack\r\na=rtcp-fb:96 nack pli\r\n"
      "a=rtpmap:97 rtx/90000\r\na=fmtp:97 apt=96\r\n";
  std::string vp9_av1 =
      "a=rtpmap:98 VP9/90000\r\n"
      "a=rtcp-fb:98 goog-remb\r\na=rtcp-fb:98 transport-cc\r\na=rtcp-fb:98 ccm fir\r\n"
      "a=rtcp-fb:98 nack\r\na=rtcp-fb:98 nack pli\r\n"
      "a=fmtp:98 profile-id=0\r\n"
      "a=rtpmap:99 rtx/90000\r\na=fmtp:99 apt=98\r\n"
      "a=rtpmap:100 VP9/90000\r\na=rtcp-fb:100 nack\r\na=fmtp:100 profile-id=2\r\n"
      "a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\n"
      "a=rtpmap:45 AV1/90000\r\na=rtcp-fb:45 nack\r\na=fmtp:45 level-idx=5;profile=0;tier=0\r\n"
      "a=rtpmap:46 rtx/90000\r\na=fmtp:46 apt=45\r\n";
  auto h264 = [](int pt, int rtx, const char* profile, int mode) {
    std::string p = std::to_string(pt);
    std::string r = std::to_string(rtx);
    return "a=rtpmap:" + p + " H264/90000\r\n"
           "a=rtcp-fb:" + p + " goog-remb\r\na=rtcp-fb:" + p + " transport-cc\r\n"
           "a=rtcp-fb:" + p + " ccm fir\r\na=rtcp-fb:" + p + " nack\r\na=rtcp-fb:" + p + " nack pli\r\n"
           "a=fmtp:" + p + " level-asymmetry-allowed=1;packetization-mode=" + std::to_string(mode) +
           ";profile-level-id=" + profile + "\r\n"
           "a=rtpmap:" + r + " rtx/90000\r\na=fmtp:" + r + " apt=" + p + "\r\n";
  };
  std::string h264s = h264(102, 103, "42001f", 1) + h264(104, 105, "42001f", 0) +
                      h264(106, 107, "42e01f", 1) + h264(108, 109, "42e01f", 0) +
                      h264(127, 125, "4d001f", 1) + h264(39, 40, "4d001f", 0) +
                      h264(112, 113, "64001f", 1);
  std::string fec =
      "a=rtpmap:114 red/90000\r\n"
      "a=rtpmap:115 rtx/90000\r\na=fmtp:115 apt=114\r\n"
      "a=rtpmap:116 ulpfec/90000\r\n";
  if (o.only_vp9_av1) return vp9_av1 + fec;
  return o.h264_first ? h264s + vp8 + vp9_av1 + fec : vp8 + vp9_av1 + h264s + fec;
}

inline std::string video_m_line(const VideoOptions& o) {
  if (o.only_vp9_av1) return "m=video 9 UDP/TLS/RTP/SAVPF 98 99 100 101 45 46 114 115 116\r\n";
  std::string h264 = "102 103 104 105 106 107 108 109 127 125 39 40 112 113";
  std::string rest = "98 99 100 101 45 46";
  return "m=video 9 UDP/TLS/RTP/SAVPF " +
         (o.h264_first ? h264 + " 96 97 " + rest : "96 97 " + rest + " " + h264) +
         " 114 115 116\r\n";
}

inline std::string chrome_video(const std::string& mid, const std::string& direction,
                         const VideoOptions& o = {}) {
  std::string s = video_m_line(o) + transport(mid, "") +
                  "a=extmap:14 urn:ietf:params:rtp-hdrext:toffset\r\n"
                  "a=extmap:2 http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time\r\n"
                  "a=extmap:13 urn:3gpp:video-orientation\r\n"
                  "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
                  "a=extmap:5 http://www.webrtc.org/experiments/rtp-hdrext/playout-delay\r\n"
                  "a=extmap:6 http://www.webrtc.org/experiments/rtp-hdrext/video-content-type\r\n"
                  "a=extmap:7 http://www.webrtc.org/experiments/rtp-hdrext/video-timing\r\n"
                  "a=extmap:8 http://www.webrtc.org/experiments/rtp-hdrext/color-space\r\n"
                  "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n"
                  "a=extmap:10 urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id\r\n"
                  "a=extmap:11 urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id\r\n"
                  "a=" + direction + "\r\n";
  if (o.ssrc || !o.rids.empty()) s += "a=msid:stream-a track-v\r\n";
  s += "a=rtcp-mux\r\na=rtcp-rsize\r\n" + video_codecs(o);
  if (!o.rids.empty()) {
    std::string list;
    for (const auto& rid : o.rids) {
      s += "a=rid:" + rid + " send\r\n";
      list += (list.empty() ? "" : ";") + rid;
    }
    s += "a=simulcast:send " + list + "\r\n";
  }
  if (o.ssrc) {
    auto a = std::to_string(o.ssrc), b = std::to_string(o.rtx_ssrc);
    s += "a=ssrc-group:FID " + a + " " + b + "\r\n";
    for (const auto& x : {a, b}) {
      s += "a=ssrc:" + x + " cname:Yd2Qx\r\n";
      s += "a=ssrc:" + x + " msid:stream-a track-v\r\n";
    }
  }
  return s;
}

inline std::string chrome_offer(const std::vector<std::string>& mids, const std::vector<std::string>& sections) {
  std::string s = "v=0\r\no=- 4611731400430051336 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE";
  for (const auto& mid : mids) s += " " + mid;
  s += "\r\na=extmap-allow-mixed\r\na=msid-semantic: WMS stream-a\r\n";
  for (const auto& section : sections) s += section;
  return s;
}

}  // namespace shoal::test::chrome
