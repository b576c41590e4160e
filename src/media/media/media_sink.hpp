#pragma once
// Something that takes a room's media as it arrives, besides subscribers: the HLS broadcast now,
// recorders later. A sink attached to a Router sees every new (not retransmitted) packet each
// producer accepts, on the room's loop.
#include "media/producer.hpp"
#include "rtc/rtp/rtp_packet.hpp"

namespace shoal::media {

class MediaSink {
 public:
  virtual void on_media(const Producer& producer, int stream, const rtc::rtp::RtpPacket& packet) = 0;

 protected:
  ~MediaSink() = default;
};

}  // namespace shoal::media
