// SDP offers arrive as text from any connected browser (sdpOffer media event).
#include "rtc/sdp/answer_builder.hpp"
#include "rtc/sdp/header_extension.hpp"
#include "rtc/sdp/sdp_parser.hpp"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

namespace sdp = shoal::rtc::sdp;

namespace {

// Every mid gets a track so the codec/extension/simulcast paths all run.
sdp::AnswerPlan plan_for(const sdp::SessionDescription& offer, sdp::VideoCodecFilter filter,
                         bool simulcast) {
  sdp::AnswerPlan plan;
  plan.ice_ufrag = "aB3d";
  plan.ice_pwd = "0123456789abcdefABCDEF";
  plan.fingerprint_sha256 = "AA:BB:CC";
  plan.video_filter = filter;
  plan.simulcast_allowed = simulcast;
  for (const auto& m : offer.media) {
    if (m.mid.empty()) continue;
    if (m.direction == sdp::Direction::SendOnly) {
      plan.inbound[m.mid] = {"in-" + m.mid};
    } else {
      sdp::OutboundTrackPlan out;
      out.track_id = "out-" + m.mid;
      out.kind = m.kind;
      out.codec_name = m.codecs.empty() ? "VP8" : m.codecs.back().name;
      out.extension_uris = {std::string(sdp::kExtMid), std::string(sdp::kExtTwcc),
                            std::string(sdp::kExtAudioLevel)};
      out.stream_id = "stream";
      out.ssrc = 0x01020304;
      plan.outbound[m.mid] = std::move(out);
    }
  }
  return plan;
}

// The answer goes straight to a browser: it must be clean SDP text with one m-line per
// offered m-line.
void check_answer(const sdp::SessionDescription& offer, const sdp::Answer& answer) {
  if (answer.media.size() != offer.media.size()) std::abort();
  std::size_t m_lines = 0;
  std::string_view text = answer.sdp;
  while (!text.empty()) {
    auto end = text.find("\r\n");
    if (end == std::string_view::npos) std::abort();
    auto line = text.substr(0, end);
    text.remove_prefix(end + 2);
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') std::abort();
    for (char c : line) {
      if (c < 0x20 || c >= 0x7f) std::abort();
    }
    if (line[0] == 'm') ++m_lines;
  }
  if (m_lines != offer.media.size()) std::abort();
  auto reparsed = sdp::parse_sdp(answer.sdp);
  if (!reparsed) {
    // Echoed offer values can push a near-limit offer's answer over the size limits.
    const sdp::ParseError error = reparsed.error();
    if (error != sdp::ParseError::TooLarge && error != sdp::ParseError::LineTooLong) std::abort();
  } else if (reparsed->media.size() != offer.media.size()) {
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = sdp::parse_sdp(text);
  if (!parsed) return 0;
  const sdp::SessionDescription& offer = *parsed;
  const sdp::VideoCodecFilter filters[] = {sdp::VideoCodecFilter::Any, sdp::VideoCodecFilter::Vp8,
                                           sdp::VideoCodecFilter::H264};
  for (auto filter : filters) {
    auto result = sdp::build_answer(offer, plan_for(offer, filter, filter != sdp::VideoCodecFilter::Vp8));
    if (result) check_answer(offer, *result);
  }
  return 0;
}
