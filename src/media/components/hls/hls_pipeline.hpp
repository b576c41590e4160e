#pragma once
// The HLS broadcast of one room, as Jellyfish's HLS component makes it: every video track
// decoded and laid out on one 1920x1080 picture at 24 fps (H264), every audio track decoded and
// mixed (AAC), both muxed into one fMP4 rendition cut into 6 s segments (and 1.1 s parts for
// low-latency HLS), written with their playlists to the room's output directory.
//
// Runs on its component's own thread: decoding and encoding never hold up a room's loop.
// Wall-clock paced: frames are made when due, from the newest picture and sound each track has.
#include "components/hls/audio_track_decoder.hpp"
#include "components/hls/av_encoders.hpp"
#include "components/hls/cmaf_muxer.hpp"
#include "components/hls/hls_live_index.hpp"
#include "components/hls/hls_playlist.hpp"
#include "components/hls/hls_storage.hpp"
#include "components/hls/track_packet.hpp"
#include "components/hls/video_compositor.hpp"
#include "components/hls/video_track_decoder.hpp"
#include "core/time.hpp"

#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <map>
#include <memory>
#include <string>

namespace shoal::components::hls {

struct HlsPipelineSettings {
  std::filesystem::path directory;  // <JF_OUTPUT_BASE_PATH>/hls_output/<room id>
  bool low_latency = false;
  std::string room_id;
  HlsLiveIndex* live_index = nullptr;  // low latency: where blocking reloads look
  // The playlist lists this many seconds of the newest segments (older files are deleted one
  // window later); unset: every segment, as v0.2.1.
  std::optional<int> window_seconds;
  // Below this much free space on the output's filesystem the component stops (crashes) rather
  // than fill the disk.
  std::uint64_t min_free_bytes = 0;
};

class HlsPipelineEvents {
 public:
  virtual ~HlsPipelineEvents() = default;
  virtual void on_keyframe_needed(std::uint32_t track_key) = 0;
  virtual void on_playable() = 0;  // the first segment and its playlists are written
};

class HlsPipeline {
 public:

  static constexpr int kSegmentSeconds = 6;
  static constexpr double kPartSeconds = 1.1;

  HlsPipeline(HlsPipelineSettings settings, HlsPipelineEvents& events);
  ~HlsPipeline();
  HlsPipeline(const HlsPipeline&) = delete;
  HlsPipeline& operator=(const HlsPipeline&) = delete;

  void add_track(std::uint32_t key, bool video);
  void remove_track(std::uint32_t key);
  void on_packet(const TrackPacket& packet, core::Time now);
  // Makes every frame due by `now`; returns when the next one is due.
  core::Time run_until(core::Time now);
  // The stream ends: the open segment is written and the playlist closed.
  void finish();

  std::string_view media_playlist_name() const { return "muxed.m3u8"; }

 private:
  struct VideoTrack {
    VideoTrackDecoder decoder;
    core::Time keyframe_requested{};
  };

  void encode_video_frame(std::int64_t frame);
  void encode_audio_frame(std::int64_t first_sample);
  void drain_video();
  void drain_audio();
  void on_video_packet(AVPacket& packet);
  void cut(std::int64_t boundary_frame, bool end_segment, bool next_independent);
  void write_playlists(bool end_segment);
  std::string segment_name(std::uint64_t sequence) const;
  void check_free_space() const;
  void retire(std::vector<HlsSegment> removed, std::int64_t now_frame);

  // Files of segments that left the window, deleted one window after (RFC 8216 6.2.2: players
  // holding an older playlist may still ask for them).
  struct Retired {
    std::int64_t at_frame;
    std::string uri;
  };
  std::deque<Retired> retired_;
  // Part files of listed segments, by sequence: parts of old segments are no longer listed, so
  // they are deleted after kKeptPartSegments (the whole segment file holds the same bytes).
  static constexpr std::uint64_t kKeptPartSegments = 10;
  std::deque<std::pair<std::uint64_t, std::vector<std::string>>> part_files_;
  std::vector<std::string> open_part_files_;

  HlsPipelineSettings settings_;
  HlsPipelineEvents& events_;
  HlsStorage storage_;
  VideoEncoding encoding_;
  int part_frames_;
  CodecContextPtr video_encoder_;
  CodecContextPtr audio_encoder_;
  CmafMuxer muxer_;
  VideoCompositor compositor_;
  HlsPlaylist playlist_;
  bool media_playlist_written_ = false;
  FramePtr audio_frame_ = make_frame();
  PacketPtr encoded_ = make_packet();
  std::map<std::uint32_t, std::unique_ptr<VideoTrack>> video_;  // by key: publication order
  std::map<std::uint32_t, std::unique_ptr<AudioTrackDecoder>> audio_;

  bool started_ = false;
  core::Time start_{};
  std::int64_t frames_ = 0;   // next video frame (pts in 1/frame_rate)
  std::int64_t samples_ = 0;  // next audio sample (pts in 1/sample_rate)
  std::int64_t next_keyframe_ = 0;

  bool segment_open_ = false;
  std::int64_t segment_start_ = 0;  // frames
  std::int64_t part_start_ = 0;
  bool part_independent_ = true;
  std::size_t part_index_ = 0;
  std::string segment_bytes_;
  std::uint64_t peak_bandwidth_ = 0;
  std::uint64_t master_bandwidth_ = 0;
  bool playable_ = false;
  bool finished_ = false;
};

}  // namespace shoal::components::hls
