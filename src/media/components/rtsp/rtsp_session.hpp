#pragma once
// One RTSP client session with a stream source (RFC 2326): DESCRIBE, SETUP of its first video
// stream, PLAY, keep-alives (GET_PARAMETER, as the original), then RTP and RTCP over UDP on the
// component's rtpPort, or interleaved on the RTSP connection ($-framed) when asked to. Everything
// runs asynchronously on the loop it is given (the room's); nothing blocks and no exception
// leaves it. Whatever the source sends is untrusted: the sans-I/O parsers of rtc/rtsp read it.
//
// A source that answers 401 gets the credentials of its URI (Basic or Digest), then every later
// request carries them; a 401 to credentials already sent (unless the nonce was only stale) or a
// source asking for credentials the URI lacks ends the session as failed.
//
// A session is used once: it ends (on_ended) on any failure, and its owner starts a new one.
#include "rtc/rtsp/rtsp_auth.hpp"
#include "rtc/rtsp/rtsp_message.hpp"
#include "rtc/rtsp/rtsp_sdp.hpp"
#include "rtc/rtsp/rtsp_uri.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::components::rtsp {

struct RtspSessionSettings {
  rtc::rtsp::RtspUri source;
  std::uint16_t rtp_port = 20000;    // local UDP port RTP arrives at (RTCP is sent from it too)
  std::int64_t keep_alive_interval_ms = 15000;
  bool pierce_nat = true;            // an empty datagram to the source's RTP port after SETUP
  bool interleaved = false;          // RTP/RTCP over the RTSP connection instead of UDP
  std::int64_t response_timeout_ms = 10000;  // also bounds resolving and connecting
  std::int64_t first_packet_timeout_ms = 5000;  // after PLAY; over UDP a miss means "try TCP"
  std::int64_t media_timeout_ms = 10000;  // a playing source silent this long is lost
};

enum class SessionEnd {
  Failed,       // connecting or setting up did not succeed
  Lost,         // the source went away or went silent while playing
  UdpSilent,    // no RTP came over UDP after PLAY (a firewall or NAT may drop it), or SETUP
                // refused UDP (461): worth trying RTP interleaved on the RTSP connection
  Unsupported,  // the source's stream is not one the component can publish (not H264)
};
std::string_view to_string(SessionEnd end);

class RtspSessionEvents {
 public:
  // PLAY succeeded; RTP follows.
  virtual void on_playing(const rtc::rtsp::VideoStream& video) = 0;
  // One RTP packet of the video stream (any size up to a datagram; the callee parses it).
  virtual void on_rtp(std::span<std::uint8_t> packet) = 0;
  // The session is over; no more calls follow.
  virtual void on_ended(SessionEnd end, std::string_view reason) = 0;

 protected:
  ~RtspSessionEvents() = default;
};

class RtspSession final : public std::enable_shared_from_this<RtspSession> {
 public:
  RtspSession(boost::asio::io_context& loop, RtspSessionSettings settings, RtspSessionEvents& events);
  RtspSession(const RtspSession&) = delete;
  RtspSession& operator=(const RtspSession&) = delete;

  void start();
  // Ends the session without calling back: a TEARDOWN goes out when a session was set up (the
  // connection closes once it is written, or after a short bound), sockets close.
  void stop();
  bool playing() const { return state_ == State::Playing; }
  // RTCP to the source (keyframe requests): to its RTCP port, or on the interleaved channel.
  void send_rtcp(std::span<const std::uint8_t> packet);

 private:
  enum class State { Idle, Connecting, Describing, SettingUp, Starting, Playing, Done };
  static constexpr std::size_t kMaxReadBuffer = rtc::rtsp::kMaxHeaderBytes + rtc::rtsp::kMaxBodyBytes + 65536 + 4;
  static constexpr std::size_t kMaxQueuedWrites = 64;

  void on_connected();
  using Headers = std::vector<std::pair<std::string_view, std::string>>;  // names are literals
  // `challenges`: how many 401s this request already answered.
  void send_request(std::string_view method, const std::string& uri, Headers headers, int challenges = 0);
  void on_unauthorized(const rtc::rtsp::RtspMessage& response);
  void queue_write(std::string data);
  void write_next();
  void read_more();
  void on_bytes(std::size_t count);
  void on_message(const rtc::rtsp::RtspMessage& message);
  void on_describe(const rtc::rtsp::RtspMessage& response);
  void on_setup(const rtc::rtsp::RtspMessage& response);
  void on_play();
  void send_setup();
  void schedule_keep_alive();
  void arm_media_watchdog(std::int64_t ms);
  void receive_udp();
  bool open_udp();
  void end(SessionEnd end, std::string reason);
  void close_sockets();

  boost::asio::io_context& loop_;
  RtspSessionSettings settings_;
  RtspSessionEvents* events_;  // null once ended or stopped
  State state_ = State::Idle;

  boost::asio::ip::tcp::resolver resolver_;
  boost::asio::ip::tcp::socket tcp_;
  boost::asio::ip::udp::socket udp_;
  boost::asio::steady_timer response_timer_;
  boost::asio::steady_timer keep_alive_timer_;
  boost::asio::steady_timer media_timer_;

  std::vector<std::uint8_t> read_buffer_;
  std::size_t read_size_ = 0;
  std::deque<std::string> writes_;
  bool writing_ = false;

  std::uint32_t cseq_ = 0;
  std::uint32_t pending_cseq_ = 0;  // the request awaiting its response (0: none)
  struct SentRequest {
    std::string method;
    std::string uri;
    Headers headers;  // without Session and Authorization
    int challenges = 0;
  };
  SentRequest pending_request_;  // sent again, with credentials, after a 401
  std::optional<rtc::rtsp::RequestAuthorizer> authorizer_;
  std::string base_uri_;
  std::string session_id_;
  rtc::rtsp::VideoStream video_;
  boost::asio::ip::address source_address_;
  std::uint16_t server_rtp_port_ = 0, server_rtcp_port_ = 0;
  std::uint8_t rtp_channel_ = 0, rtcp_channel_ = 1;
  bool media_seen_ = false;  // RTP since the watchdog was last armed
  bool any_media_ = false;   // RTP since PLAY
  std::array<std::uint8_t, 65536> datagram_{};
  boost::asio::ip::udp::endpoint datagram_sender_;
};

}  // namespace shoal::components::rtsp
