#pragma once
// The published track the packet-path tests use: a VP8 video track, simulcast with `rids`.
#include "media/producer.hpp"

#include <string>
#include <utility>
#include <vector>

namespace shoal::testing {

inline media::TrackDescription vp8_video_track(std::vector<std::string> rids = {}) {
  media::TrackDescription track;
  track.id = "track-1";
  track.owner_id = "publisher";
  track.kind = rtc::sdp::MediaKind::Video;
  track.codec_name = "VP8";
  track.rids = std::move(rids);
  return track;
}

}  // namespace shoal::testing
