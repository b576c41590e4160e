#include "rtc/sdp/sdp_parser.hpp"

#include "rtc/sdp/sdp_grammar.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <optional>

namespace shoal::rtc::sdp {
namespace {

template <typename T>
std::optional<T> parse_uint(std::string_view s, T max) {
  if (s.empty() || s.size() > 10) return std::nullopt;
  std::uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || ptr != s.data() + s.size() || value > static_cast<std::uint64_t>(max)) {
    return std::nullopt;
  }
  return static_cast<T>(value);
}

std::optional<int> parse_payload_type(std::string_view s) { return parse_uint<int>(s, 127); }

// Splits off the first space-separated field; `rest` keeps everything after the separating
// run of spaces.
std::string_view next_field(std::string_view& rest) {
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  auto end = rest.find(' ');
  auto field = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end);
  while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  return field;
}

struct PendingMedia {
  MediaSection section;
  std::optional<Direction> direction;
  std::map<int, Codec> rtpmaps;
  std::map<int, std::string> fmtps;
  std::map<int, std::vector<std::string>> rtcp_fbs;
  std::vector<std::string> rtcp_fb_wildcard;
};

struct SessionLevel {
  SessionDescription description;
  std::optional<Direction> direction;
};

class Parser {
 public:
  std::optional<ParseError> line(char type, std::string_view value) {
    switch (type) {
      case 'm': return media_line(value);
      case 'a': return attribute(value);
      default: return std::nullopt;  // v o s t c b i u e p z k r: nothing the answer needs
    }
  }

  core::Result<SessionDescription, ParseError> finish() {
    auto& out = session_.description;
    for (auto& pending : media_) {
      join_codecs(pending);
      auto& m = pending.section;
      m.direction = pending.direction.value_or(session_.direction.value_or(Direction::SendRecv));
      if (m.ice_ufrag.empty()) m.ice_ufrag = out.ice_ufrag;
      if (m.ice_pwd.empty()) m.ice_pwd = out.ice_pwd;
      if (m.fingerprint.empty()) {
        m.fingerprint_algorithm = out.fingerprint_algorithm;
        m.fingerprint = out.fingerprint;
      }
      if (m.setup.empty()) m.setup = out.setup;
      if (!m.mid.empty()) {
        for (const auto& other : out.media) {
          if (other.mid == m.mid) return ParseError::DuplicateMid;
        }
      }
      out.media.push_back(std::move(m));
    }
    return std::move(out);
  }

 private:
  std::optional<ParseError> media_line(std::string_view value) {
    if (media_.size() >= kMaxMediaSections) return ParseError::TooManyMedia;
    PendingMedia pending;
    auto& m = pending.section;
    auto kind = next_field(value);
    auto port = next_field(value);
    auto protocol = next_field(value);
    if (!is_token(kind) || !is_visible(protocol) || value.empty()) return ParseError::MalformedMedia;
    // "<port>/<count>" is legal SDP; the count is meaningless for WebRTC.
    auto parsed_port = parse_uint<std::uint16_t>(port.substr(0, port.find('/')), 65535);
    if (!parsed_port) return ParseError::MalformedMedia;
    m.kind_text = std::string(kind);
    m.kind = kind == "audio"         ? MediaKind::Audio
             : kind == "video"       ? MediaKind::Video
             : kind == "application" ? MediaKind::Application
                                     : MediaKind::Other;
    m.port = *parsed_port;
    m.protocol = std::string(protocol);
    bool rtp = protocol.find("RTP/") != std::string_view::npos;
    while (!value.empty()) {
      auto format = next_field(value);
      if (!is_visible(format)) return ParseError::MalformedMedia;
      if (!m.formats.empty()) m.formats += ' ';
      m.formats += format;
      if (!rtp) continue;
      auto pt = parse_payload_type(format);
      if (!pt) return ParseError::MalformedMedia;
      if (std::find(m.payload_types.begin(), m.payload_types.end(), *pt) == m.payload_types.end()) {
        m.payload_types.push_back(*pt);
      }
    }
    media_.push_back(std::move(pending));
    return std::nullopt;
  }

  std::optional<ParseError> attribute(std::string_view text) {
    auto colon = text.find(':');
    auto name = text.substr(0, colon);
    auto value = colon == std::string_view::npos ? std::string_view{} : text.substr(colon + 1);
    PendingMedia* media = media_.empty() ? nullptr : &media_.back();
    auto& session = session_.description;

    if (auto direction = direction_attribute(name)) {
      (media ? media->direction : session_.direction) = *direction;
      return std::nullopt;
    }
    if (name == "ice-ufrag" || name == "ice-pwd" || name == "setup") {
      if (!is_visible(value)) return ParseError::MalformedAttribute;
      auto& target = name == "ice-ufrag" ? (media ? media->section.ice_ufrag : session.ice_ufrag)
                     : name == "ice-pwd" ? (media ? media->section.ice_pwd : session.ice_pwd)
                                         : (media ? media->section.setup : session.setup);
      target = std::string(value);
      return std::nullopt;
    }
    if (name == "fingerprint") {
      auto algorithm = next_field(value);
      auto hash = next_field(value);
      if (!is_token(algorithm) || !is_visible(hash) || !value.empty()) {
        return ParseError::MalformedAttribute;
      }
      (media ? media->section.fingerprint_algorithm : session.fingerprint_algorithm) =
          std::string(algorithm);
      (media ? media->section.fingerprint : session.fingerprint) = std::string(hash);
      return std::nullopt;
    }
    if (name == "group") return media ? std::nullopt : group(value);
    if (!media) return std::nullopt;  // everything below only means something per m-line
    auto& m = media->section;

    if (name == "mid") {
      if (!is_token(value)) return ParseError::MalformedAttribute;
      m.mid = std::string(value);
    } else if (name == "rtcp-mux") {
      m.rtcp_mux = true;
    } else if (name == "rtpmap") {
      return rtpmap(*media, value);
    } else if (name == "fmtp") {
      auto pt = parse_payload_type(next_field(value));
      if (!pt) return ParseError::MalformedAttribute;
      media->fmtps.emplace(*pt, std::string(value));
    } else if (name == "rtcp-fb") {
      auto target = next_field(value);
      if (value.empty()) return ParseError::MalformedAttribute;
      // Only feedback the server can use is kept, once: wildcard lines are copied into every
      // codec, so keeping arbitrary ones would let a 64 KiB offer cost megabytes.
      if (target == "*") {
        add_feedback(media->rtcp_fb_wildcard, value);
      } else if (auto pt = parse_payload_type(target)) {
        add_feedback(media->rtcp_fbs[*pt], value);
      } else {
        return ParseError::MalformedAttribute;
      }
    } else if (name == "extmap") {
      return extmap(m, value);
    } else if (name == "msid") {
      if (value.empty()) return ParseError::MalformedAttribute;
      m.msid.emplace_back(value);
    } else if (name == "ssrc") {
      auto ssrc = parse_uint<std::uint32_t>(next_field(value), 0xFFFFFFFF);
      if (!ssrc) return ParseError::MalformedAttribute;
      if (std::find(m.ssrcs.begin(), m.ssrcs.end(), *ssrc) == m.ssrcs.end()) m.ssrcs.push_back(*ssrc);
    } else if (name == "ssrc-group") {
      return ssrc_group(m, value);
    } else if (name == "rid") {
      return rid(m, value);
    }
    return std::nullopt;
  }

  static void add_feedback(std::vector<std::string>& list, std::string_view value) {
    static constexpr std::array<std::string_view, 5> kUsable{"nack", "nack pli", "ccm fir", "transport-cc",
                                                             "goog-remb"};
    if (std::find(kUsable.begin(), kUsable.end(), value) == kUsable.end()) return;
    if (std::find(list.begin(), list.end(), value) == list.end()) list.emplace_back(value);
  }

  static std::optional<Direction> direction_attribute(std::string_view name) {
    if (name == "sendrecv") return Direction::SendRecv;
    if (name == "sendonly") return Direction::SendOnly;
    if (name == "recvonly") return Direction::RecvOnly;
    if (name == "inactive") return Direction::Inactive;
    return std::nullopt;
  }

  std::optional<ParseError> group(std::string_view value) {
    auto semantics = next_field(value);
    if (semantics != "BUNDLE") return std::nullopt;
    auto& mids = session_.description.bundle_mids;
    mids.clear();
    while (!value.empty()) {
      auto mid = next_field(value);
      if (!is_token(mid)) return ParseError::MalformedAttribute;
      mids.emplace_back(mid);
    }
    return std::nullopt;
  }

  static std::optional<ParseError> rtpmap(PendingMedia& media, std::string_view value) {
    auto pt = parse_payload_type(next_field(value));
    auto encoding = next_field(value);
    if (!pt || encoding.empty() || !value.empty()) return ParseError::MalformedAttribute;
    Codec codec;
    codec.payload_type = *pt;
    auto slash = encoding.find('/');
    if (slash == std::string_view::npos) return ParseError::MalformedAttribute;
    auto codec_name = encoding.substr(0, slash);
    auto rest = encoding.substr(slash + 1);
    auto second = rest.find('/');
    auto clock = parse_uint<int>(rest.substr(0, second), 0x7FFFFFFF);
    if (!is_token(codec_name) || !clock || *clock == 0) return ParseError::MalformedAttribute;
    if (second != std::string_view::npos) {
      auto channels = parse_uint<int>(rest.substr(second + 1), 255);
      if (!channels || *channels == 0) return ParseError::MalformedAttribute;
      codec.channels = *channels;
    }
    codec.name = std::string(codec_name);
    codec.clock_rate = *clock;
    media.rtpmaps.emplace(*pt, std::move(codec));
    return std::nullopt;
  }

  static std::optional<ParseError> extmap(MediaSection& m, std::string_view value) {
    // "<id>[/<direction>] <uri> [<attributes>]"; the direction is not used by browsers.
    auto id_field = next_field(value);
    auto id = parse_uint<int>(id_field.substr(0, id_field.find('/')), 255);
    auto uri = next_field(value);
    if (!id || *id == 0 || !is_visible(uri)) return ParseError::MalformedAttribute;
    for (const auto& existing : m.extmaps) {
      if (existing.id == *id) return ParseError::MalformedAttribute;
    }
    m.extmaps.push_back(Extmap{*id, std::string(uri), std::string(value)});
    return std::nullopt;
  }

  static std::optional<ParseError> ssrc_group(MediaSection& m, std::string_view value) {
    if (next_field(value) != "FID") return std::nullopt;
    std::vector<std::uint32_t> ids;
    while (!value.empty()) {
      auto ssrc = parse_uint<std::uint32_t>(next_field(value), 0xFFFFFFFF);
      if (!ssrc) return ParseError::MalformedAttribute;
      ids.push_back(*ssrc);
    }
    if (ids.size() < 2) return ParseError::MalformedAttribute;
    m.ssrc_groups_fid.push_back(std::move(ids));
    return std::nullopt;
  }

  static std::optional<ParseError> rid(MediaSection& m, std::string_view value) {
    auto id = next_field(value);
    auto direction = next_field(value);
    if (!is_token(id) || (direction != "send" && direction != "recv")) {
      return ParseError::MalformedAttribute;
    }
    if (direction == "send") {
      if (std::find(m.rids_send.begin(), m.rids_send.end(), id) != m.rids_send.end()) {
        return ParseError::MalformedAttribute;
      }
      m.rids_send.emplace_back(id);
    }
    return std::nullopt;
  }

  static void join_codecs(PendingMedia& media) {
    auto& m = media.section;
    for (int pt : m.payload_types) {
      auto found = media.rtpmaps.find(pt);
      if (found == media.rtpmaps.end()) continue;  // static PT without rtpmap: unusable here
      Codec codec = std::move(found->second);
      if (auto fmtp = media.fmtps.find(pt); fmtp != media.fmtps.end()) codec.fmtp = fmtp->second;
      if (auto fbs = media.rtcp_fbs.find(pt); fbs != media.rtcp_fbs.end()) codec.rtcp_fb = fbs->second;
      for (const auto& fb : media.rtcp_fb_wildcard) {
        if (std::find(codec.rtcp_fb.begin(), codec.rtcp_fb.end(), fb) == codec.rtcp_fb.end()) codec.rtcp_fb.push_back(fb);
      }
      m.codecs.push_back(std::move(codec));
    }
  }

  SessionLevel session_;
  std::vector<PendingMedia> media_;
};

// Control characters could smuggle line breaks into the answer, and non-ASCII in attribute or
// media lines could break the JSON the answer travels in; browsers produce neither.
bool line_is_clean(char type, std::string_view value) {
  bool ascii_only = type == 'a' || type == 'm';
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7f) return false;
    if (ascii_only && c >= 0x80) return false;
  }
  return true;
}

}  // namespace

std::string_view to_string(ParseError error) {
  switch (error) {
    case ParseError::TooLarge: return "sdp too large";
    case ParseError::TooManyLines: return "too many sdp lines";
    case ParseError::LineTooLong: return "sdp line too long";
    case ParseError::TooManyMedia: return "too many media sections";
    case ParseError::MissingVersion: return "sdp does not start with v=0";
    case ParseError::MalformedLine: return "malformed sdp line";
    case ParseError::MalformedMedia: return "malformed m= line";
    case ParseError::MalformedAttribute: return "malformed attribute";
    case ParseError::DuplicateMid: return "duplicate mid";
  }
  return "unknown sdp error";
}

core::Result<SessionDescription, ParseError> parse_sdp(std::string_view text) {
  if (text.size() > kMaxSdpBytes) return ParseError::TooLarge;
  Parser parser;
  std::size_t lines = 0;
  bool first = true;
  while (!text.empty()) {
    auto end = text.find('\n');
    auto line = text.substr(0, end);
    text = end == std::string_view::npos ? std::string_view{} : text.substr(end + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (++lines > kMaxSdpLines) return ParseError::TooManyLines;
    if (line.size() > kMaxSdpLineBytes) return ParseError::LineTooLong;
    if (line.empty()) continue;  // tolerate blank lines (e.g. a trailing one)
    if (line.size() < 2 || line[1] != '=' || line[0] < 'a' || line[0] > 'z') {
      return first ? ParseError::MissingVersion : ParseError::MalformedLine;
    }
    auto type = line[0];
    auto value = line.substr(2);
    if (!line_is_clean(type, value)) return ParseError::MalformedLine;
    if (first) {
      if (type != 'v' || value != "0") return ParseError::MissingVersion;
      first = false;
      continue;
    }
    if (auto error = parser.line(type, value)) return *error;
  }
  if (first) return ParseError::MissingVersion;
  return parser.finish();
}

}  // namespace shoal::rtc::sdp
