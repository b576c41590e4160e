#include "components/hls/hls_playlist.hpp"

#include <cmath>
#include <cstdio>

namespace shoal::components::hls {

namespace {

// Parts of segments more than this many target durations old are left out (RFC 8216bis
// 4.4.4.9: only the recent ones must be listed).
constexpr double kPartWindowTargets = 3.0;

std::string seconds(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.3f", value);
  return text;
}

void render_part(std::string& out, const HlsPart& part) {
  out += "#EXT-X-PART:DURATION=" + seconds(part.duration) + ",URI=\"" + part.uri + "\"";
  if (part.independent) out += ",INDEPENDENT=YES";
  out += '\n';
}

}  // namespace

HlsPlaylist::HlsPlaylist(std::string init_uri, int target_duration, std::optional<double> part_target)
    : init_uri_(std::move(init_uri)), target_duration_(target_duration), part_target_(part_target) {}

void HlsPlaylist::add_part(HlsPart part) { open_parts_.push_back(std::move(part)); }

std::vector<HlsSegment> HlsPlaylist::finish_segment(std::string uri, double duration) {
  segments_.push_back(HlsSegment{std::move(uri), duration, std::move(open_parts_)});
  open_parts_.clear();
  std::vector<HlsSegment> removed;
  if (!window_seconds_) return removed;
  double total = 0;
  for (const auto& segment : segments_) total += segment.duration;
  std::size_t drop = 0;
  while (drop + 1 < segments_.size() && total - segments_[drop].duration >= *window_seconds_) {
    total -= segments_[drop].duration;
    ++drop;
  }
  removed.assign(std::make_move_iterator(segments_.begin()),
                 std::make_move_iterator(segments_.begin() + static_cast<std::ptrdiff_t>(drop)));
  segments_.erase(segments_.begin(), segments_.begin() + static_cast<std::ptrdiff_t>(drop));
  first_sequence_ += drop;
  return removed;
}

std::string HlsPlaylist::render(bool delta) const {
  std::string out = "#EXTM3U\n";
  // Version 9 is needed for EXT-X-SKIP; 7 covers fMP4 with EXT-X-MAP.
  out += part_target_ ? "#EXT-X-VERSION:9\n" : "#EXT-X-VERSION:7\n";
  out += "#EXT-X-TARGETDURATION:" + std::to_string(target_duration_) + "\n";
  if (part_target_) {
    out += "#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=" + seconds(skip_until()) +
           ",PART-HOLD-BACK=" + seconds(3 * *part_target_) + "\n";
    out += "#EXT-X-PART-INF:PART-TARGET=" + seconds(*part_target_) + "\n";
  }
  out += "#EXT-X-MEDIA-SEQUENCE:" + std::to_string(first_sequence_) + "\n";
  out += "#EXT-X-MAP:URI=\"" + init_uri_ + "\"\n";

  // Segments whose start lies further than CAN-SKIP-UNTIL from the playlist's end may be
  // skipped in a delta update.
  double total = 0;
  for (const auto& segment : segments_) total += segment.duration;
  std::size_t skipped = 0;
  if (delta && part_target_) {
    double start = 0;
    for (const auto& segment : segments_) {
      if (total - start <= skip_until()) break;
      start += segment.duration;
      ++skipped;
    }
    if (skipped > 0) out += "#EXT-X-SKIP:SKIPPED-SEGMENTS=" + std::to_string(skipped) + "\n";
  }

  double start = 0;
  for (std::size_t i = 0; i < segments_.size(); ++i) {
    const HlsSegment& segment = segments_[i];
    if (i >= skipped) {
      if (part_target_ && total - start <= kPartWindowTargets * target_duration_) {
        for (const auto& part : segment.parts) render_part(out, part);
      }
      out += "#EXTINF:" + seconds(segment.duration) + ",\n" + segment.uri + "\n";
    }
    start += segment.duration;
  }
  for (const auto& part : open_parts_) render_part(out, part);
  if (ended_) out += "#EXT-X-ENDLIST\n";
  return out;
}

std::string master_playlist(const std::string& media_uri, std::uint64_t bandwidth, const std::string& codecs,
                            int width, int height, int frame_rate) {
  std::string out = "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n";
  out += "#EXT-X-STREAM-INF:BANDWIDTH=" + std::to_string(bandwidth) + ",CODECS=\"" + codecs +
         "\",RESOLUTION=" + std::to_string(width) + "x" + std::to_string(height) +
         ",FRAME-RATE=" + std::to_string(frame_rate) + ".000\n";
  out += media_uri + "\n";
  return out;
}

}  // namespace shoal::components::hls
