#include "offer_sdp.hpp"

namespace shoal::bench {

namespace {

std::string video_section(const OfferShape& shape, const std::string& mid, bool sendonly) {
  std::string s =
      "m=video 9 UDP/TLS/RTP/SAVPF 96 97\r\n"
      "c=IN IP4 0.0.0.0\r\n"
      "a=rtcp:9 IN IP4 0.0.0.0\r\n"
      "a=ice-ufrag:" + shape.ice_ufrag + "\r\n"
      "a=ice-pwd:" + shape.ice_pwd + "\r\n"
      "a=ice-options:trickle\r\n"
      "a=fingerprint:sha-256 " + shape.fingerprint_sha256 + "\r\n"
      "a=setup:actpass\r\n"
      "a=mid:" + mid + "\r\n"
      "a=extmap:3 http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01\r\n"
      "a=extmap:4 urn:ietf:params:rtp-hdrext:sdes:mid\r\n" +
      std::string(sendonly ? "a=sendonly\r\n" : "a=recvonly\r\n");
  if (sendonly) s += "a=msid:" + shape.stream_id + " " + shape.track_id + "\r\n";
  s += "a=rtcp-mux\r\n"
       "a=rtcp-rsize\r\n"
       "a=rtpmap:96 VP8/90000\r\n"
       "a=rtcp-fb:96 goog-remb\r\n"
       "a=rtcp-fb:96 transport-cc\r\n"
       "a=rtcp-fb:96 ccm fir\r\n"
       "a=rtcp-fb:96 nack\r\n"
       "a=rtcp-fb:96 nack pli\r\n"
       "a=rtpmap:97 rtx/90000\r\n"
       "a=fmtp:97 apt=96\r\n";
  if (sendonly) {
    const auto a = std::to_string(shape.ssrc), b = std::to_string(shape.rtx_ssrc);
    s += "a=ssrc-group:FID " + a + " " + b + "\r\n";
    for (const auto& x : {a, b}) {
      s += "a=ssrc:" + x + " cname:shoalbench\r\n";
      s += "a=ssrc:" + x + " msid:" + shape.stream_id + " " + shape.track_id + "\r\n";
    }
  }
  return s;
}

}  // namespace

std::string build_offer(const OfferShape& shape) {
  std::string mids;
  std::string sections;
  std::size_t index = 0;
  auto add = [&](bool sendonly) {
    const std::string mid = std::to_string(index++);
    mids += " " + mid;
    sections += video_section(shape, mid, sendonly);
  };
  if (shape.publishes) add(true);
  for (std::size_t i = 0; i < shape.receive_video; ++i) add(false);
  return "v=0\r\n"
         "o=- 4611731400430051336 " + std::to_string(shape.session_version + 2) + " IN IP4 127.0.0.1\r\n"
         "s=-\r\n"
         "t=0 0\r\n"
         "a=group:BUNDLE" + mids + "\r\n"
         "a=extmap-allow-mixed\r\n"
         "a=msid-semantic: WMS" + (shape.publishes ? " " + shape.stream_id : std::string()) + "\r\n" + sections;
}

std::optional<AnswerIce> parse_answer_ice(const std::string& sdp) {
  auto value_of = [&](const std::string& prefix) -> std::optional<std::string> {
    const auto at = sdp.find(prefix);
    if (at == std::string::npos) return std::nullopt;
    const auto start = at + prefix.size();
    const auto end = sdp.find_first_of("\r\n", start);
    return sdp.substr(start, end == std::string::npos ? std::string::npos : end - start);
  };
  auto ufrag = value_of("a=ice-ufrag:");
  auto pwd = value_of("a=ice-pwd:");
  if (!ufrag || !pwd) return std::nullopt;
  return AnswerIce{*ufrag, *pwd};
}

}  // namespace shoal::bench
