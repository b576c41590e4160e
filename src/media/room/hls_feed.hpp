#pragma once
// A room's tracks into its HLS broadcast, attached to the room's router as a sink: which tracks
// the broadcast takes (H264 video, Opus audio), their keys in it, and for simulcast tracks the
// layer it takes, the best one being sent (its decoder restarts at that layer's next keyframe).
#include "components/hls/hls_component.hpp"
#include "media/media_sink.hpp"
#include "media/producer.hpp"

#include <cstdint>
#include <unordered_map>

namespace shoal::room {

class HlsFeed final : public media::MediaSink {
 public:
  explicit HlsFeed(components::hls::HlsComponent& broadcast) : broadcast_(broadcast) {}
  HlsFeed(const HlsFeed&) = delete;
  HlsFeed& operator=(const HlsFeed&) = delete;

  void add(media::Producer& track);  // ignored for codecs the broadcast cannot take
  void remove(const media::Producer& track);
  // The broadcast needs a keyframe of the track it knows as `key`.
  void request_keyframe(std::uint32_t key, core::Time now);

  void on_media(const media::Producer& producer, int stream, const rtc::rtp::RtpPacket& packet) override;

 private:
  struct Track {
    media::Producer* producer = nullptr;
    std::uint32_t key = 0;
    int stream = -1;  // simulcast: the layer taken now
  };
  components::hls::HlsComponent& broadcast_;
  std::unordered_map<const media::Producer*, Track> tracks_;
};

}  // namespace shoal::room
