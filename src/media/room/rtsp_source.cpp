#include "room/rtsp_source.hpp"

#include "core/uuid.hpp"
#include "log/log.hpp"
#include "room/media_timer.hpp"

#include <boost/asio/post.hpp>

namespace shoal::room {

namespace asio = boost::asio;
using components::rtsp::SessionEnd;

RtspSource::RtspSource(asio::io_context& loop, RtspSourceSettings settings, RtspSourceEvents& events)
    : loop_(loop), settings_(std::move(settings)), events_(events), reconnect_timer_(loop) {}

RtspSource::~RtspSource() { stop(); }

void RtspSource::stop() {
  // Callbacks up the stack check this after every call into the room (which may stop us).
  *alive_ = false;
  reconnect_timer_.cancel();
  if (session_) session_->stop();
}

void RtspSource::start() {
  auto parsed = rtc::rtsp::parse_rtsp_uri(settings_.source_uri);
  if (!parsed) {
    // As the original: the component is created, then its endpoint fails on the URI.
    asio::post(loop_, [this, alive = alive_, reason = std::string(rtc::rtsp::to_string(parsed.error()))] {
      if (*alive) events_.on_rtsp_crashed(*this, "invalid sourceUri: " + reason);
    });
    return;
  }
  source_ = *std::move(parsed);
  connect();
}

void RtspSource::connect() {
  components::rtsp::RtspSessionSettings session;
  session.source = *source_;
  session.rtp_port = settings_.rtp_port;
  session.keep_alive_interval_ms = settings_.keep_alive_interval_ms;
  session.pierce_nat = settings_.pierce_nat;
  session.interleaved = interleaved_;
  components::rtsp::RtspSessionEvents& events = *this;
  session_ = std::make_shared<components::rtsp::RtspSession>(loop_, std::move(session), events);
  logging::debug(logging::component(settings_.room_id, settings_.component_id), "Connecting to RTSP source {}{}",
                 source_->uri, interleaved_ ? " (RTP interleaved over TCP)" : "");
  session_->start();
}

void RtspSource::schedule_reconnect(std::int64_t delay_ms) {
  reconnect_timer_.expires_after(std::chrono::milliseconds(delay_ms));
  reconnect_timer_.async_wait([this, alive = alive_](boost::system::error_code ec) {
    if (ec || !*alive) return;
    connect();
  });
}

void RtspSource::on_playing(const rtc::rtsp::VideoStream& video) {
  payload_type_ = video.payload_type;
  clock_rate_ = video.clock_rate;
  ssrc_ = 0;
  inserter_.emplace(video.parameter_sets);
  media::TrackDescription track;
  track.id = core::make_uuid_v4();
  track.owner_id = settings_.component_id;
  track.stream_id = core::make_uuid_v4();
  track.kind = rtc::sdp::MediaKind::Video;
  track.codec_name = "H264";
  track.clock_rate = clock_rate_;
  logging::info(logging::component(settings_.room_id, settings_.component_id),
                "RTSP source {} plays (payload type {}, {} parameter sets)", source_->uri, payload_type_,
                video.parameter_sets.size());
  auto alive = alive_;
  media::Producer& created = events_.on_rtsp_track(*this, std::move(track));
  if (!*alive) return;
  track_ = &created;
  events_.on_rtsp_track_ready(*this);
}

void RtspSource::on_rtp(std::span<std::uint8_t> bytes) {
  if (track_ == nullptr) return;
  auto packet = rtc::rtp::RtpPacket::parse(bytes);
  // Other payload types and other SSRCs are not the stream SETUP asked for. The original crashed
  // the endpoint on either; a stray packet costs nothing here.
  if (!packet || packet->payload_type() != payload_type_) return;
  if (ssrc_ == 0) {
    ssrc_ = packet->ssrc();
    track_->stream(0).bind(ssrc_, clock_rate_);
  }
  if (packet->ssrc() != ssrc_) return;
  const core::Time now = core::now();
  if (const std::size_t length = inserter_->process(*packet, inserted_)) {
    auto alive = alive_;
    auto parameter_sets = rtc::rtp::RtpPacket::parse(std::span(inserted_.data(), length));
    if (parameter_sets) events_.on_rtsp_packet(*track_, *parameter_sets, now);
    if (!*alive || track_ == nullptr) return;
  }
  events_.on_rtsp_packet(*track_, *packet, now);
}

void RtspSource::on_ended(SessionEnd end, std::string_view reason) {
  if (track_ != nullptr) {
    const std::string track_id = track_->id();
    track_ = nullptr;
    auto alive = alive_;
    events_.on_rtsp_track_gone(*this, track_id);
    if (!*alive) return;
  }
  const auto log = logging::component(settings_.room_id, settings_.component_id);
  switch (end) {
    case SessionEnd::Unsupported:
      events_.on_rtsp_crashed(*this, reason);
      return;
    case SessionEnd::UdpSilent:
      logging::warn(log, "RTSP source {}: {}; retrying with RTP interleaved over TCP", source_->uri, reason);
      interleaved_ = true;
      // The session that ended is still on the stack: the new one starts on a later turn.
      schedule_reconnect(0);
      return;
    case SessionEnd::Failed:
    case SessionEnd::Lost:
      logging::warn(log, "RTSP source {}: {} ({}); reconnecting in {} ms", source_->uri, to_string(end), reason,
                    settings_.reconnect_delay_ms);
      schedule_reconnect(settings_.reconnect_delay_ms);
      return;
  }
}

void RtspSource::send_feedback(std::span<std::uint8_t> buffer, std::size_t length) {
  if (session_ && length <= buffer.size()) session_->send_rtcp(buffer.first(length));
}

}  // namespace shoal::room
