#pragma once
#include "components/hls/av_handles.hpp"

#include <cstdint>
#include <span>

namespace shoal::components::hls {

// The HLS output's audio format: what the mixer produces and the AAC encoder takes.
constexpr int kAudioSampleRate = 48000;
constexpr int kAudioChannels = 2;

// One published Opus track as the HLS mixer sees it: RTP payloads in, 48 kHz stereo planar
// float samples out, buffered with a little latency so network jitter does not cut the sound.
class AudioTrackDecoder {
 public:
  AudioTrackDecoder();

  void on_packet(std::span<const std::uint8_t> payload);

  // Adds `samples` samples per channel into `mix` (kAudioChannels planes) when enough are
  // buffered; a track that ran dry stays silent until it has buffered the jitter margin again.
  void mix_into(float* const* mix, int samples);

  std::uint64_t decode_errors() const { return decode_errors_; }

 private:
  CodecContextPtr decoder_;
  SwrPtr resampler_;
  AudioFifoPtr fifo_;
  PacketPtr packet_ = make_packet();
  FramePtr decoded_ = make_frame();
  FramePtr converted_ = make_frame();
  FramePtr scratch_ = make_frame();
  bool playing_ = false;
  std::uint64_t decode_errors_ = 0;
};

}  // namespace shoal::components::hls
