#include "components/hls/hls_playlist.hpp"

#include <algorithm>
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

std::size_t HlsPlaylist::segments_older_than(double seconds) const {
  // From the end: the newest segments are the few that matter.
  std::size_t index = segments_.size();
  double from_end = 0;
  while (index > 0 && from_end + segments_[index - 1].duration <= seconds) {
    from_end += segments_[index - 1].duration;
    --index;
  }
  return index;
}

std::string HlsPlaylist::tags(bool with_skip, std::size_t skipped) const {
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
  if (with_skip && skipped > 0) out += "#EXT-X-SKIP:SKIPPED-SEGMENTS=" + std::to_string(skipped) + "\n";
  return out;
}

void HlsPlaylist::render_whole_segments(std::string& out, std::size_t from, std::size_t to) const {
  for (std::size_t i = from; i < to; ++i) {
    out += "#EXTINF:" + seconds(segments_[i].duration) + ",\n" + segments_[i].uri + "\n";
  }
}

void HlsPlaylist::render_live_tail(std::string& out, std::size_t from) const {
  for (std::size_t i = from; i < segments_.size(); ++i) {
    if (part_target_) {
      for (const auto& part : segments_[i].parts) render_part(out, part);
    }
    out += "#EXTINF:" + seconds(segments_[i].duration) + ",\n" + segments_[i].uri + "\n";
  }
  for (const auto& part : open_parts_) render_part(out, part);
  if (ended_) out += "#EXT-X-ENDLIST\n";
}

SplitPlaylist HlsPlaylist::render_split() const {
  // Segments older than the part window are listed without parts, and stay so.
  const std::size_t settled =
      part_target_ ? segments_older_than(kPartWindowTargets * target_duration_) : segments_.size();
  if (!head_ || head_first_sequence_ != first_sequence_ || settled < head_segments_) {
    auto head = std::make_shared<std::string>(tags(false, 0));
    render_whole_segments(*head, 0, settled);
    head_ = std::move(head);
  } else if (settled > head_segments_) {
    auto head = std::make_shared<std::string>();
    std::string added;
    render_whole_segments(added, head_segments_, settled);
    head->reserve(head_->size() + added.size());
    *head = *head_ + added;
    head_ = std::move(head);
  }
  head_segments_ = settled;
  head_first_sequence_ = first_sequence_;
  SplitPlaylist split{head_, {}};
  render_live_tail(split.tail, settled);
  return split;
}

std::string HlsPlaylist::render_delta() const {
  // Segments whose start lies further than CAN-SKIP-UNTIL from the playlist's end may be
  // skipped in a delta update.
  const std::size_t skipped = part_target_ ? segments_older_than(skip_until()) : 0;
  const std::size_t settled =
      part_target_ ? segments_older_than(kPartWindowTargets * target_duration_) : segments_.size();
  std::string out = tags(true, skipped);
  render_whole_segments(out, skipped, std::max(skipped, settled));
  render_live_tail(out, std::max(skipped, settled));
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
