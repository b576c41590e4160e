#pragma once
// The media playlist of one live HLS rendition (RFC 8216, with the low-latency extensions of
// its second edition: parts, blocking reload, delta updates) and the master playlist that
// points at it. Pure text building: the pipeline decides what the segments are.
#include <cstdint>
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

  std::string render() const { return render(false); }
  // The playlist with EXT-X-SKIP in place of the segments older than CAN-SKIP-UNTIL.
  std::string render_delta() const { return render(true); }

 private:
  std::string render(bool delta) const;
  double skip_until() const { return 6.0 * target_duration_; }

  std::string init_uri_;
  int target_duration_;
  std::optional<double> part_target_;
  std::optional<double> window_seconds_;
  std::uint64_t first_sequence_ = 0;  // EXT-X-MEDIA-SEQUENCE
  std::vector<HlsSegment> segments_;
  std::vector<HlsPart> open_parts_;
  bool ended_ = false;
};

std::string master_playlist(const std::string& media_uri, std::uint64_t bandwidth, const std::string& codecs,
                            int width, int height, int frame_rate);

}  // namespace shoal::components::hls
