#pragma once
// An RTSP component's media side: it keeps an RTSP session with the source going (a new one
// after reconnectDelay whenever one ends, forever, as Jellyfish configures its endpoint), and
// while one plays it is the publisher of one H264 video track of the room. Its packets get the
// source's parameter sets in band before IDRs (see H264ParameterSetInserter), then go to the room
// like a peer's. Keyframe requests of subscribers go to the source as RTCP PLI. On the room's
// loop only.
#include "components/rtsp/rtsp_session.hpp"
#include "media/producer.hpp"
#include "rtc/rtp/h264_parameter_sets.hpp"
#include "rtc/rtp/rtp_packet.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shoal::room {

class RtspSource;

// What a source asks of its room.
class RtspSourceEvents {
 public:
  // The source plays: a track of the room for it (its publisher link is the source), then, once
  // the source holds it, its publication to the room.
  virtual media::Producer& on_rtsp_track(RtspSource& source, media::TrackDescription track) = 0;
  virtual void on_rtsp_track_ready(RtspSource& source) = 0;
  // The session ended: the track it published leaves the room.
  virtual void on_rtsp_track_gone(RtspSource& source, const std::string& track_id) = 0;
  virtual void on_rtsp_packet(media::Producer& track, const rtc::rtp::RtpPacket& packet, core::Time arrival) = 0;
  // The source can never be published (not H264, an unusable URI): the component crashed.
  virtual void on_rtsp_crashed(RtspSource& source, std::string_view reason) = 0;

 protected:
  ~RtspSourceEvents() = default;
};

struct RtspSourceSettings {
  std::string room_id;
  std::string component_id;
  std::string source_uri;
  std::uint16_t rtp_port = 20000;
  std::int64_t reconnect_delay_ms = 15000;
  std::int64_t keep_alive_interval_ms = 15000;
  bool pierce_nat = true;
};

class RtspSource final : private components::rtsp::RtspSessionEvents, private media::PublisherLink {
 public:
  RtspSource(boost::asio::io_context& loop, RtspSourceSettings settings, RtspSourceEvents& events);
  ~RtspSource();  // tears the session down (TEARDOWN to the source)
  RtspSource(const RtspSource&) = delete;
  RtspSource& operator=(const RtspSource&) = delete;

  // Connects; a URI that cannot name an RTSP source crashes the component (on a later turn).
  void start();
  // No more calls to the room from here on; the session is torn down (TEARDOWN to the source).
  // The track, if any, stays the caller's to remove.
  void stop();
  media::PublisherLink& publisher() { return *this; }
  const std::string& component_id() const { return settings_.component_id; }
  // The track being published, if a session plays.
  media::Producer* track() const { return track_; }

 private:
  void connect();
  void schedule_reconnect(std::int64_t delay_ms);

  void on_playing(const rtc::rtsp::VideoStream& video) override;
  void on_rtp(std::span<std::uint8_t> packet) override;
  void on_ended(components::rtsp::SessionEnd end, std::string_view reason) override;

  bool feedback_ready() const override { return session_ && session_->playing(); }
  void send_feedback(std::span<std::uint8_t> buffer, std::size_t length) override;

  boost::asio::io_context& loop_;
  RtspSourceSettings settings_;
  RtspSourceEvents& events_;
  std::optional<rtc::rtsp::RtspUri> source_;
  bool interleaved_ = false;  // UDP brought nothing once: RTP over the RTSP connection from then on
  std::shared_ptr<components::rtsp::RtspSession> session_;
  boost::asio::steady_timer reconnect_timer_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  // The playing session's track.
  media::Producer* track_ = nullptr;
  std::uint8_t payload_type_ = 0;
  std::uint32_t clock_rate_ = 90000;
  std::uint32_t ssrc_ = 0;  // the stream's SSRC, from its first packet
  std::optional<rtc::rtp::H264ParameterSetInserter> inserter_;
  std::array<std::uint8_t, rtc::rtp::H264ParameterSetInserter::kMaxPacket> inserted_{};
};

}  // namespace shoal::room
