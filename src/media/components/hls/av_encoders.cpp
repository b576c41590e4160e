#include "components/hls/av_encoders.hpp"
#include "components/hls/audio_track_decoder.hpp"

#include <cstdio>

extern "C" {
#include <libavutil/channel_layout.h>
#include <libavutil/opt.h>
}

namespace shoal::components::hls {

CodecContextPtr open_video_encoder(const VideoEncoding& encoding) {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  if (codec == nullptr) codec = avcodec_find_encoder(AV_CODEC_ID_H264);
  if (codec == nullptr) throw std::runtime_error("FFmpeg has no H264 encoder");
  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) throw std::bad_alloc();
  encoder->width = encoding.width;
  encoder->height = encoding.height;
  encoder->pix_fmt = AV_PIX_FMT_YUV420P;
  encoder->time_base = AVRational{1, encoding.frame_rate};
  encoder->framerate = AVRational{encoding.frame_rate, 1};
  encoder->gop_size = encoding.keyframe_interval;
  encoder->max_b_frames = 0;
  encoder->thread_count = 1;  // one core per room's broadcast at most
  // A ceiling keeps a busy grid from flooding viewers; crf keeps still pictures cheap.
  encoder->rc_max_rate = 4'000'000;
  encoder->rc_buffer_size = 8'000'000;
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;  // parameter sets in the init segment
  av_opt_set(encoder->priv_data, "preset", "ultrafast", 0);
  av_opt_set(encoder->priv_data, "tune", "zerolatency", 0);
  av_opt_set(encoder->priv_data, "crf", "23", 0);
  // Keyframes only where segments start, so every segment is the same length.
  const std::string params = "keyint=" + std::to_string(encoding.keyframe_interval) +
                             ":min-keyint=" + std::to_string(encoding.keyframe_interval) + ":scenecut=0";
  av_opt_set(encoder->priv_data, "x264-params", params.c_str(), 0);
  check_av(avcodec_open2(encoder.get(), codec, nullptr), "opening the H264 encoder");
  return encoder;
}

CodecContextPtr open_audio_encoder() {
  const AVCodec* codec = avcodec_find_encoder(AV_CODEC_ID_AAC);
  if (codec == nullptr) throw std::runtime_error("FFmpeg has no AAC encoder");
  CodecContextPtr encoder(avcodec_alloc_context3(codec));
  if (!encoder) throw std::bad_alloc();
  encoder->sample_fmt = AV_SAMPLE_FMT_FLTP;
  encoder->sample_rate = kAudioSampleRate;
  av_channel_layout_default(&encoder->ch_layout, kAudioChannels);
  encoder->bit_rate = 128'000;
  encoder->time_base = AVRational{1, kAudioSampleRate};
  encoder->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  check_av(avcodec_open2(encoder.get(), codec, nullptr), "opening the AAC encoder");
  return encoder;
}

std::string avc_codec_string(const AVCodecContext& encoder) {
  // x264's global header is Annex B: find the SPS (NAL type 7) after a start code.
  const std::uint8_t* data = encoder.extradata;
  const int size = encoder.extradata_size;
  for (int i = 0; data != nullptr && i + 6 < size; ++i) {
    if (data[i] == 0 && data[i + 1] == 0 && data[i + 2] == 1 && (data[i + 3] & 0x1f) == 7) {
      char text[16];
      std::snprintf(text, sizeof(text), "avc1.%02x%02x%02x", data[i + 4], data[i + 5], data[i + 6]);
      return text;
    }
  }
  return "avc1.42e028";  // constrained baseline 4.0, what ultrafast produces
}

}  // namespace shoal::components::hls
