#include "rtc/rtsp/rtsp_sdp.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <optional>

namespace shoal::rtc::rtsp {

namespace {

constexpr std::size_t kMaxParameterSets = 16;

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// The payload type's H264 parameter sets from "a=fmtp:<pt> a=b;sprop-parameter-sets=X,Y".
bool read_parameter_sets(std::string_view parameters, std::vector<std::vector<std::uint8_t>>& out) {
  while (!parameters.empty()) {
    const auto semicolon = parameters.find(';');
    const std::string_view parameter = trim(parameters.substr(0, semicolon));
    parameters = semicolon == std::string_view::npos ? std::string_view{} : parameters.substr(semicolon + 1);
    constexpr std::string_view kName = "sprop-parameter-sets=";
    if (!parameter.starts_with(kName)) continue;
    std::string_view sets = parameter.substr(kName.size());
    while (!sets.empty()) {
      const auto comma = sets.find(',');
      const std::string_view encoded = sets.substr(0, comma);
      sets = comma == std::string_view::npos ? std::string_view{} : sets.substr(comma + 1);
      if (encoded.empty()) continue;
      if (out.size() == kMaxParameterSets) return false;
      std::vector<std::uint8_t> decoded;
      if (!decode_base64(encoded, decoded) || decoded.empty()) return false;
      out.push_back(std::move(decoded));
    }
  }
  return true;
}

}  // namespace

std::string_view to_string(SdpError error) {
  switch (error) {
    case SdpError::NoVideo:
      return "no video stream";
    case SdpError::BadPayloadType:
      return "malformed video payload type";
    case SdpError::NoRtpmap:
      return "no rtpmap for the video payload type";
    case SdpError::BadParameterSets:
      return "malformed sprop-parameter-sets";
  }
  return "malformed SDP";
}

bool decode_base64(std::string_view text, std::vector<std::uint8_t>& out) {
  while (!text.empty() && text.back() == '=') text.remove_suffix(1);
  if (text.size() % 4 == 1) return false;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    const int value = base64_value(c);
    if (value < 0) return false;
    bits = bits << 6 | static_cast<std::uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<std::uint8_t>(bits >> count));
    }
  }
  return true;
}

core::Result<VideoStream, SdpError> parse_video_stream(std::string_view sdp) {
  VideoStream video;
  bool in_video = false, found = false, have_rtpmap = false;
  std::string_view fmtp;
  while (!sdp.empty()) {
    const auto eol = sdp.find('\n');
    const std::string_view line = trim(sdp.substr(0, eol));
    sdp = eol == std::string_view::npos ? std::string_view{} : sdp.substr(eol + 1);
    if (line.starts_with("m=")) {
      if (found) break;  // only the first video stream is taken
      in_video = line.starts_with("m=video ");
      if (!in_video) continue;
      // m=video <port> <proto> <fmt> ...: the first format is the stream's payload type.
      std::string_view rest = line.substr(8);
      for (int field = 0; field < 2; ++field) {
        const auto space = rest.find(' ');
        if (space == std::string_view::npos) return SdpError::BadPayloadType;
        rest = rest.substr(space + 1);
      }
      auto payload_type = number<unsigned>(rest.substr(0, rest.find(' ')));
      if (!payload_type || *payload_type > 127) return SdpError::BadPayloadType;
      video.payload_type = static_cast<std::uint8_t>(*payload_type);
      found = true;
      continue;
    }
    if (!line.starts_with("a=")) continue;
    const std::string_view attribute = line.substr(2);
    if (!in_video) {
      if (attribute.starts_with("control:") && attribute.substr(8).starts_with("rtsp://")) {
        video.content_base = std::string(attribute.substr(8));
      }
      continue;
    }
    const std::string pt_prefix = std::to_string(video.payload_type) + " ";
    if (attribute.starts_with("control:")) {
      video.control = std::string(attribute.substr(8));
    } else if (attribute.starts_with("rtpmap:") && attribute.substr(7).starts_with(pt_prefix)) {
      // <encoding>/<clock>[/<channels>]
      const std::string_view map = trim(attribute.substr(7 + pt_prefix.size()));
      const auto slash = map.find('/');
      video.encoding = std::string(map.substr(0, slash));
      if (slash != std::string_view::npos) {
        const std::string_view clock = map.substr(slash + 1);
        auto rate = number<std::uint32_t>(clock.substr(0, clock.find('/')));
        if (!rate || *rate == 0) return SdpError::NoRtpmap;
        video.clock_rate = *rate;
      }
      have_rtpmap = !video.encoding.empty();
    } else if (attribute.starts_with("fmtp:") && attribute.substr(5).starts_with(pt_prefix)) {
      fmtp = attribute.substr(5 + pt_prefix.size());
    }
  }
  if (!found) return SdpError::NoVideo;
  if (!have_rtpmap) {
    // Static payload types carry no rtpmap; none of them is H264 (RFC 3551 table 5).
    if (video.payload_type >= 96) return SdpError::NoRtpmap;
    video.encoding = video.payload_type == 26 ? "JPEG" : video.payload_type == 32 ? "MPV" : "static";
  }
  if (!read_parameter_sets(fmtp, video.parameter_sets)) return SdpError::BadParameterSets;
  return video;
}

}  // namespace shoal::rtc::rtsp
