#include "components/rtsp/rtsp_session.hpp"

#include "core/uuid.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstring>

namespace shoal::components::rtsp {

namespace asio = boost::asio;
using boost::system::error_code;
namespace wire = rtc::rtsp;

namespace {

// A TEARDOWN gets this long to go out before the connection is closed regardless.
constexpr std::chrono::milliseconds kTeardownGrace{1000};
// The original sleeps keepAliveInterval between keep-alives; 0 would be a busy loop here.
constexpr std::int64_t kMinKeepAliveMs = 1000;

}  // namespace

std::string_view to_string(SessionEnd end) {
  switch (end) {
    case SessionEnd::Failed:
      return "connection failed";
    case SessionEnd::Lost:
      return "source lost";
    case SessionEnd::UdpSilent:
      return "no RTP over UDP";  // or UDP refused
    case SessionEnd::Unsupported:
      return "unsupported stream";
  }
  return "ended";
}

RtspSession::RtspSession(asio::io_context& loop, RtspSessionSettings settings, RtspSessionEvents& events)
    : loop_(loop),
      settings_(std::move(settings)),
      events_(&events),
      resolver_(loop),
      tcp_(loop),
      udp_(loop),
      response_timer_(loop),
      keep_alive_timer_(loop),
      media_timer_(loop) {}

void RtspSession::start() {
  if (state_ != State::Idle) return;
  state_ = State::Connecting;
  base_uri_ = settings_.source.uri;
  response_timer_.expires_after(std::chrono::milliseconds(settings_.response_timeout_ms));
  response_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (!ec && self->state_ == State::Connecting) self->end(SessionEnd::Failed, "timed out connecting");
  });
  resolver_.async_resolve(settings_.source.host, std::to_string(settings_.source.port),
                          [self = shared_from_this()](error_code ec, asio::ip::tcp::resolver::results_type results) {
                            if (self->state_ != State::Connecting) return;
                            if (ec) return self->end(SessionEnd::Failed, "cannot resolve host: " + ec.message());
                            asio::async_connect(self->tcp_, results,
                                                [self](error_code connect_ec, const asio::ip::tcp::endpoint&) {
                                                  if (self->state_ != State::Connecting) return;
                                                  if (connect_ec) {
                                                    return self->end(SessionEnd::Failed,
                                                                     "cannot connect: " + connect_ec.message());
                                                  }
                                                  self->on_connected();
                                                });
                          });
}

void RtspSession::on_connected() {
  error_code ec;
  source_address_ = tcp_.remote_endpoint(ec).address();
  if (ec) return end(SessionEnd::Failed, "connection lost: " + ec.message());
  read_buffer_.resize(8192);
  read_more();
  state_ = State::Describing;
  send_request("DESCRIBE", base_uri_, {{"Accept", "application/sdp"}});
}

void RtspSession::send_request(std::string_view method, const std::string& uri, Headers headers, int challenges) {
  pending_request_ = {std::string(method), uri, headers, challenges};
  if (!session_id_.empty()) headers.emplace_back("Session", session_id_);
  if (authorizer_) headers.emplace_back("Authorization", authorizer_->authorization(method, uri));
  pending_cseq_ = ++cseq_;
  queue_write(wire::write_request(method, uri, pending_cseq_, headers));
  response_timer_.expires_after(std::chrono::milliseconds(settings_.response_timeout_ms));
  response_timer_.async_wait([self = shared_from_this(), cseq = pending_cseq_,
                              what = std::string(method)](error_code ec) {
    if (ec || self->pending_cseq_ != cseq || self->state_ == State::Done) return;
    self->end(self->state_ == State::Playing ? SessionEnd::Lost : SessionEnd::Failed, what + " got no response");
  });
}

void RtspSession::queue_write(std::string data) {
  // A source that stops reading must not make us buffer without bound: it is lost.
  if (writes_.size() >= kMaxQueuedWrites) return end(SessionEnd::Lost, "source stopped reading");
  writes_.push_back(std::move(data));
  if (!writing_) write_next();
}

void RtspSession::write_next() {
  if (writes_.empty() || !tcp_.is_open()) {
    writing_ = false;
    return;
  }
  writing_ = true;
  asio::async_write(tcp_, asio::buffer(writes_.front()), [self = shared_from_this()](error_code ec, std::size_t) {
    if (!self->writes_.empty()) self->writes_.pop_front();
    if (ec) {
      self->writing_ = false;
      if (self->state_ != State::Done) self->end(SessionEnd::Lost, "write failed: " + ec.message());
      return;
    }
    self->write_next();
  });
}

void RtspSession::read_more() {
  if (read_size_ == read_buffer_.size()) {
    if (read_buffer_.size() >= kMaxReadBuffer) return end(SessionEnd::Failed, "response too large");
    read_buffer_.resize(std::min(read_buffer_.size() * 2, kMaxReadBuffer));
  }
  tcp_.async_read_some(asio::buffer(read_buffer_.data() + read_size_, read_buffer_.size() - read_size_),
                       [self = shared_from_this()](error_code ec, std::size_t count) {
                         if (self->state_ == State::Done) return;
                         if (ec) {
                           const bool playing = self->state_ == State::Playing;
                           return self->end(playing ? SessionEnd::Lost : SessionEnd::Failed,
                                            "connection closed by the source: " + ec.message());
                         }
                         self->on_bytes(count);
                       });
}

void RtspSession::on_bytes(std::size_t count) {
  read_size_ += count;
  std::size_t offset = 0;
  while (state_ != State::Done) {
    auto item = wire::parse_stream_item(std::span<const std::uint8_t>(read_buffer_.data() + offset, read_size_ - offset));
    if (item.kind == wire::StreamItem::Kind::NeedMore) break;
    if (item.kind == wire::StreamItem::Kind::Error) {
      return end(state_ == State::Playing ? SessionEnd::Lost : SessionEnd::Failed,
                 "malformed data from the source: " + std::string(wire::to_string(item.error)));
    }
    offset += item.consumed;
    if (item.kind == wire::StreamItem::Kind::Message) {
      on_message(item.message);
    } else if (item.frame.channel == rtp_channel_ && settings_.interleaved && state_ == State::Playing) {
      // The frame is a view into read_buffer_, which is ours until the next read.
      media_seen_ = any_media_ = true;
      const auto at = static_cast<std::size_t>(item.frame.data.data() - read_buffer_.data());
      events_->on_rtp(std::span<std::uint8_t>(read_buffer_.data() + at, item.frame.data.size()));
    }
  }
  if (state_ == State::Done) return;
  if (offset > 0) {
    std::memmove(read_buffer_.data(), read_buffer_.data() + offset, read_size_ - offset);
    read_size_ -= offset;
  }
  read_more();
}

void RtspSession::on_message(const wire::RtspMessage& message) {
  // Requests from the server (some send GET_PARAMETER or ANNOUNCE) need nothing from us.
  if (!message.is_response) return;
  if (message.cseq() != pending_cseq_ || pending_cseq_ == 0) return;  // stale or unsolicited
  pending_cseq_ = 0;
  response_timer_.cancel();
  if (message.status == 401) return on_unauthorized(message);
  switch (state_) {
    case State::Describing:
      return on_describe(message);
    case State::SettingUp:
      return on_setup(message);
    case State::Starting:
      if (message.status != 200) {
        return end(SessionEnd::Failed, "PLAY answered " + std::to_string(message.status));
      }
      return on_play();
    case State::Playing:
      // A keep-alive: some servers answer GET_PARAMETER with 405/501 yet keep the session; the
      // original gives up on anything but 200.
      if (message.status != 200) {
        return end(SessionEnd::Lost, "keep-alive answered " + std::to_string(message.status));
      }
      return schedule_keep_alive();
    default:
      return;
  }
}

void RtspSession::on_unauthorized(const wire::RtspMessage& response) {
  const SessionEnd failure = state_ == State::Playing ? SessionEnd::Lost : SessionEnd::Failed;
  const auto& credentials = settings_.source.credentials;
  if (!credentials) {
    return end(failure, pending_request_.method +
                            " answered 401: the source requires credentials (rtsp://user:password@host/... in sourceUri)");
  }
  const auto challenge = wire::choose_challenge(response.headers_named("WWW-Authenticate"));
  if (!challenge) {
    return end(failure, pending_request_.method +
                            " answered 401 without a challenge this client answers (Basic, Digest MD5 or SHA-256)");
  }
  // Credentials sent once and refused are wrong; a stale nonce gets one more try.
  const int challenges = pending_request_.challenges;
  if (challenges >= 2 || (challenges == 1 && !challenge->stale)) {
    return end(failure, pending_request_.method + " answered 401: the source refused the credentials");
  }
  authorizer_.emplace(*credentials, *challenge, core::make_uuid_v4());
  SentRequest request = std::move(pending_request_);
  send_request(request.method, request.uri, std::move(request.headers), challenges + 1);
}

void RtspSession::on_describe(const wire::RtspMessage& response) {
  if (response.status != 200) return end(SessionEnd::Failed, "DESCRIBE answered " + std::to_string(response.status));
  auto parsed = wire::parse_video_stream(response.body);
  if (!parsed) {
    const wire::SdpError error = parsed.error();
    return end(error == wire::SdpError::NoVideo ? SessionEnd::Unsupported : SessionEnd::Failed,
               "source SDP: " + std::string(wire::to_string(error)));
  }
  video_ = *std::move(parsed);
  if (video_.encoding != "H264" && video_.encoding != "h264") {
    return end(SessionEnd::Unsupported, "the source's video is " + video_.encoding + ", not H264");
  }
  // RFC 2326 C.1.1: Content-Base, else Content-Location, else the request URI.
  if (auto base = response.header("Content-Base")) {
    base_uri_ = std::string(*base);
  } else if (auto location = response.header("Content-Location")) {
    base_uri_ = std::string(*location);
  } else if (!video_.content_base.empty()) {
    base_uri_ = video_.content_base;
  }
  if (!base_uri_.starts_with("rtsp://") && !base_uri_.starts_with("RTSP://")) base_uri_ = settings_.source.uri;
  if (!settings_.interleaved && !open_udp()) return;
  send_setup();
}

bool RtspSession::open_udp() {
  error_code ec;
  const asio::ip::udp protocol = source_address_.is_v6() ? asio::ip::udp::v6() : asio::ip::udp::v4();
  // No SO_REUSEADDR: a port another component (or process) holds must fail here, not share.
  udp_.open(protocol, ec);
  // A larger receive buffer absorbs keyframe bursts, as the original's 1 MiB one.
  if (!ec) udp_.set_option(asio::socket_base::receive_buffer_size(1 << 20), ec);
  if (!ec) udp_.bind({protocol == asio::ip::udp::v6() ? asio::ip::address(asio::ip::address_v6::any())
                                                       : asio::ip::address(asio::ip::address_v4::any()),
                      settings_.rtp_port},
                     ec);
  if (ec) {
    end(SessionEnd::Failed, "cannot receive RTP on port " + std::to_string(settings_.rtp_port) + ": " + ec.message());
    return false;
  }
  receive_udp();
  return true;
}

void RtspSession::send_setup() {
  state_ = State::SettingUp;
  std::string transport;
  if (settings_.interleaved) {
    transport = "RTP/AVP/TCP;unicast;interleaved=0-1";
  } else {
    const unsigned port = settings_.rtp_port;
    transport = "RTP/AVP;unicast;client_port=" + std::to_string(port) + "-" + std::to_string(port + 1);
  }
  send_request("SETUP", wire::resolve_control(base_uri_, video_.control), {{"Transport", std::move(transport)}});
}

void RtspSession::on_setup(const wire::RtspMessage& response) {
  // 461 Unsupported Transport: a source that streams over TCP only.
  if (response.status == 461 && !settings_.interleaved) return end(SessionEnd::UdpSilent, "SETUP over UDP refused (461)");
  if (response.status != 200) return end(SessionEnd::Failed, "SETUP answered " + std::to_string(response.status));
  auto session = response.header("Session") ? wire::parse_session(*response.header("Session")) : std::nullopt;
  if (!session) return end(SessionEnd::Failed, "SETUP answer without a valid Session header");
  session_id_ = session->id;
  // The server drops a session idle for its timeout: keep-alives must come well within it,
  // whatever keepAliveInterval says (the original sent them at the option's pace only).
  if (session->timeout_seconds && *session->timeout_seconds > 0) {
    settings_.keep_alive_interval_ms =
        std::min<std::int64_t>(settings_.keep_alive_interval_ms, std::int64_t{*session->timeout_seconds} * 1000 / 2);
  }
  const auto transport = wire::parse_transport(response.header("Transport").value_or(""));
  if (settings_.interleaved) {
    rtp_channel_ = transport.interleaved_rtp.value_or(0);
    rtcp_channel_ = transport.interleaved_rtcp.value_or(static_cast<std::uint8_t>(rtp_channel_ + 1));
  } else {
    server_rtp_port_ = transport.server_rtp_port.value_or(0);
    server_rtcp_port_ = transport.server_rtcp_port.value_or(
        server_rtp_port_ == 0 ? std::uint16_t{0} : static_cast<std::uint16_t>(server_rtp_port_ + 1));
    if (settings_.pierce_nat && server_rtp_port_ != 0) {
      // An empty datagram opens our NAT's mapping toward the source before its RTP arrives.
      error_code ignored;
      udp_.send_to(asio::buffer(datagram_.data(), 0), {source_address_, server_rtp_port_}, 0, ignored);
    }
  }
  state_ = State::Starting;
  send_request("PLAY", base_uri_, {{"Range", "npt=0.000-"}});
}

void RtspSession::on_play() {
  state_ = State::Playing;
  events_->on_playing(video_);
  if (state_ != State::Playing) return;  // stopped from the callback
  schedule_keep_alive();
  arm_media_watchdog(settings_.first_packet_timeout_ms);
}

void RtspSession::schedule_keep_alive() {
  keep_alive_timer_.expires_after(
      std::chrono::milliseconds(std::max(settings_.keep_alive_interval_ms, kMinKeepAliveMs)));
  keep_alive_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ != State::Playing) return;
    self->send_request("GET_PARAMETER", self->base_uri_, {});
  });
}

void RtspSession::arm_media_watchdog(std::int64_t ms) {
  media_seen_ = false;
  media_timer_.expires_after(std::chrono::milliseconds(ms));
  media_timer_.async_wait([self = shared_from_this()](error_code ec) {
    if (ec || self->state_ != State::Playing) return;
    if (!self->media_seen_) {
      if (!self->any_media_ && !self->settings_.interleaved) {
        return self->end(SessionEnd::UdpSilent, "no RTP arrived over UDP after PLAY");
      }
      return self->end(SessionEnd::Lost, "the source sent no RTP for a while");
    }
    self->arm_media_watchdog(self->settings_.media_timeout_ms);
  });
}

void RtspSession::receive_udp() {
  udp_.async_receive_from(asio::buffer(datagram_), datagram_sender_,
                          [self = shared_from_this()](error_code ec, std::size_t count) {
                            if (self->state_ == State::Done) return;
                            if (ec == asio::error::operation_aborted) return;
                            // Only the source's own datagrams count; anyone can send to our port.
                            if (!ec && self->state_ == State::Playing && count > 0 &&
                                self->datagram_sender_.address() == self->source_address_) {
                              self->media_seen_ = self->any_media_ = true;
                              self->events_->on_rtp(std::span<std::uint8_t>(self->datagram_.data(), count));
                              if (self->state_ == State::Done) return;
                            }
                            // Errors such as ICMP port unreachable echoes are transient on UDP.
                            self->receive_udp();
                          });
}

void RtspSession::send_rtcp(std::span<const std::uint8_t> packet) {
  if (state_ != State::Playing || packet.empty() || packet.size() > 0xffff) return;
  if (settings_.interleaved) {
    std::string frame{'$', static_cast<char>(rtcp_channel_), static_cast<char>(packet.size() >> 8),
                      static_cast<char>(packet.size() & 0xff)};
    frame.append(reinterpret_cast<const char*>(packet.data()), packet.size());
    queue_write(std::move(frame));
    return;
  }
  if (server_rtcp_port_ == 0) return;
  error_code ignored;
  udp_.send_to(asio::buffer(packet.data(), packet.size()), {source_address_, server_rtcp_port_}, 0, ignored);
}

void RtspSession::stop() {
  if (state_ == State::Done) return;
  events_ = nullptr;
  const bool set_up = !session_id_.empty() && tcp_.is_open();
  if (!set_up) {
    state_ = State::Done;
    close_sockets();
    return;
  }
  // TEARDOWN: written before the connection closes, bounded by a short grace period.
  state_ = State::Done;
  resolver_.cancel();
  keep_alive_timer_.cancel();
  media_timer_.cancel();
  error_code ignored;
  udp_.close(ignored);
  // A write in flight keeps its buffer (asio still reads it); whatever waited behind it is dropped.
  while (writes_.size() > (writing_ ? 1u : 0u)) writes_.pop_back();
  pending_cseq_ = ++cseq_;
  Headers headers{{"Session", session_id_}};
  if (authorizer_) headers.emplace_back("Authorization", authorizer_->authorization("TEARDOWN", base_uri_));
  writes_.push_back(wire::write_request("TEARDOWN", base_uri_, pending_cseq_, headers));
  response_timer_.expires_after(kTeardownGrace);
  response_timer_.async_wait([self = shared_from_this()](error_code) { self->close_sockets(); });
  if (writing_) return;  // write_next sends TEARDOWN after the write in flight; the timer closes
  writing_ = true;
  asio::async_write(tcp_, asio::buffer(writes_.front()), [self = shared_from_this()](error_code, std::size_t) {
    self->writing_ = false;
    self->writes_.clear();
    self->close_sockets();
  });
}

void RtspSession::end(SessionEnd how, std::string reason) {
  if (state_ == State::Done) return;
  state_ = State::Done;
  close_sockets();
  if (auto* events = std::exchange(events_, nullptr)) events->on_ended(how, reason);
}

void RtspSession::close_sockets() {
  error_code ignored;
  resolver_.cancel();
  response_timer_.cancel();
  keep_alive_timer_.cancel();
  media_timer_.cancel();
  tcp_.close(ignored);
  udp_.close(ignored);
}

}  // namespace shoal::components::rtsp
