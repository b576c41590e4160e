#pragma once
// What arrives on an RTSP client's TCP connection (RFC 2326 §7, §10.12): responses to its
// requests, requests the server sends on its own, and RTP/RTCP frames interleaved as
// '$' <channel> <16-bit length> <data>. The source is untrusted: the parser looks at a bounded
// buffer, never reads past it, never throws, and reports a malformed stream as a value.
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::rtc::rtsp {

inline constexpr std::size_t kMaxHeaderBytes = 16 * 1024;  // start line and headers together
inline constexpr std::size_t kMaxHeaders = 64;
inline constexpr std::size_t kMaxBodyBytes = 64 * 1024;    // an SDP is a few hundred bytes

struct RtspMessage {
  bool is_response = true;
  int status = 0;              // responses
  std::string method;          // requests from the server (e.g. an unsolicited GET_PARAMETER)
  std::vector<std::pair<std::string, std::string>> headers;  // names as sent, values trimmed
  std::string body;

  // Case-insensitive lookup of the first header of that name.
  std::optional<std::string_view> header(std::string_view name) const;
  // Every header of that name, in order (WWW-Authenticate comes once per offered scheme).
  std::vector<std::string_view> headers_named(std::string_view name) const;
  std::optional<std::uint32_t> cseq() const;
};

struct InterleavedFrame {
  std::uint8_t channel = 0;
  std::span<const std::uint8_t> data;  // a view into the parsed buffer
};

enum class StreamError {
  HeaderTooLarge,
  TooManyHeaders,
  BadStartLine,
  BadHeader,
  BadContentLength,
  BodyTooLarge,
};
std::string_view to_string(StreamError error);

// The next item at the front of `buffer`. `consumed` is 0 while more bytes are needed.
struct StreamItem {
  enum class Kind { NeedMore, Message, Frame, Error } kind = Kind::NeedMore;
  std::size_t consumed = 0;
  RtspMessage message{};   // Kind::Message
  InterleavedFrame frame{};  // Kind::Frame
  StreamError error{};     // Kind::Error
};
StreamItem parse_stream_item(std::span<const std::uint8_t> buffer);

// Requests: "<METHOD> <uri> RTSP/1.0", CSeq, the extra headers in order, then an empty line.
std::string write_request(std::string_view method, std::string_view uri, std::uint32_t cseq,
                          std::span<const std::pair<std::string_view, std::string>> headers);

// Transport response header (RFC 2326 §12.39): what the server chose.
struct TransportReply {
  std::optional<std::uint16_t> server_rtp_port;  // server_port=a[-b]
  std::optional<std::uint16_t> server_rtcp_port;
  std::optional<std::uint8_t> interleaved_rtp;  // interleaved=a[-b]
  std::optional<std::uint8_t> interleaved_rtcp;
  std::optional<std::uint32_t> ssrc;
};
TransportReply parse_transport(std::string_view value);

// Session header (§12.37): "<id>[;timeout=<seconds>]".
struct SessionHeader {
  std::string id;
  std::optional<std::uint32_t> timeout_seconds;
};
std::optional<SessionHeader> parse_session(std::string_view value);

}  // namespace shoal::rtc::rtsp
