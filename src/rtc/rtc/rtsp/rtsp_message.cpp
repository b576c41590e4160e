#include "rtc/rtsp/rtsp_message.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

namespace shoal::rtc::rtsp {

namespace {

bool equal_nocase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

template <typename T>
std::optional<T> parse_number(std::string_view text) {
  T value{};
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// "a" or "a-b": the first and optional second number (0 where absent or malformed).
template <typename T>
void parse_pair(std::string_view text, T& first, T& second) {
  const auto dash = text.find('-');
  first = parse_number<T>(text.substr(0, dash)).value_or(0);
  second = dash == std::string_view::npos ? 0 : parse_number<T>(text.substr(dash + 1)).value_or(0);
}

bool is_token_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
}

StreamItem error_item(StreamError error) {
  StreamItem item;
  item.kind = StreamItem::Kind::Error;
  item.error = error;
  return item;
}

}  // namespace

std::optional<std::string_view> RtspMessage::header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (equal_nocase(key, name)) return std::string_view(value);
  }
  return std::nullopt;
}

std::vector<std::string_view> RtspMessage::headers_named(std::string_view name) const {
  std::vector<std::string_view> out;
  for (const auto& [key, value] : headers) {
    if (equal_nocase(key, name)) out.emplace_back(value);
  }
  return out;
}

std::optional<std::uint32_t> RtspMessage::cseq() const {
  auto value = header("CSeq");
  return value ? parse_number<std::uint32_t>(*value) : std::nullopt;
}

std::string_view to_string(StreamError error) {
  switch (error) {
    case StreamError::HeaderTooLarge:
      return "header section too large";
    case StreamError::TooManyHeaders:
      return "too many headers";
    case StreamError::BadStartLine:
      return "malformed start line";
    case StreamError::BadHeader:
      return "malformed header line";
    case StreamError::BadContentLength:
      return "malformed Content-Length";
    case StreamError::BodyTooLarge:
      return "body too large";
  }
  return "malformed stream";
}

StreamItem parse_stream_item(std::span<const std::uint8_t> buffer) {
  StreamItem item;
  if (buffer.empty()) return item;
  if (buffer[0] == '$') {
    if (buffer.size() < 4) return item;
    const std::size_t length = std::size_t{buffer[2]} << 8 | buffer[3];
    if (buffer.size() < 4 + length) return item;
    item.kind = StreamItem::Kind::Frame;
    item.frame = {buffer[1], buffer.subspan(4, length)};
    item.consumed = 4 + length;
    return item;
  }

  const std::string_view text(reinterpret_cast<const char*>(buffer.data()), std::min(buffer.size(), kMaxHeaderBytes));
  // Lines end in CRLF; a bare LF is accepted too (RFC 2326 §4.1 asks receivers to).
  std::size_t header_end = std::string_view::npos, body_start = 0;
  for (std::size_t i = text.find('\n'); i != std::string_view::npos; i = text.find('\n', i + 1)) {
    if (i + 1 < text.size() && text[i + 1] == '\n') {
      header_end = i, body_start = i + 2;
      break;
    }
    if (i + 2 < text.size() && text[i + 1] == '\r' && text[i + 2] == '\n') {
      header_end = i, body_start = i + 3;
      break;
    }
  }
  if (header_end == std::string_view::npos) {
    return buffer.size() >= kMaxHeaderBytes ? error_item(StreamError::HeaderTooLarge) : item;
  }

  RtspMessage message;
  std::string_view head = text.substr(0, header_end);
  const auto first_eol = head.find('\n');
  const std::string_view start_line = trim(head.substr(0, first_eol));
  head = first_eol == std::string_view::npos ? std::string_view{} : head.substr(first_eol + 1);

  if (start_line.starts_with("RTSP/1.")) {
    // "RTSP/1.0 200 OK": the status is three digits after the version.
    const auto space = start_line.find(' ');
    if (space == std::string_view::npos) return error_item(StreamError::BadStartLine);
    const std::string_view code = start_line.substr(space + 1, 3);
    auto status = parse_number<int>(code);
    if (!status || *status < 100 || *status > 999) return error_item(StreamError::BadStartLine);
    message.status = *status;
  } else {
    // A request from the server: "<METHOD> <uri> RTSP/1.0".
    const auto space = start_line.find(' ');
    const std::string_view method = start_line.substr(0, space);
    if (space == std::string_view::npos || method.empty() || !std::all_of(method.begin(), method.end(), is_token_char) ||
        !start_line.ends_with("RTSP/1.0")) {
      return error_item(StreamError::BadStartLine);
    }
    message.is_response = false;
    message.method = std::string(method);
  }

  while (!head.empty()) {
    const auto eol = head.find('\n');
    const std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view{} : head.substr(eol + 1);
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) return error_item(StreamError::BadHeader);
    if (message.headers.size() == kMaxHeaders) return error_item(StreamError::TooManyHeaders);
    const std::string_view name = line.substr(0, colon);
    if (!std::all_of(name.begin(), name.end(), is_token_char)) return error_item(StreamError::BadHeader);
    message.headers.emplace_back(std::string(name), std::string(trim(line.substr(colon + 1))));
  }

  std::size_t body_length = 0;
  if (auto length = message.header("Content-Length")) {
    auto parsed = parse_number<std::size_t>(*length);
    if (!parsed) return error_item(StreamError::BadContentLength);
    if (*parsed > kMaxBodyBytes) return error_item(StreamError::BodyTooLarge);
    body_length = *parsed;
  }
  if (buffer.size() - body_start < body_length) return item;
  message.body.assign(reinterpret_cast<const char*>(buffer.data() + body_start), body_length);
  item.kind = StreamItem::Kind::Message;
  item.consumed = body_start + body_length;
  item.message = std::move(message);
  return item;
}

std::string write_request(std::string_view method, std::string_view uri, std::uint32_t cseq,
                          std::span<const std::pair<std::string_view, std::string>> headers) {
  std::string out;
  out.reserve(256);
  out.append(method).append(" ").append(uri).append(" RTSP/1.0\r\nCSeq: ").append(std::to_string(cseq)).append("\r\n");
  for (const auto& [name, value] : headers) out.append(name).append(": ").append(value).append("\r\n");
  out.append("User-Agent: shoal\r\n\r\n");
  return out;
}

TransportReply parse_transport(std::string_view value) {
  TransportReply reply;
  // Several comma-separated transports may be listed; the server's choice is the first.
  value = value.substr(0, value.find(','));
  while (!value.empty()) {
    const auto semicolon = value.find(';');
    const std::string_view parameter = trim(value.substr(0, semicolon));
    value = semicolon == std::string_view::npos ? std::string_view{} : value.substr(semicolon + 1);
    const auto equals = parameter.find('=');
    if (equals == std::string_view::npos) continue;
    const std::string_view name = parameter.substr(0, equals), argument = parameter.substr(equals + 1);
    if (equal_nocase(name, "server_port")) {
      std::uint16_t rtp = 0, rtcp = 0;
      parse_pair(argument, rtp, rtcp);
      if (rtp != 0) reply.server_rtp_port = rtp;
      if (rtcp != 0) reply.server_rtcp_port = rtcp;
    } else if (equal_nocase(name, "interleaved")) {
      // Channel 0 is valid: a malformed number must not read as it.
      const auto dash = argument.find('-');
      reply.interleaved_rtp = parse_number<std::uint8_t>(argument.substr(0, dash));
      if (dash != std::string_view::npos) reply.interleaved_rtcp = parse_number<std::uint8_t>(argument.substr(dash + 1));
    } else if (equal_nocase(name, "ssrc")) {
      std::uint32_t ssrc = 0;
      auto [end, ec] = std::from_chars(argument.data(), argument.data() + argument.size(), ssrc, 16);
      if (ec == std::errc{} && end == argument.data() + argument.size()) reply.ssrc = ssrc;
    }
  }
  return reply;
}

std::optional<SessionHeader> parse_session(std::string_view value) {
  SessionHeader session;
  const auto semicolon = value.find(';');
  session.id = std::string(trim(value.substr(0, semicolon)));
  // The id goes back verbatim in a header line: anything that could break one is refused.
  if (session.id.empty() || !std::all_of(session.id.begin(), session.id.end(), [](char c) {
        return static_cast<unsigned char>(c) > 0x20 && c != 0x7f;
      })) {
    return std::nullopt;
  }
  if (semicolon != std::string_view::npos) {
    std::string_view parameter = trim(value.substr(semicolon + 1));
    if (parameter.size() > 8 && equal_nocase(parameter.substr(0, 8), "timeout=")) {
      session.timeout_seconds = parse_number<std::uint32_t>(parameter.substr(8));
    }
  }
  return session;
}

}  // namespace shoal::rtc::rtsp
