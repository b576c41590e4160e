#include "room/hls_feed.hpp"

#include <algorithm>

namespace shoal::room {

namespace {

bool broadcastable(const media::Producer& track) {
  return track.is_video() ? track.codec() == media::Codec::H264 : track.codec() == media::Codec::Opus;
}

}  // namespace

void HlsFeed::add(media::Producer& track) {
  if (tracks_.contains(&track) || !broadcastable(track)) return;
  tracks_[&track] = {&track, broadcast_.add_track(track.is_video()), -1};
}

void HlsFeed::remove(const media::Producer& track) {
  auto entry = tracks_.find(&track);
  if (entry == tracks_.end()) return;
  broadcast_.remove_track(entry->second.key);
  tracks_.erase(entry);
}

void HlsFeed::request_keyframe(std::uint32_t key, core::Time now) {
  for (auto& [producer, track] : tracks_) {
    if (track.key != key) continue;
    track.producer->request_keyframe(producer->is_simulcast() ? std::max(track.stream, 0) : 0, now);
    return;
  }
}

void HlsFeed::on_media(const media::Producer& producer, int stream, const rtc::rtp::RtpPacket& packet) {
  auto entry = tracks_.find(&producer);
  if (entry == tracks_.end()) return;
  Track& track = entry->second;
  if (producer.is_simulcast()) {
    int best = -1;
    for (int i = media::Producer::kMaxStreams - 1; i >= 0; --i) {
      if (producer.stream(i).active()) {
        best = i;
        break;
      }
    }
    track.stream = best;
    if (stream != best) return;
  }
  broadcast_.push(track.key, packet.ssrc(), packet.sequence_number(), packet.timestamp(), packet.marker(),
                  packet.payload());
}

}  // namespace shoal::room
