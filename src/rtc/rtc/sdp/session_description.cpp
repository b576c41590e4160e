#include "rtc/sdp/session_description.hpp"

#include "rtc/sdp/fmtp_parameters.hpp"

namespace shoal::rtc::sdp {

std::string_view to_string(MediaKind kind) {
  switch (kind) {
    case MediaKind::Audio: return "audio";
    case MediaKind::Video: return "video";
    case MediaKind::Application: return "application";
    case MediaKind::Other: break;
  }
  return "other";
}

std::string_view to_string(Direction direction) {
  switch (direction) {
    case Direction::SendRecv: return "sendrecv";
    case Direction::SendOnly: return "sendonly";
    case Direction::RecvOnly: return "recvonly";
    case Direction::Inactive: break;
  }
  return "inactive";
}

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    auto lower = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

const Codec* find_codec(const MediaSection& section, int payload_type) {
  for (const auto& codec : section.codecs) {
    if (codec.payload_type == payload_type) return &codec;
  }
  return nullptr;
}

std::optional<int> rtx_payload_type_for(const MediaSection& section, int payload_type) {
  for (const auto& codec : section.codecs) {
    if (!iequals(codec.name, "rtx")) continue;
    auto apt = fmtp_parameter_int(codec.fmtp, "apt");
    if (apt && *apt == payload_type) return codec.payload_type;
  }
  return std::nullopt;
}

}  // namespace shoal::rtc::sdp
