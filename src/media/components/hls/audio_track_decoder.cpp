#include "components/hls/audio_track_decoder.hpp"

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace shoal::components::hls {

namespace {

// Start playing a track once this much is buffered, and never keep more than kMaxBuffered:
// a sender whose clock runs fast (or a burst after a stall) must not grow the delay forever.
constexpr int kJitterSamples = kAudioSampleRate / 10;     // 100 ms
constexpr int kMaxBufferedSamples = kAudioSampleRate / 2;  // 500 ms
constexpr int kMaxFrameSamples = 5760;                     // 120 ms, Opus's longest frame

}  // namespace

AudioTrackDecoder::AudioTrackDecoder() {
  const AVCodec* codec = avcodec_find_decoder(AV_CODEC_ID_OPUS);
  if (codec == nullptr) throw std::runtime_error("FFmpeg has no Opus decoder");
  decoder_.reset(avcodec_alloc_context3(codec));
  if (!decoder_) throw std::bad_alloc();
  decoder_->sample_rate = kAudioSampleRate;
  av_channel_layout_default(&decoder_->ch_layout, kAudioChannels);
  check_av(avcodec_open2(decoder_.get(), codec, nullptr), "opening the Opus decoder");

  fifo_.reset(av_audio_fifo_alloc(AV_SAMPLE_FMT_FLTP, kAudioChannels, kMaxBufferedSamples + kMaxFrameSamples));
  if (!fifo_) throw std::bad_alloc();

  converted_->format = AV_SAMPLE_FMT_FLTP;
  converted_->sample_rate = kAudioSampleRate;
  av_channel_layout_default(&converted_->ch_layout, kAudioChannels);
  converted_->nb_samples = kMaxFrameSamples;
  check_av(av_frame_get_buffer(converted_.get(), 0), "allocating audio samples");
  scratch_->format = AV_SAMPLE_FMT_FLTP;
  av_channel_layout_default(&scratch_->ch_layout, kAudioChannels);
  scratch_->nb_samples = kMaxFrameSamples;
  check_av(av_frame_get_buffer(scratch_.get(), 0), "allocating audio samples");
}

void AudioTrackDecoder::on_packet(std::span<const std::uint8_t> payload) {
  if (payload.empty()) return;
  packet_->data = const_cast<std::uint8_t*>(payload.data());
  packet_->size = static_cast<int>(payload.size());
  const int sent = avcodec_send_packet(decoder_.get(), packet_.get());
  packet_->data = nullptr;
  packet_->size = 0;
  if (sent < 0) {
    ++decode_errors_;
    return;
  }
  while (avcodec_receive_frame(decoder_.get(), decoded_.get()) >= 0) {
    if (!resampler_) {
      AVChannelLayout out_layout;
      av_channel_layout_default(&out_layout, kAudioChannels);
      SwrContext* resampler = nullptr;
      check_av(swr_alloc_set_opts2(&resampler, &out_layout, AV_SAMPLE_FMT_FLTP, kAudioSampleRate,
                                   &decoded_->ch_layout, static_cast<AVSampleFormat>(decoded_->format),
                                   decoded_->sample_rate, 0, nullptr),
               "configuring the audio resampler");
      resampler_.reset(resampler);
      check_av(swr_init(resampler_.get()), "starting the audio resampler");
    }
    const int samples = decoded_->nb_samples > kMaxFrameSamples ? kMaxFrameSamples : decoded_->nb_samples;
    const int converted = swr_convert(resampler_.get(), converted_->data, kMaxFrameSamples,
                                      const_cast<const std::uint8_t**>(decoded_->extended_data), samples);
    av_frame_unref(decoded_.get());
    if (converted <= 0) continue;
    const int room = kMaxBufferedSamples + kMaxFrameSamples - av_audio_fifo_size(fifo_.get());
    if (converted > room) av_audio_fifo_drain(fifo_.get(), converted - room);
    av_audio_fifo_write(fifo_.get(), reinterpret_cast<void**>(converted_->data), converted);
  }
  // Keep the delay bounded: drop the oldest samples beyond the cap down to the jitter margin.
  if (av_audio_fifo_size(fifo_.get()) > kMaxBufferedSamples) {
    av_audio_fifo_drain(fifo_.get(), av_audio_fifo_size(fifo_.get()) - kJitterSamples);
  }
}

void AudioTrackDecoder::mix_into(float* const* mix, int samples) {
  const int buffered = av_audio_fifo_size(fifo_.get());
  if (!playing_ && buffered < kJitterSamples + samples) return;
  if (buffered < samples) {
    playing_ = false;  // ran dry: rebuild the margin before playing on
    return;
  }
  playing_ = true;
  if (samples > kMaxFrameSamples) samples = kMaxFrameSamples;
  av_audio_fifo_read(fifo_.get(), reinterpret_cast<void**>(scratch_->data), samples);
  for (int channel = 0; channel < kAudioChannels; ++channel) {
    const float* in = reinterpret_cast<const float*>(scratch_->data[channel]);
    float* out = mix[channel];
    for (int i = 0; i < samples; ++i) out[i] += in[i];
  }
}

}  // namespace shoal::components::hls
