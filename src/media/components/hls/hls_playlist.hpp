#pragma once
// The media playlist of one live HLS rendition (RFC 8216, with the low-latency extensions of
// its second edition: parts, blocking reload, delta updates) and the master playlist that
// points at it. Pure text building: the pipeline decides what the segments are.
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace shoal::components::hls {

struct HlsPart {
  std::string uri;
  double duration = 0;
  bool independent = false;  // starts with a keyframe
};

struct HlsSegment {
  std::string uri;
  double duration = 0;
  std::vector<HlsPart> parts;  // low latency only
};

// A media playlist in two pieces: the head (tags and the segments whose parts are no longer
// listed, which never change again) and the live tail. The head is shared, not copied, between
// renderings, so a part costs the tail's size, not the stream's length.
struct SplitPlaylist {
  std::shared_ptr<const std::string> head;
  std::string tail;
  std::string text() const { return *head + tail; }
};

class HlsPlaylist {
 public:
  // part_target: the low-latency part duration, nullopt for plain HLS.
  HlsPlaylist(std::string init_uri, int target_duration, std::optional<double> part_target);

  // Keep only the newest segments covering `seconds` (at least one): the media sequence number
  // advances as older ones leave. Unset: every segment stays listed (v0.2.1's behaviour).
  void set_window(double seconds) { window_seconds_ = seconds; }

  void add_part(HlsPart part);  // to the segment being built
  // Returns the segments that left the window, for their files to be deleted later.
  std::vector<HlsSegment> finish_segment(std::string uri, double duration);
  void end() { ended_ = true; }

  // Media sequence number of the segment being built and the index of its next part: what a
  // blocking reload (_HLS_msn, _HLS_part) waits for.
  std::uint64_t next_sequence() const { return first_sequence_ + segments_.size(); }
  std::size_t open_parts() const { return open_parts_.size(); }
  const std::vector<HlsSegment>& segments() const { return segments_; }

  std::string render() const { return render_split().text(); }
  SplitPlaylist render_split() const;
  // The playlist with EXT-X-SKIP in place of the segments older than CAN-SKIP-UNTIL.
  std::string render_delta() const;

 private:
  double skip_until() const { return 6.0 * target_duration_; }
  // Leading segments whose start lies more than `seconds` before the playlist's end.
  std::size_t segments_older_than(double seconds) const;
  std::string tags(bool with_skip, std::size_t skipped) const;
  void render_whole_segments(std::string& out, std::size_t from, std::size_t to) const;
  void render_live_tail(std::string& out, std::size_t from) const;

  std::string init_uri_;
  int target_duration_;
  std::optional<double> part_target_;
  std::optional<double> window_seconds_;
  std::uint64_t first_sequence_ = 0;  // EXT-X-MEDIA-SEQUENCE
  std::vector<HlsSegment> segments_;
  std::vector<HlsPart> open_parts_;
  bool ended_ = false;
  // The head of the last rendering, and what it was made of.
  mutable std::shared_ptr<const std::string> head_;
  mutable std::size_t head_segments_ = 0;
  mutable std::uint64_t head_first_sequence_ = 0;
};

std::string master_playlist(const std::string& media_uri, std::uint64_t bandwidth, const std::string& codecs,
                            int width, int height, int frame_rate);

}  // namespace shoal::components::hls
