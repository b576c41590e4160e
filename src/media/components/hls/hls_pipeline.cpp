#include "components/hls/hls_pipeline.hpp"

#include <stdexcept>

#include <spdlog/spdlog.h>

#include <cmath>
#include <cstring>
#include <vector>

namespace shoal::components::hls {

namespace {

constexpr const char* kInitName = "muxed_header.mp4";
constexpr const char* kMasterName = "index.m3u8";
constexpr const char* kMediaName = "muxed.m3u8";
constexpr const char* kDeltaName = "muxed_delta.m3u8";
constexpr int kAudioFrameSamples = 1024;  // one AAC frame
// A pipeline that fell further behind than this (a stalled machine) skips ahead instead of
// encoding a burst of stale frames.
constexpr auto kMaxLag = std::chrono::seconds(1);
constexpr auto kKeyframeRetry = std::chrono::milliseconds(500);
constexpr auto kIdleWait = std::chrono::milliseconds(10);

std::chrono::nanoseconds at_rate(std::int64_t count, std::int64_t rate) {
  return std::chrono::nanoseconds(count * 1'000'000'000 / rate);
}

}  // namespace

HlsPipeline::HlsPipeline(HlsPipelineSettings settings, HlsPipelineEvents& events)
    : settings_(std::move(settings)),
      events_(events),
      storage_(settings_.directory),
      part_frames_(static_cast<int>(kPartSeconds * encoding_.frame_rate)),
      video_encoder_(open_video_encoder(encoding_)),
      audio_encoder_(open_audio_encoder()),
      muxer_(*video_encoder_, *audio_encoder_),
      compositor_(encoding_.width, encoding_.height),
      playlist_(kInitName, kSegmentSeconds,
                settings_.low_latency ? std::optional<double>(kPartSeconds) : std::nullopt) {
  storage_.create_directory();
  check_free_space();
  if (settings_.window_seconds) playlist_.set_window(*settings_.window_seconds);
  storage_.write(kInitName, muxer_.init_segment());

  audio_frame_->format = AV_SAMPLE_FMT_FLTP;
  audio_frame_->sample_rate = kAudioSampleRate;
  av_channel_layout_default(&audio_frame_->ch_layout, kAudioChannels);
  audio_frame_->nb_samples = kAudioFrameSamples;
  check_av(av_frame_get_buffer(audio_frame_.get(), 0), "allocating the mixed audio frame");
}

HlsPipeline::~HlsPipeline() {
  if (settings_.live_index != nullptr) settings_.live_index->remove(settings_.room_id);
}

void HlsPipeline::add_track(std::uint32_t key, bool video) {
  if (video) {
    video_[key] = std::make_unique<VideoTrack>();
  } else {
    audio_[key] = std::make_unique<AudioTrackDecoder>();
  }
}

void HlsPipeline::remove_track(std::uint32_t key) {
  video_.erase(key);
  audio_.erase(key);
}

void HlsPipeline::on_packet(const TrackPacket& packet, core::Time now) {
  if (auto it = audio_.find(packet.track_key); it != audio_.end()) {
    it->second->on_packet(packet.bytes());
    return;
  }
  auto it = video_.find(packet.track_key);
  if (it == video_.end()) return;  // removed meanwhile
  VideoTrack& track = *it->second;
  track.decoder.on_packet(packet.ssrc, packet.sequence_number, packet.timestamp, packet.marker, packet.bytes());
  if (track.decoder.wants_keyframe() && now - track.keyframe_requested >= kKeyframeRetry) {
    track.keyframe_requested = now;
    events_.on_keyframe_needed(packet.track_key);
  }
}

core::Time HlsPipeline::run_until(core::Time now) {
  if (finished_) return now + kIdleWait;
  if (!started_) {
    // The broadcast starts with the first picture: until then there is nothing to show.
    bool any_picture = false;
    for (const auto& [key, track] : video_) any_picture |= track->decoder.latest() != nullptr;
    if (!any_picture) return now + kIdleWait;
    started_ = true;
    start_ = now;
    spdlog::info("HLS broadcast of room \"{}\" started", settings_.room_id);
  }
  for (;;) {
    const auto due = start_ + at_rate(frames_, encoding_.frame_rate);
    if (due > now) break;
    if (now - due > kMaxLag) {
      frames_ = (now - start_) / at_rate(1, encoding_.frame_rate);
      continue;
    }
    encode_video_frame(frames_++);
  }
  for (;;) {
    const auto due = start_ + at_rate(samples_, kAudioSampleRate);
    if (due > now) break;
    if (now - due > kMaxLag) {
      const auto behind = std::chrono::duration_cast<std::chrono::nanoseconds>(now - start_).count();
      samples_ = behind * kAudioSampleRate / 1'000'000'000 / kAudioFrameSamples * kAudioFrameSamples;
      continue;
    }
    encode_audio_frame(samples_);
    samples_ += kAudioFrameSamples;
  }
  // Rounded up, so the caller does not wake a fraction of a microsecond before a frame is due.
  return std::chrono::ceil<core::Duration>(
      std::min(start_ + at_rate(frames_, encoding_.frame_rate), start_ + at_rate(samples_, kAudioSampleRate)));
}

void HlsPipeline::encode_video_frame(std::int64_t frame) {
  std::vector<const AVFrame*> pictures;
  pictures.reserve(video_.size());
  for (const auto& [key, track] : video_) pictures.push_back(track->decoder.latest());
  AVFrame* canvas = compositor_.compose(pictures);
  canvas->pts = frame;
  canvas->pict_type = AV_PICTURE_TYPE_NONE;
  if (frame >= next_keyframe_) {
    canvas->pict_type = AV_PICTURE_TYPE_I;
    next_keyframe_ = frame + encoding_.keyframe_interval;
  }
  check_av(avcodec_send_frame(video_encoder_.get(), canvas), "encoding a video frame");
  drain_video();
}

void HlsPipeline::drain_video() {
  for (;;) {
    const int received = avcodec_receive_packet(video_encoder_.get(), encoded_.get());
    if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return;
    check_av(received, "encoding a video frame");
    encoded_->duration = 1;  // one frame; the muxer would otherwise guess each fragment's last
    on_video_packet(*encoded_);
    av_packet_unref(encoded_.get());
  }
}

void HlsPipeline::encode_audio_frame(std::int64_t first_sample) {
  check_av(av_frame_make_writable(audio_frame_.get()), "reusing the audio frame");
  float* planes[kAudioChannels];
  for (int channel = 0; channel < kAudioChannels; ++channel) {
    planes[channel] = reinterpret_cast<float*>(audio_frame_->data[channel]);
    std::memset(planes[channel], 0, sizeof(float) * kAudioFrameSamples);
  }
  for (auto& [key, track] : audio_) track->mix_into(planes, kAudioFrameSamples);
  for (float* plane : planes) {
    for (int i = 0; i < kAudioFrameSamples; ++i) plane[i] = std::fmax(-1.0f, std::fmin(1.0f, plane[i]));
  }
  audio_frame_->pts = first_sample;
  check_av(avcodec_send_frame(audio_encoder_.get(), audio_frame_.get()), "encoding an audio frame");
  drain_audio();
}

void HlsPipeline::drain_audio() {
  for (;;) {
    const int received = avcodec_receive_packet(audio_encoder_.get(), encoded_.get());
    if (received == AVERROR(EAGAIN) || received == AVERROR_EOF) return;
    check_av(received, "encoding an audio frame");
    // AAC's encoder delay would give the first packets negative times, which a fragmented MP4
    // cannot carry without an edit list: shift the sound by it (about 21 ms).
    encoded_->pts += audio_encoder_->initial_padding;
    encoded_->dts += audio_encoder_->initial_padding;
    encoded_->duration = kAudioFrameSamples;
    if (segment_open_) muxer_.write(*encoded_, CmafMuxer::kAudioStream, audio_encoder_->time_base);
    av_packet_unref(encoded_.get());
  }
}

void HlsPipeline::on_video_packet(AVPacket& packet) {
  const bool keyframe = (packet.flags & AV_PKT_FLAG_KEY) != 0;
  const std::int64_t frame = packet.pts;
  if (!segment_open_) {
    if (!keyframe) return;  // a segment must start with a keyframe
    segment_open_ = true;
    segment_start_ = part_start_ = frame;
    part_independent_ = true;
  } else if (keyframe && frame - segment_start_ >= encoding_.keyframe_interval) {
    cut(frame, true, true);
  } else if (settings_.low_latency && frame - part_start_ >= part_frames_) {
    cut(frame, false, keyframe);
  }
  muxer_.write(packet, CmafMuxer::kVideoStream, video_encoder_->time_base);
}

std::string HlsPipeline::segment_name(std::uint64_t sequence) const {
  return "muxed_segment_" + std::to_string(sequence) + ".m4s";
}

void HlsPipeline::cut(std::int64_t boundary_frame, bool end_segment, bool next_independent) {
  std::string fragment = muxer_.cut_fragment();
  const double rate = encoding_.frame_rate;
  const std::uint64_t sequence = playlist_.next_sequence();
  if (settings_.low_latency && !fragment.empty()) {
    const std::string name =
        "muxed_segment_" + std::to_string(sequence) + "_" + std::to_string(part_index_++) + "_part.m4s";
    storage_.write(name, fragment);
    open_part_files_.push_back(name);
    playlist_.add_part({name, (boundary_frame - part_start_) / rate, part_independent_});
  }
  segment_bytes_ += fragment;
  std::vector<HlsSegment> removed;
  part_start_ = boundary_frame;
  part_independent_ = next_independent;
  if (end_segment) {
    const double duration = (boundary_frame - segment_start_) / rate;
    const std::string name = segment_name(sequence);
    check_free_space();
    storage_.write(name, segment_bytes_);
    if (duration > 0) {
      peak_bandwidth_ = std::max(peak_bandwidth_, static_cast<std::uint64_t>(segment_bytes_.size() * 8 / duration));
    }
    removed = playlist_.finish_segment(name, duration);
    part_files_.emplace_back(sequence, std::move(open_part_files_));
    open_part_files_.clear();
    segment_bytes_.clear();
    segment_start_ = boundary_frame;
    part_index_ = 0;
  }
  write_playlists(end_segment);
  if (end_segment) retire(std::move(removed), boundary_frame);
  if (end_segment && !playable_) {
    playable_ = true;
    spdlog::info("HLS stream of room \"{}\" is playable", settings_.room_id);
    events_.on_playable();
  }
}

void HlsPipeline::check_free_space() const {
  if (settings_.min_free_bytes == 0) return;
  const auto free = storage_.free_bytes();
  if (free && *free < settings_.min_free_bytes) {
    throw std::runtime_error("the output filesystem has " + std::to_string(*free >> 20) + " MB free, less than the " +
                             std::to_string(settings_.min_free_bytes >> 20) + " MB kept free (JF_HLS_MIN_FREE_DISK_MB)");
  }
}

void HlsPipeline::retire(std::vector<HlsSegment> removed, std::int64_t now_frame) {
  for (auto& segment : removed) retired_.push_back({now_frame, std::move(segment.uri)});
  const double keep_frames = settings_.window_seconds.value_or(0) * encoding_.frame_rate;
  while (!retired_.empty() && static_cast<double>(now_frame - retired_.front().at_frame) > keep_frames) {
    storage_.remove(retired_.front().uri);
    retired_.pop_front();
  }
  const std::uint64_t next = playlist_.next_sequence();
  while (!part_files_.empty() && part_files_.front().first + kKeptPartSegments < next) {
    for (const auto& file : part_files_.front().second) storage_.remove(file);
    part_files_.pop_front();
  }
}

void HlsPipeline::write_playlists(bool end_segment) {
  // The master playlist exists before the media playlist is first listed, and is rewritten only
  // when the peak rate grew by more than a tenth (players read BANDWIDTH as the peak).
  if (peak_bandwidth_ > 0 && (master_bandwidth_ == 0 || peak_bandwidth_ > master_bandwidth_ * 11 / 10)) {
    master_bandwidth_ = peak_bandwidth_;
    const std::uint64_t bandwidth = master_bandwidth_ + audio_encoder_->bit_rate;
    storage_.write(kMasterName, master_playlist(kMediaName, bandwidth, avc_codec_string(*video_encoder_) + ",mp4a.40.2",
                                                encoding_.width, encoding_.height, encoding_.frame_rate));
  }
  if (master_bandwidth_ == 0) return;  // nothing listable before the first whole segment
  if (!settings_.low_latency) {
    storage_.write(kMediaName, playlist_.render());
    return;
  }
  // Per part: the delta playlist (its size is bounded by CAN-SKIP-UNTIL) on disk, the whole one
  // through the live index; the whole one reaches the disk once per segment.
  storage_.write(kDeltaName, playlist_.render_delta());
  auto split = playlist_.render_split();
  if (end_segment || !media_playlist_written_) {
    storage_.write(kMediaName, split.text());
    media_playlist_written_ = true;
  }
  if (settings_.live_index != nullptr) {
    settings_.live_index->update(settings_.room_id,
                                 {playlist_.next_sequence(), playlist_.open_parts(), kSegmentSeconds}, kMediaName,
                                 std::move(split));
  }
}

void HlsPipeline::finish() {
  if (finished_) return;
  finished_ = true;
  if (segment_open_ && frames_ > segment_start_) cut(frames_, true, true);
  playlist_.end();
  if (master_bandwidth_ > 0) {
    if (settings_.low_latency) storage_.write(kDeltaName, playlist_.render_delta());
    storage_.write(kMediaName, playlist_.render());
  }
  if (settings_.live_index != nullptr) settings_.live_index->remove(settings_.room_id);
}

}  // namespace shoal::components::hls
