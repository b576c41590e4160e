// An RTSP source is untrusted: feed arbitrary bytes through the client's stream parser the way
// its session does (items off the front of a buffer until more is needed), and the SDP and
// header parsers the responses lead to, including the authentication challenge and the answer
// built from it.
#include "rtc/rtsp/rtsp_auth.hpp"
#include "rtc/rtsp/rtsp_message.hpp"
#include "rtc/rtsp/rtsp_sdp.hpp"
#include "rtc/rtsp/rtsp_uri.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <string>

using namespace shoal::rtc::rtsp;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::span<const std::uint8_t> input(data, size);
  while (!input.empty()) {
    auto item = parse_stream_item(input);
    if (item.kind == StreamItem::Kind::NeedMore || item.kind == StreamItem::Kind::Error) break;
    if (item.consumed == 0 || item.consumed > input.size()) std::abort();
    if (item.kind == StreamItem::Kind::Message) {
      (void)parse_video_stream(item.message.body);
      if (auto transport = item.message.header("Transport")) (void)parse_transport(*transport);
      if (auto session = item.message.header("Session")) (void)parse_session(*session);
      if (auto base = item.message.header("Content-Base")) (void)resolve_control(*base, item.message.body);
      (void)item.message.cseq();
      if (auto challenge = choose_challenge(item.message.headers_named("WWW-Authenticate"))) {
        RequestAuthorizer authorizer({"user", "password"}, *challenge, "cnonce");
        const std::string answer = authorizer.authorization("DESCRIBE", "rtsp://cam/s");
        // The answer goes into a header line: nothing from the source may break it.
        if (answer.find_first_of("\r\n") != std::string::npos) std::abort();
      }
    } else if (item.frame.data.size() + 4 != item.consumed) {
      std::abort();
    }
    input = input.subspan(item.consumed);
  }
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)parse_rtsp_uri(text);
  (void)parse_challenge(text);
  (void)parse_video_stream(text);
  return 0;
}
