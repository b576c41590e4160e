#pragma once
// Where a producer's packets go besides this loop's consumers and sinks: another event loop (or,
// later, another node) that serves more of the room's subscribers. An outlet sees every packet
// the producer accepts, retransmissions included, with what the producer learnt about it, so the
// far side can fan it out without parsing the codec payload again.
#include "core/time.hpp"
#include "rtc/rtp/rtp_packet.hpp"

namespace shoal::media {

class TrackOutlet {
 public:
  virtual void on_track_packet(int stream, const rtc::rtp::RtpPacket& packet, bool keyframe, bool retransmitted,
                               core::Time now) = 0;

 protected:
  ~TrackOutlet() = default;
};

}  // namespace shoal::media
